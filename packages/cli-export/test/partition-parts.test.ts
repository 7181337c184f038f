/**
 * `--partitioned --max-file-size`: a partition's records as several complete part files, cut at batch
 * (Parquet: row-group) boundaries once a part reaches the limit, read back by DuckDB and apache-arrow
 * with exact totals; the same parts after kill -9 and --resume as in an uninterrupted run.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_ROW_GROUP_SIZE } from '@nfw-flows/core/engine';
import { type Emulator, startEmulator } from '@nfw-flows/fixtures';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  ALL_ZONES_EXPORT,
  ARN,
  assertBuilt,
  closeDuckdb,
  query,
  type RunOptions,
  readArrow,
  run,
  sqlString,
  tempDir,
  zoneExport,
} from './helpers.js';

const OP_A = '11111111-2222-4333-8444-00000000000a';
const OP_B = '11111111-2222-4333-8444-00000000000b';
const OP_BIG = '11111111-2222-4333-8444-0000000000b1';
const FLOWS_A = 30_000;
const FLOWS_B = 5_000;
/** Several Parquet row groups. */
const FLOWS_BIG = 40_000;
const GROUP = DEFAULT_ROW_GROUP_SIZE;
const BATCH = 4096;

/** The built CLI, with time for the emulator's pages on a busy machine. */
const cli = (args: string[], options: RunOptions = {}) => run(args, { timeoutMs: 180_000, ...options });

let emulator: Emulator;
let tmp: ReturnType<typeof tempDir>;

beforeAll(async () => {
  assertBuilt();
  emulator = await startEmulator({
    seed: 22,
    operations: [
      { firewallArn: ARN, flowOperationId: OP_A, availabilityZone: 'us-east-1a', flows: FLOWS_A },
      { firewallArn: ARN, flowOperationId: OP_B, availabilityZone: 'us-east-1b', flows: FLOWS_B },
      { firewallArn: ARN, flowOperationId: OP_BIG, availabilityZone: 'us-east-1c', flows: FLOWS_BIG },
    ],
  });
  tmp = tempDir();
});
afterAll(async () => {
  closeDuckdb();
  await emulator?.close();
  tmp?.cleanup();
});

const twoZones = () => [...ALL_ZONES_EXPORT, '--endpoint-url', emulator.endpoint, '--partitioned'];
const bigZone = () => [...zoneExport(OP_BIG, emulator.endpoint, 'us-east-1c'), '--partitioned'];

function sumBytes(id: string): bigint {
  const op = emulator.operation(id)!;
  let total = 0n;
  for (let i = 0; i < op.flows.count; i++) total += BigInt(op.flows.flowAt(i).ByteCount ?? 0);
  return total;
}
function sumPackets(id: string): bigint {
  const op = emulator.operation(id)!;
  let total = 0n;
  for (let i = 0; i < op.flows.count; i++) total += BigInt(op.flows.flowAt(i).PacketCount ?? 0);
  return total;
}

interface Part {
  path: string;
  rows: number;
  bytes: number;
}
interface Operation {
  flow_operation_id: string;
  flows: number;
  path: string;
  bytes: number;
  parts: Part[];
}
const statusOf = (dir: string) => JSON.parse(readFileSync(path.join(dir, '_nfw-status.json'), 'utf8'));

/** Every data file under `dir`, relative, sorted. */
function dataFiles(dir: string, rel = ''): string[] {
  return readdirSync(path.join(dir, rel), { withFileTypes: true })
    .flatMap((e) => {
      const name = rel === '' ? e.name : `${rel}/${e.name}`;
      return e.isDirectory() ? dataFiles(dir, name) : e.name.startsWith('_') ? [] : [name];
    })
    .sort();
}

/** The status file's parts match the files: names part-0.., sizes, every part but the last at the limit. */
function checkParts(dir: string, op: Operation, limit: number, batch: number): void {
  expect(op.parts.length).toBeGreaterThan(1);
  op.parts.forEach((p, i) => {
    expect(path.basename(p.path)).toMatch(new RegExp(`^part-${i}\\.`));
    expect(statSync(path.join(dir, p.path)).size).toBe(p.bytes);
    if (i < op.parts.length - 1) {
      expect(p.bytes).toBeGreaterThanOrEqual(limit);
      // Cut at a batch boundary.
      expect(p.rows % batch).toBe(0);
    }
  });
  expect(op.parts.reduce((n, p) => n + p.rows, 0)).toBe(op.flows);
  expect(op.parts.reduce((n, p) => n + p.bytes, 0)).toBe(op.bytes);
  expect(op.path).toBe(op.parts[0]!.path);
}

/** Rows, bytes and packets of every part of every partition, by DuckDB over the Hive layout (text and Parquet). */
async function duckTotals(dir: string, format: string) {
  const glob = sqlString(`${dir}/**/*.${format}`);
  const reader =
    format === 'parquet'
      ? `read_parquet(${glob}, hive_partitioning = true)`
      : format === 'ndjson'
        ? `read_json(${glob}, format = 'newline_delimited', hive_partitioning = true, columns = {byte_count: 'UBIGINT', packet_count: 'UBIGINT'})`
        : `read_csv(${glob}, header = true, hive_partitioning = true, types = {'byte_count': 'UBIGINT', 'packet_count': 'UBIGINT'})`;
  const rows = await query(
    `SELECT flow_operation_id AS id, count(*)::BIGINT AS n, sum(byte_count)::VARCHAR AS b, sum(packet_count)::VARCHAR AS p FROM ${reader} GROUP BY ALL ORDER BY 1`,
  );
  return rows.map((r) => [r.id, Number(r.n), BigInt(r.b as string), BigInt(r.p as string)]);
}

/** The same totals from Arrow files, read one by one with apache-arrow (each part is a whole file). */
function arrowTotals(dir: string, op: Operation) {
  let rows = 0;
  let bytes = 0n;
  let packets = 0n;
  for (const p of op.parts) {
    const table = readArrow(path.join(dir, p.path));
    expect(table.numRows).toBe(p.rows);
    expect(table.schema.fields.map((f) => f.name)).not.toContain('flow_operation_id');
    rows += table.numRows;
    for (const v of table.getChild('byte_count')!) bytes += BigInt(v ?? 0);
    for (const v of table.getChild('packet_count')!) packets += BigInt(v ?? 0);
  }
  return [op.flow_operation_id, rows, bytes, packets];
}

const expected = () => [
  [OP_A, FLOWS_A, sumBytes(OP_A), sumPackets(OP_A)],
  [OP_B, FLOWS_B, sumBytes(OP_B), sumPackets(OP_B)],
];

describe('--partitioned --max-file-size', () => {
  for (const [format, limit] of [
    ['ndjson', '2MB'],
    ['csv', '300KiB'],
    ['arrow', '200KB'],
    ['arrows', '1KB'],
  ] as const) {
    test(`${format}: several complete parts per partition, exact totals`, async () => {
      const dir = path.join(tmp.dir, `parts-${format}`);
      const r = await cli([...twoZones(), '--format', format, '--max-file-size', limit, '--out', dir]);
      expect(r.code, r.stderr).toBe(0);
      const status = statusOf(dir);
      const bytes = Number(limit.replace(/\D+$/, '')) * (limit.endsWith('KiB') ? 1024 : 1000);
      const ops = new Map<string, Operation>(
        status.operations.map((o: Operation) => [o.flow_operation_id, o]),
      );
      checkParts(dir, ops.get(OP_A)!, bytes, BATCH);
      expect(dataFiles(dir)).toEqual([...ops.values()].flatMap((o) => o.parts.map((p) => p.path)).sort());
      expect(status.bytes).toBe([...ops.values()].reduce((n, o) => n + o.bytes, 0));
      expect(status.flows).toBe(FLOWS_A + FLOWS_B);
      if (format === 'arrow' || format === 'arrows')
        expect([arrowTotals(dir, ops.get(OP_A)!), arrowTotals(dir, ops.get(OP_B)!)]).toEqual(expected());
      else expect(await duckTotals(dir, format)).toEqual(expected());
      if (format === 'csv') {
        const header = (p: Part) => readFileSync(path.join(dir, p.path), 'utf8').split('\n', 1)[0];
        for (const p of ops.get(OP_A)!.parts) expect(header(p)).toBe(header(ops.get(OP_B)!.parts[0]!));
        expect(header(ops.get(OP_A)!.parts[1]!)).toMatch(/^vpc_endpoint_id,/);
      }
      // A limit above every batch: a part holds several batches.
      if (format === 'ndjson') expect(ops.get(OP_A)!.parts[0]!.rows).toBeGreaterThan(BATCH);
    }, 60_000);
  }

  test('parquet: parts of whole row groups, read by DuckDB as one Hive dataset with exact totals', async () => {
    const dir = path.join(tmp.dir, 'parts-parquet');
    const r = await cli([...bigZone(), '--max-file-size', '1', '--out', dir], { timeoutMs: 180_000 });
    expect(r.code, r.stderr).toBe(0);
    const [op] = statusOf(dir).operations as Operation[];
    checkParts(dir, op!, 1, GROUP);
    expect(op!.parts.map((p) => p.rows)).toEqual([GROUP, GROUP, FLOWS_BIG - 2 * GROUP]);
    expect(await duckTotals(dir, 'parquet')).toEqual([
      [OP_BIG, FLOWS_BIG, sumBytes(OP_BIG), sumPackets(OP_BIG)],
    ]);
    // Each part is a valid file of its own.
    for (const p of op!.parts) {
      const [row] = await query(
        `SELECT count(*)::BIGINT AS n FROM read_parquet(${sqlString(path.join(dir, p.path))})`,
      );
      expect(Number(row!.n)).toBe(p.rows);
    }
    // Under the default limit a partition stays one file.
    const one = path.join(tmp.dir, 'parts-parquet-default');
    const d = await cli([...twoZones(), '--out', one]);
    expect(d.code, d.stderr).toBe(0);
    expect(statusOf(one).operations.map((o: Operation) => o.parts.length)).toEqual([1, 1]);
    expect(dataFiles(one).map((f) => path.basename(f))).toEqual(['part-0.parquet', 'part-0.parquet']);
  }, 240_000);

  test('kill -9 before the commit, then --resume: the same parts, byte for byte, as an uninterrupted run', async () => {
    const args = (dir: string) => [
      ...twoZones(),
      '--format',
      'csv',
      '--max-file-size',
      '200KB',
      '--out',
      dir,
    ];
    const clean = path.join(tmp.dir, 'resume-clean');
    expect((await cli(args(clean))).code).toBe(0);
    const dir = path.join(tmp.dir, 'resume-killed');
    const killed = await cli(args(dir), { env: { NFW_FLOWS_TEST_CRASH_AT: 'before-commit' } });
    expect(killed.signal).toBe('SIGKILL');
    const resumed = await cli([...args(dir), '--resume']);
    expect(resumed.code, resumed.stderr).toBe(0);
    const digest = (root: string) =>
      dataFiles(root).map((f) => [
        f,
        createHash('sha256')
          .update(readFileSync(path.join(root, f)))
          .digest('hex'),
      ]);
    expect(digest(dir)).toEqual(digest(clean));
    expect(dataFiles(dir).length).toBeGreaterThan(2);
    const parts = (root: string) => statusOf(root).operations.map((o: Operation) => o.parts);
    expect(parts(dir)).toEqual(parts(clean));
    // A resume with another limit would cut other parts: refused.
    const again = await cli(args(path.join(tmp.dir, 'resume-other')), {
      env: { NFW_FLOWS_TEST_CRASH_AT: 'before-commit' },
    });
    expect(again.signal).toBe('SIGKILL');
    const other = await cli([
      ...twoZones(),
      '--format',
      'csv',
      '--max-file-size',
      '300KB',
      '--out',
      path.join(tmp.dir, 'resume-other'),
      '--resume',
    ]);
    expect(other.code).toBe(2);
    expect(other.stderr).toContain('--max-file-size');
  }, 90_000);

  test('usage: a bad size, or --max-file-size without --partitioned, is exit 2 naming the flag and value', async () => {
    for (const [value, partitioned] of [
      ['12 parsecs', true],
      ['0', true],
      ['1G', true],
      ['65GiB', true],
      ['1GB', false],
    ] as const) {
      const r = await cli([
        ...twoZones().filter((a) => partitioned || a !== '--partitioned'),
        '--max-file-size',
        value,
        '--out',
        path.join(tmp.dir, `usage-${partitioned ? 'dir' : 'file.parquet'}`),
      ]);
      expect(r.code, value).toBe(2);
      expect(r.stderr).toContain(`--max-file-size ${JSON.stringify(value).replace(/^"([\w.]+)"$/, '$1')}`);
    }
  });
});
