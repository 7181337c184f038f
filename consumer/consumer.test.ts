/**
 * The packages as a user gets them: `pnpm pack` of core, cli-export and fixtures, `npm install` of the
 * tarballs into fresh projects with each SDK version the registry serves here, then the library samples
 * and a plain JavaScript program with the user's own client, and the `nfw-flows` bin from the tarball,
 * all against the emulator of the installed fixtures package. Records are compared byte for byte with
 * the generator's flows (normalized and written as NDJSON by the workspace's core).
 *
 * Slow (npm install): not part of the unit suite; `pnpm consumer` runs it and `.ci/run` runs that on
 * every tested Node version. Installs are cached under consumer/.cache/, keyed by the tarballs' hash
 * (the install does not depend on the Node version running it).
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type FlowContext, normalizeFlow, toNdjson } from '../packages/core/src/index.js';
import {
  createFlowGenerator,
  DEFAULT_FIREWALL_ARN,
  makeMetadata,
  startEmulator,
  writeCaptureFile,
} from '../packages/fixtures/src/index.js';

const run = promisify(execFile);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CACHE = path.join(ROOT, 'consumer', '.cache');
const SDK = '@aws-sdk/client-network-firewall';
/** Every version of the SDK with flow operations that the registry serves here. */
const SDK_VERSIONS = ['3.1048.0', '3.1075.0'];
const PACKAGES = ['core', 'cli-export', 'fixtures'];
const SEED = 16;
const FLOWS = 1234;
const AZ = 'us-east-1a';
const NODE_BIN = path.dirname(process.execPath);
const CLI_VERSION = (
  JSON.parse(readFileSync(path.join(ROOT, 'packages/cli-export/package.json'), 'utf8')) as { version: string }
).version;
/** Node 22.18+ and 24 run .ts files by stripping types; Node 20 needs tsx (the workspace's copy). */
const stripsTypes = (process.features as { typescript?: unknown }).typescript !== undefined;
const TSX = path.join(ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs');
const readArrow = createRequire(path.join(ROOT, 'packages/core/package.json'))('apache-arrow') as {
  tableFromIPC(bytes: Uint8Array): {
    numRows: number;
    [Symbol.iterator](): Iterator<Record<string, unknown>>;
  };
};

interface Emulated {
  endpoint: string;
  FirewallArn: string;
  FlowOperationId: string;
  AvailabilityZone: string;
  flows: number;
}

let projects: Record<string, string>;
let emulatorProcess: ChildProcess | undefined;
let emulated: Emulated;
let expectedNdjson: string;
let expectedBytes: bigint;
let savedCapture: string;

/** The three tarballs in a directory named by their hash (packing is deterministic). */
async function pack(): Promise<{ dir: string; tarballs: Record<string, string> }> {
  const staging = path.join(CACHE, `staging-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  await Promise.all(
    PACKAGES.map((p) =>
      run('npx', ['-y', 'pnpm@10', 'pack', '--pack-destination', staging], {
        cwd: path.join(ROOT, 'packages', p),
      }),
    ),
  );
  const names = readdirSync(staging).sort();
  const hash = createHash('sha256');
  for (const name of names) hash.update(name).update(readFileSync(path.join(staging, name)));
  const dir = path.join(CACHE, hash.digest('hex').slice(0, 16));
  if (existsSync(dir)) rmSync(staging, { recursive: true, force: true });
  else renameSync(staging, dir);
  // Installs of older builds are of no further use.
  for (const entry of readdirSync(CACHE)) {
    if (path.join(CACHE, entry) !== dir && !entry.startsWith('staging-')) {
      rmSync(path.join(CACHE, entry), { recursive: true, force: true });
    }
  }
  const tarballs: Record<string, string> = {};
  for (const p of PACKAGES) tarballs[p] = path.join(dir, `nfw-flows-${p}-0.1.0.tgz`);
  return { dir, tarballs };
}

/** `npm install` of `specs` into a fresh project `dir`, once per tarball hash. */
async function install(dir: string, specs: string[]): Promise<string> {
  if (!existsSync(path.join(dir, '.installed'))) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      path.join(dir, 'package.json'),
      `${JSON.stringify({ name: 'nfw-consumer', private: true, type: 'module' }, null, 2)}\n`,
    );
    await run(
      'npm',
      ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', ...specs],
      {
        cwd: dir,
        env: { ...process.env, PATH: `${NODE_BIN}:${process.env.PATH ?? ''}` },
        maxBuffer: 16 << 20,
      },
    );
    writeFileSync(path.join(dir, '.installed'), `${specs.join('\n')}\n`);
  }
  // The user's own files: the library samples as published in the repository, and a plain JS program.
  for (const sample of readdirSync(path.join(ROOT, 'packages/core/samples'))) {
    copyFileSync(path.join(ROOT, 'packages/core/samples', sample), path.join(dir, sample));
  }
  copyFileSync(path.join(ROOT, 'consumer/project/records.mjs'), path.join(dir, 'records.mjs'));
  copyFileSync(path.join(ROOT, 'consumer/project/api.mjs'), path.join(dir, 'api.mjs'));
  return dir;
}

function env(): NodeJS.ProcessEnv {
  return {
    PATH: `${NODE_BIN}:${process.env.PATH ?? ''}`,
    HOME: process.env.HOME ?? '/tmp',
    AWS_ACCESS_KEY_ID: 'AKIDCONSUMER00000000',
    AWS_SECRET_ACCESS_KEY: 'consumer-secret',
    AWS_REGION: 'us-east-1',
    AWS_ENDPOINT_URL: emulated.endpoint,
    AWS_CONFIG_FILE: '/nonexistent/aws-config',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
}

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

function exec(cwd: string, command: string, args: string[], extra: NodeJS.ProcessEnv = {}): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd,
      env: { ...env(), ...extra },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A sample as its header says to run it: plain `node` where Node strips types, tsx on Node 20. */
function runSample(cwd: string, name: string, args: string[]): Promise<Ran> {
  const loader = stripsTypes ? [] : ['--import', TSX];
  return exec(cwd, process.execPath, [...loader, name, ...args]);
}

/** The emulator bin of the installed fixtures package; resolves with its JSON line. */
function startInstalledEmulator(cwd: string): Promise<Emulated> {
  const bin = path.join(cwd, 'node_modules/@nfw-flows/fixtures/bin/nfw-flows-emulator.js');
  const child = spawn(process.execPath, [bin, '--seed', String(SEED), '--flows', String(FLOWS)], {
    cwd,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  emulatorProcess = child;
  return new Promise((resolve, reject) => {
    let line = '';
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`nfw-flows-emulator exited with ${code}`)));
    child.stdout.on('data', (d) => {
      line += d;
      const end = line.indexOf('\n');
      if (end >= 0) resolve(JSON.parse(line.slice(0, end)) as Emulated);
    });
  });
}

/** What every consumer must get: the generator's flows of that operation, normalized, as NDJSON. */
async function expected(): Promise<{ ndjson: string; bytes: bigint }> {
  const emu = await startEmulator({
    seed: SEED,
    operations: [{ firewallArn: DEFAULT_FIREWALL_ARN, availabilityZone: AZ, flows: FLOWS }],
  });
  try {
    const [op] = emu.operations();
    expect(op!.flowOperationId).toBe(emulated.FlowOperationId);
    const info = emu.operation(op!.flowOperationId)!;
    const context: FlowContext = {
      firewallArn: info.firewallArn,
      availabilityZone: AZ,
      vpcEndpointId: null,
      vpcEndpointAssociationArn: null,
      flowOperationId: info.flowOperationId,
      flowRequestTimestamp: new Date(info.timestamp * 1000),
    };
    const records = Array.from({ length: info.flowCount }, (_, i) =>
      normalizeFlow(info.flows.flowAt(i), context),
    );
    const bytes = records.reduce((sum, r) => sum + BigInt(r.byteCount ?? 0), 0n);
    return { ndjson: await text(Readable.from(records).pipe(toNdjson())), bytes };
  } finally {
    await emu.close();
  }
}

beforeAll(async () => {
  mkdirSync(CACHE, { recursive: true });
  const { dir, tarballs } = await pack();
  const tgz = [tarballs.core!, tarballs['cli-export']!, tarballs.fixtures!];
  const entries = await Promise.all([
    ...SDK_VERSIONS.map(async (version) => {
      // The other version under an alias: a second, separate copy of the SDK beside the user's.
      const other = SDK_VERSIONS.find((v) => v !== version)!;
      const specs = [...tgz, `${SDK}@${version}`, `sdk-other@npm:${SDK}@${other}`];
      return [version, await install(path.join(dir, `sdk-${version}`), specs)] as const;
    }),
    // An empty project adding only the CLI (and core, which the registry would bring): no SDK named.
    (async () =>
      [
        'cli-only',
        await install(path.join(dir, 'cli-only'), [tarballs['cli-export']!, tarballs.core!]),
      ] as const)(),
  ]);
  projects = Object.fromEntries(entries);
  emulated = await startInstalledEmulator(projects[SDK_VERSIONS.at(-1)!]!);
  expect(emulated.flows).toBe(FLOWS);
  ({ ndjson: expectedNdjson, bytes: expectedBytes } = await expected());
  savedCapture = path.join(dir, 'saved.json');
  await writeCaptureFile(savedCapture, {
    generator: createFlowGenerator({ seed: SEED, count: 700, talkers: 200 }),
    metadata: makeMetadata({ FirewallArn: DEFAULT_FIREWALL_ARN, FlowOperationId: emulated.FlowOperationId }),
    shape: 'cli',
  });
}, 240_000);

afterAll(() => {
  emulatorProcess?.kill('SIGTERM');
});

const sdkVersionIn = (dir: string) =>
  (
    JSON.parse(readFileSync(path.join(dir, 'node_modules', SDK, 'package.json'), 'utf8')) as {
      version: string;
    }
  ).version;

describe.each(SDK_VERSIONS)('a project with @aws-sdk/client-network-firewall@%s', (version) => {
  const dir = () => projects[version]!;
  const scope = () => [emulated.FirewallArn, emulated.FlowOperationId, emulated.AvailabilityZone];

  test('npm resolves the peer dependency to the user’s copy: no second copy under core or the CLI', () => {
    expect(sdkVersionIn(dir())).toBe(version);
    for (const pkg of ['core', 'cli-export']) {
      expect(existsSync(path.join(dir(), 'node_modules/@nfw-flows', pkg, 'node_modules', SDK))).toBe(false);
    }
  });

  test('the package exports its root and the engine subpath, from dist, with the same names as the sources', async () => {
    const r = await exec(dir(), process.execPath, ['api.mjs'], {});
    expect(r.code, r.stderr).toBe(0);
    const [root, engine] = r.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as string[]);
    expect(root).toEqual(Object.keys(await import('../packages/core/src/index.js')).sort());
    expect(engine).toEqual(Object.keys(await import('../packages/core/src/engine.js')).sort());
    expect(engine).toContain('createBatchBuilder');
    expect(root).not.toContain('createBatchBuilder');
  });

  test.each([
    ['the user’s client', SDK],
    ['a client of a second SDK copy (the other version, under an alias)', 'sdk-other'],
  ])('the library with %s yields exactly the generator’s records', async (_what, sdkPackage) => {
    const r = await exec(dir(), process.execPath, ['records.mjs', ...scope()], { SDK_PACKAGE: sdkPackage });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`${FLOWS} flows, 0 rejected, ${Math.ceil(FLOWS / 100)} pages, COMPLETED`);
    expect(r.stdout === expectedNdjson).toBe(true);
  });

  test('samples/export-to-parquet.ts (the README snippet) exports every flow', async () => {
    const out = path.join(dir(), 'flows.parquet');
    const r = await runSample(dir(), 'export-to-parquet.ts', [...scope(), out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(
      `${out}: ${FLOWS} flows, 0 rejected, ${Math.ceil(FLOWS / 100)} pages, COMPLETED`,
    );
    expect(readFileSync(out).subarray(0, 4).toString()).toBe('PAR1');
  });

  test('samples/group-by-subnet.ts: the groups add up to every flow and byte', async () => {
    const out = path.join(dir(), 'by-subnet.arrow');
    const r = await runSample(dir(), 'group-by-subnet.ts', [...scope(), out]);
    expect(r.code, r.stderr).toBe(0);
    let flows = 0n;
    let bytes = 0n;
    for (const row of readArrow.tableFromIPC(readFileSync(out))) {
      flows += BigInt(row.flows as bigint);
      bytes += BigInt(row.bytes as bigint);
    }
    expect({ flows, bytes }).toEqual({ flows: BigInt(FLOWS), bytes: expectedBytes });
  });

  test('samples/top-talkers.ts reads a saved AWS CLI output', async () => {
    const r = await runSample(dir(), 'top-talkers.ts', [savedCapture, '3']);
    expect(r.code, r.stderr).toBe(0);
    expect(
      r.stdout
        .trimEnd()
        .split('\n')
        .map((l) => l.split('\t')[0]),
    ).toEqual(['1', '2', '3']);
  });

  test('the nfw-flows bin from the tarball: --version and one export, exactly the generator’s records', async () => {
    const version = await exec(dir(), 'npx', ['--no-install', 'nfw-flows', '--version']);
    expect(version.code, version.stderr).toBe(0);
    expect(version.stdout.trim()).toBe(`nfw-flows ${CLI_VERSION}`);
    const out = path.join(dir(), 'cli.ndjson');
    rmSync(out, { force: true });
    const [arn, op, az] = scope();
    const r = await exec(dir(), 'npx', [
      '--no-install',
      'nfw-flows',
      'export',
      '--firewall-arn',
      arn!,
      '--flow-operation-id',
      op!,
      '--availability-zone',
      az!,
      '--out',
      out,
      '--quiet',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(out, 'utf8') === expectedNdjson).toBe(true);
  });
});

describe('an empty project that adds only the CLI', () => {
  test('npx nfw-flows works: the SDK came with it, and one export has every record', async () => {
    const dir = projects['cli-only']!;
    expect(sdkVersionIn(dir)).toMatch(/^3\./);
    const version = await exec(dir, 'npx', ['--no-install', 'nfw-flows', '--version']);
    expect(version.code, version.stderr).toBe(0);
    expect(version.stdout.trim()).toBe(`nfw-flows ${CLI_VERSION}`);
    const out = path.join(dir, 'cli.ndjson');
    rmSync(out, { force: true });
    const r = await exec(dir, 'npx', [
      '--no-install',
      'nfw-flows',
      'export',
      '--firewall-arn',
      emulated.FirewallArn,
      '--flow-operation-id',
      emulated.FlowOperationId,
      '--availability-zone',
      emulated.AvailabilityZone,
      '--out',
      out,
      '--quiet',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(out, 'utf8') === expectedNdjson).toBe(true);
  });
});
