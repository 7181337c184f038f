/**
 * End-to-end helpers: spawn the built CLI (`bin/nfw-flows.js` -> dist/) against an in-process emulator,
 * read outputs back with independent readers (DuckDB, apache-arrow).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tableFromIPC } from 'apache-arrow';

export const PACKAGE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const BIN = path.join(PACKAGE, 'bin/nfw-flows.js');
export const ARN = 'arn:aws:network-firewall:us-east-1:123456789012:firewall/nfw-flows-demo';

/** `export --all-operations` of the emulator's two test zones (the caller adds endpoint and output). */
export const ALL_ZONES_EXPORT: readonly string[] = [
  'export',
  '--firewall-arn',
  ARN,
  '--all-operations',
  '--availability-zone',
  'us-east-1a',
  '--availability-zone',
  'us-east-1b',
];

/** `export` of one operation in `zone` (us-east-1a) of the test firewall, from the API at `endpoint`. */
export function zoneExport(operationId: string, endpoint: string, zone = 'us-east-1a'): string[] {
  return [
    'export',
    '--firewall-arn',
    ARN,
    '--flow-operation-id',
    operationId,
    '--availability-zone',
    zone,
    '--endpoint-url',
    endpoint,
  ];
}

/** `capture` in us-east-1a of the test firewall, from the API at `endpoint` (the caller adds filters and output). */
export function zoneCapture(endpoint?: string): string[] {
  return [
    'capture',
    '--firewall-arn',
    ARN,
    '--availability-zone',
    'us-east-1a',
    ...(endpoint === undefined ? [] : ['--endpoint-url', endpoint]),
  ];
}

/**
 * `capture` of every flow (`--filters-json '[{}]'`, no minimum age) polled every 10 ms, from the API at
 * `endpoint`; the caller adds the scope and the output.
 */
export function quickCapture(endpoint: string, ...rest: string[]): string[] {
  return [
    'capture',
    '--filters-json',
    '[{}]',
    '--minimum-flow-age',
    '0',
    '--poll-interval',
    '10ms',
    '--endpoint-url',
    endpoint,
    ...rest,
  ];
}

/** Retry flags of a test that wants a lasting outage to fail fast (the default budget is 5 minutes). */
export const SHORT_STALL: readonly string[] = [
  '--stall-timeout',
  '200ms',
  '--retry-base-delay',
  '1ms',
  '--retry-max-delay',
  '10ms',
];

/** Retry flags of a test that rides out faults quickly (tiny backoff, the default 5 minute budget). */
export const FAST_RETRY: readonly string[] = ['--retry-base-delay', '1ms', '--retry-max-delay', '10ms'];

export function assertBuilt(): void {
  if (!existsSync(path.join(PACKAGE, 'dist/cli.js'))) {
    throw new Error(
      'the CLI is not built: run `npx tsc -b packages/core packages/fixtures packages/cli-export` (pnpm test does)',
    );
  }
}

export const ENV = {
  PATH: process.env.PATH ?? '',
  HOME: process.env.HOME ?? '/tmp',
  AWS_ACCESS_KEY_ID: 'AKIDTEST000000000000',
  AWS_SECRET_ACCESS_KEY: 'test-secret-key-do-not-print',
  AWS_REGION: 'us-east-1',
  // Never read the developer's real AWS config.
  AWS_CONFIG_FILE: '/nonexistent/aws-config',
  AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  AWS_MAX_ATTEMPTS: '5',
  NFW_FLOWS_CHECKPOINT_INTERVAL_MS: '0',
};

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  stdoutBytes: Buffer;
}

export interface RunOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  stdin?: string | Buffer;
  timeoutMs?: number;
  onSpawn?: (child: ChildProcess) => void;
}

export function run(args: string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd,
      env: { ...ENV, ...options.env } as NodeJS.ProcessEnv,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    if (options.stdin !== undefined) child.stdin.end(options.stdin);
    else child.stdin.end();
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 25_000);
    options.onSpawn?.(child);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const stdoutBytes = Buffer.concat(out);
      resolve({
        code,
        signal,
        stdout: stdoutBytes.toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        stdoutBytes,
      });
    });
  });
}

export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'nfw-cli-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export { closeDuckdb, query, sqlString } from '@nfw-flows/fixtures/testing';

export function readArrow(file: string) {
  return tableFromIPC(readFileSync(file));
}

/** A flow context of the test firewall (operation and zone as given), for records built in tests. */
export function flowContext(op: string, az: string | null): import('@nfw-flows/core').FlowContext {
  return {
    firewallArn: 'arn:aws:network-firewall:us-east-1:123456789012:firewall/f',
    availabilityZone: az,
    vpcEndpointId: null,
    vpcEndpointAssociationArn: null,
    flowOperationId: op,
    flowRequestTimestamp: new Date(1767225600500),
  };
}

/** A small AWS JSON 1.0 server on 127.0.0.1 answering every call as `answer` says. */
export interface JsonServer {
  endpoint: string;
  /** The operations called (`StartFlowCapture`, ...), in order. */
  calls: string[];
  close(): Promise<void>;
}

export interface JsonAnswer {
  status?: number;
  /** Set for an error answer: the exception's name (`AccessDeniedException`). */
  errorType?: string;
  body: unknown;
}

export async function startJsonServer(answer: (operation: string) => JsonAnswer): Promise<JsonServer> {
  const calls: string[] = [];
  const server: Server = createServer((req, res) => {
    const operation = String(req.headers['x-amz-target'] ?? '').replace(/^.*\./, '');
    calls.push(operation);
    req.resume();
    req.on('end', () => {
      const { status = 200, errorType, body } = answer(operation);
      res.writeHead(status, {
        'content-type': 'application/x-amz-json-1.0',
        ...(errorType === undefined ? {} : { 'x-amzn-errortype': errorType }),
      });
      res.end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
