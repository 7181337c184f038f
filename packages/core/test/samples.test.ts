/**
 * Every program in samples/ runs here, as a user would run it (node --import tsx, the real AWS SDK
 * against the fixtures emulator on 127.0.0.1), and its output is read back by an independent reader.
 * The samples are the documentation: the README's library snippet is samples/export-to-parquet.ts.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createFlowGenerator,
  type Emulator,
  makeMetadata,
  startEmulator,
  writeCaptureFile,
} from '@nfw-flows/fixtures';
import { closeDuckdb, query, sqlString } from '@nfw-flows/fixtures/testing';
import { tableFromIPC } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
// Type-checks the samples with the tests (tsconfig.tests.json covers src/ and test/ only).
import type {} from '../samples/export-to-parquet.js';
import type {} from '../samples/group-by-subnet.js';
import type {} from '../samples/top-talkers.js';

const CORE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ARN = 'arn:aws:network-firewall:us-east-1:123456789012:firewall/samples';
const OP = '33333333-2222-4333-8444-00000000000a';
const OP_CWE = '33333333-2222-4333-8444-00000000000e';
const AZ = 'us-east-1a';
const FLOWS = 1500;
const TESTED = ['export-to-parquet.ts', 'group-by-subnet.ts', 'top-talkers.ts'];

let emulator: Emulator;
let dir: string;
const captureFile = () => path.join(dir, 'saved.json');
const captureGenerator = createFlowGenerator({ seed: 8, count: 900, talkers: 300 });

interface SampleRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runSample(name: string, args: string[]): Promise<SampleRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--conditions=@nfw-flows/source', '--import', 'tsx', path.join('samples', name), ...args],
      {
        cwd: CORE,
        env: {
          PATH: process.env.PATH ?? '',
          HOME: process.env.HOME ?? '/tmp',
          AWS_ACCESS_KEY_ID: 'AKIDSAMPLES000000000',
          AWS_SECRET_ACCESS_KEY: 'samples-secret',
          AWS_REGION: 'us-east-1',
          // The SDK's own endpoint setting: the sample code is exactly what runs against AWS.
          AWS_ENDPOINT_URL: emulator.endpoint,
          AWS_CONFIG_FILE: '/nonexistent/aws-config',
          AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 25_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Exact totals of what the emulator serves for an operation (null counters add 0). */
function operationTotals(id: string): { bytes: bigint; packets: bigint } {
  const flows = emulator.operation(id)!.flows;
  let bytes = 0n;
  let packets = 0n;
  for (let i = 0; i < flows.count; i++) {
    const f = flows.flowAt(i);
    bytes += BigInt(f.ByteCount ?? 0);
    packets += BigInt(f.PacketCount ?? 0);
  }
  return { bytes, packets };
}

/** Prefix length of an address or `address/prefix` text. */
function prefixOf(text: string): { version: 4 | 6; prefix: number } {
  const [address, prefix] = text.split('/');
  const version = address!.includes(':') ? 6 : 4;
  return { version, prefix: prefix === undefined ? (version === 4 ? 32 : 128) : Number(prefix) };
}

beforeAll(async () => {
  emulator = await startEmulator({
    seed: 31,
    operations: [
      { firewallArn: ARN, flowOperationId: OP, availabilityZone: AZ, flows: FLOWS },
      {
        firewallArn: ARN,
        flowOperationId: OP_CWE,
        availabilityZone: AZ,
        flows: 120,
        status: 'COMPLETED_WITH_ERRORS',
        statusMessage: 'one shard timed out',
      },
    ],
  });
  dir = mkdtempSync(path.join(tmpdir(), 'nfw-samples-'));
  await writeCaptureFile(captureFile(), {
    generator: captureGenerator,
    metadata: makeMetadata({ FirewallArn: ARN, FlowOperationId: OP }),
    shape: 'cli',
  });
});

afterAll(async () => {
  closeDuckdb();
  await emulator?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('every sample in samples/ is run by this file', () => {
  expect(readdirSync(path.join(CORE, 'samples')).sort()).toEqual(TESTED);
});

describe('samples/export-to-parquet.ts (the README library snippet)', () => {
  test('writes every flow, logs each page, stamps the status and exits 0', async () => {
    const out = path.join(dir, 'flows.parquet');
    const r = await runSample('export-to-parquet.ts', [ARN, OP, AZ, out]);
    expect(r.code, r.stderr).toBe(0);
    const totals = operationTotals(OP);
    const [row] = await query(
      `SELECT count(*)::BIGINT AS n, sum(byte_count)::HUGEINT AS bytes, sum(packet_count)::HUGEINT AS packets FROM read_parquet(${sqlString(out)})`,
    );
    expect({ n: BigInt(row!.n as bigint), bytes: BigInt(row!.bytes as bigint) }).toEqual({
      n: BigInt(FLOWS),
      bytes: totals.bytes,
    });
    expect(BigInt(row!.packets as bigint)).toBe(totals.packets);
    const kv = await query(
      `SELECT decode(key) AS k, decode(value) AS v FROM parquet_kv_metadata(${sqlString(out)})`,
    );
    expect(kv).toContainEqual({ k: 'nfw_flows.status', v: 'COMPLETED' });
    const pages = r.stderr.split('\n').filter((l) => /^page \d+: \d+ flows$/.test(l));
    expect(pages).toHaveLength(FLOWS / 100);
    expect(r.stderr).toContain(`${out}: ${FLOWS} flows, 0 rejected, ${FLOWS / 100} pages, COMPLETED`);
    expect(r.stdout).toBe('');
  });

  test('COMPLETED_WITH_ERRORS: the file says so and the exit code is 3', async () => {
    const out = path.join(dir, 'cwe.parquet');
    const r = await runSample('export-to-parquet.ts', [ARN, OP_CWE, AZ, out]);
    expect(r.code, r.stderr).toBe(3);
    const kv = await query(
      `SELECT decode(key) AS k, decode(value) AS v FROM parquet_kv_metadata(${sqlString(out)})`,
    );
    expect(kv).toContainEqual({ k: 'nfw_flows.status', v: 'COMPLETED_WITH_ERRORS' });
    expect(kv).toContainEqual({ k: 'nfw_flows.status_message', v: 'one shard timed out' });
  });

  test('without arguments it prints its usage and exits 2', async () => {
    const r = await runSample('export-to-parquet.ts', []);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^usage: export-to-parquet\.ts /);
  });
});

describe('samples/top-talkers.ts', () => {
  test('the top 5 source subnets of a saved AWS CLI output, largest first', async () => {
    const r = await runSample('top-talkers.ts', [captureFile(), '5']);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines.map((l) => l.split('\t')[0])).toEqual(['1', '2', '3', '4', '5']);
    const bytes = lines.map((l) => BigInt(l.split('\t')[2]!.replace(' bytes', '')));
    expect([...bytes].sort((a, b) => (a < b ? 1 : a > b ? -1 : 0))).toEqual(bytes);
  });

  test('every subnet (N = 0): rolled up to /24 and /64, and the bytes and flows add up to the file', async () => {
    const r = await runSample('top-talkers.ts', [captureFile(), '0']);
    expect(r.code, r.stderr).toBe(0);
    const rows = r.stdout
      .trimEnd()
      .split('\n')
      .map((l) => l.split('\t'));
    let bytes = 0n;
    let flows = 0;
    for (const [, key, b, , f] of rows) {
      const { version, prefix } = prefixOf(key!);
      expect(prefix, key).toBeLessThanOrEqual(version === 4 ? 24 : 64);
      bytes += BigInt(b!.replace(' bytes', ''));
      flows += Number(f!.replace(' flows', ''));
    }
    expect(new Set(rows.map((row) => row[1])).size).toBe(rows.length);
    const totals = captureGenerator.totals();
    expect({ bytes, flows }).toEqual({ bytes: totals.bytes, flows: totals.flows });
  });
});

describe('samples/group-by-subnet.ts', () => {
  test('one Arrow row per (subnet, port) whose sums equal the operation totals', async () => {
    const out = path.join(dir, 'by-subnet.arrow');
    const r = await runSample('group-by-subnet.ts', [ARN, OP, AZ, out]);
    expect(r.code, r.stderr).toBe(0);
    const table = tableFromIPC(readFileSync(out));
    expect(table.schema.metadata.get('nfw_flows.status')).toBe('COMPLETED');
    expect(table.schema.fields.map((f) => f.name).slice(0, 5)).toEqual([
      'source_address',
      'source_ip_version',
      'source_prefix_length',
      'destination_port_from',
      'destination_port_to',
    ]);
    let flows = 0n;
    let bytes = 0n;
    const keys = new Set<string>();
    for (const row of table) {
      const version = row.source_ip_version as number;
      expect(row.source_prefix_length as number).toBeLessThanOrEqual(version === 4 ? 24 : 64);
      flows += BigInt(row.flows as bigint);
      bytes += BigInt(row.bytes as bigint);
      keys.add(`${row.source_address}|${row.destination_port_from}|${row.destination_port_to}`);
    }
    expect(keys.size).toBe(table.numRows);
    const totals = operationTotals(OP);
    expect({ flows, bytes }).toEqual({ flows: BigInt(FLOWS), bytes: totals.bytes });
    expect(r.stderr).toContain(`${FLOWS} flows grouped`);
  });
});
