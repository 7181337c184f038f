/**
 * API scenarios: the emulator in a separate process (support/emulator-host.ts) and the real AWS SDK
 * client against it on loopback.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { flowResults, requireFromCore, toArrow } from '../../core.js';
import { fileSize, REPO, removeQuietly, runCli, scratchPath } from './tools.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

export type Client = Parameters<typeof flowResults>[0];

export interface OperationRef {
  FirewallArn: string;
  FlowOperationId: string;
  AvailabilityZone: string;
}

export interface EmulatorProcess {
  endpoint: string;
  operations: OperationRef[];
  /** Ends the emulator process (also happens when this process exits). */
  close(): void;
}

const HOST = fileURLToPath(new URL('./emulator-host.ts', import.meta.url));
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill();
});

/** Starts the emulator in its own Node process with one operation of `flowsPerScope` flows per zone. */
export async function startEmulatorProcess(spec: {
  flowsPerScope: number;
  availabilityZones?: string[];
  latencyMs?: number;
  /** Fleet captures: firewalls in every zone, no operations (see emulator-host.ts). */
  firewallArns?: string[];
  captureMs?: number;
}): Promise<EmulatorProcess> {
  const full = {
    ...spec,
    availabilityZones: spec.availabilityZones ?? ['us-east-1a'],
    latencyMs: spec.latencyMs ?? 0,
  };
  const child = spawn(process.execPath, ['--import', 'tsx', HOST, JSON.stringify(full)], {
    cwd: REPO,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  running.add(child);
  const close = () => {
    if (!running.delete(child)) return;
    child.stdin?.end();
    child.kill();
  };
  const lines = createInterface({ input: child.stdout! });
  const first = await new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`emulator host exited with ${code} before it was ready`)));
  });
  lines.close();
  const info = JSON.parse(first) as { endpoint: string; operations: OperationRef[] };
  return { ...info, close };
}

interface SdkModule {
  NetworkFirewallClient: new (config: Record<string, unknown>) => Client;
  paginateListFlowOperationResults(
    config: { client: Client; pageSize?: number },
    input: Record<string, unknown>,
  ): AsyncIterable<{ Flows?: unknown[] }>;
}

/** The SDK as packages/core resolves it (CommonJS build). */
export const sdk = requireFromCore('@aws-sdk/client-network-firewall') as SdkModule;

export function makeClient(endpoint: string): Client {
  return new sdk.NetworkFirewallClient({
    region: 'us-east-1',
    endpoint,
    credentials: { accessKeyId: 'AKIDBENCH', secretAccessKey: 'bench-secret' },
  });
}

/** The floor: the SDK paginator alone draining every page (flows counted, nothing else). */
export async function drainPaginator(client: Client, op: OperationRef): Promise<number> {
  let flows = 0;
  for await (const page of sdk.paginateListFlowOperationResults({ client, pageSize: 100 }, { ...op })) {
    flows += page.Flows?.length ?? 0;
  }
  return flows;
}

/** The raw pages of an operation, all kept (what a "collect, then convert" script does). */
export async function collectPages(client: Client, op: OperationRef): Promise<unknown[][]> {
  const pages: unknown[][] = [];
  for await (const page of sdk.paginateListFlowOperationResults({ client, pageSize: 100 }, { ...op })) {
    pages.push(page.Flows ?? []);
  }
  return pages;
}

/** Environment for the CLI against the emulator (any credentials work; nothing leaves 127.0.0.1). */
export function cliApiEnv(endpoint: string): NodeJS.ProcessEnv {
  return {
    AWS_ENDPOINT_URL: endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'AKIDBENCH',
    AWS_SECRET_ACCESS_KEY: 'bench-secret',
    AWS_PROFILE: undefined,
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
  };
}

/** `nfw-flows export` arguments for one operation of the emulator. */
export function cliExportArgs(op: OperationRef, out: string): string[] {
  return [
    'export',
    '--firewall-arn',
    op.FirewallArn,
    '--flow-operation-id',
    op.FlowOperationId,
    '--availability-zone',
    op.AvailabilityZone,
    '--out',
    out,
    '--quiet',
    '--force',
  ];
}

/**
 * The library pipeline the API scenarios time: flowResults -> toArrow (file format) -> a scratch file,
 * which is removed afterwards. Returns the records emitted and the file size.
 */
export async function libraryArrowExport(
  client: Client,
  op: OperationRef,
  name: string,
): Promise<{ emitted: number; bytes: number }> {
  const out = scratchPath(name);
  const source = flowResults(client, op);
  await pipeline(source, toArrow({ format: 'file' }), createWriteStream(out));
  const bytes = fileSize(out);
  removeQuietly(out);
  return { emitted: source.summary().emitted, bytes };
}

/** One CLI export of the emulator's first operation to an Arrow file, measured from outside; closes the emulator. */
export async function cliArrowExport(
  emulator: EmulatorProcess,
  fileName: string,
): Promise<{ ms: number; cpuMs?: number; maxRssKiB?: number; bytes: number }> {
  const out = scratchPath(fileName);
  const measured = await runCli(cliExportArgs(emulator.operations[0]!, out), cliApiEnv(emulator.endpoint));
  emulator.close();
  const bytes = fileSize(out);
  removeQuietly(out);
  return { ...measured, bytes };
}
