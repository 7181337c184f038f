/**
 * --max-file-size: the size parser, the rotation rule (fast-check: every row in exactly one part, every
 * part but the last at the limit, none past it by more than its last batch), the part writer on real
 * files for random limits and record counts, and the Parquet footer reader against DuckDB.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { fc, test } from '@fast-check/vitest';
import { type FlowRecord, normalizeFlow } from '@nfw-flows/core';
import { DEFAULT_ROW_GROUP_SIZE as GROUP } from '@nfw-flows/core/engine';
import { createFlowGenerator } from '@nfw-flows/fixtures';
import { tableFromIPC } from 'apache-arrow';
import { afterAll, describe, expect } from 'vitest';
import { parquetRowGroups } from '../src/export/parquet-row-groups.js';
import { type Batch, PartRotation, planParts } from '../src/export/part-rotation.js';
import { PARTITION_KEYS } from '../src/export/write-output.js';
import { type PartFile, writeParts } from '../src/export/write-parts.js';
import { DEFAULT_MAX_FILE_SIZE, parseFileSize } from '../src/plans/max-file-size.js';
import { UsageError } from '../src/usage-error.js';
import { closeDuckdb, flowContext, query, sqlString, tempDir } from './helpers.js';

const tmp = tempDir();
afterAll(() => {
  closeDuckdb();
  tmp.cleanup();
});

describe('parseFileSize', () => {
  test('bytes and decimal or binary units, any case', () => {
    expect(parseFileSize('--max-file-size', '1')).toBe(1);
    expect(parseFileSize('--max-file-size', '1048576')).toBe(1048576);
    expect(parseFileSize('--max-file-size', '256MiB')).toBe(256 * 1024 ** 2);
    expect(parseFileSize('--max-file-size', '1GB')).toBe(1e9);
    expect(parseFileSize('--max-file-size', '1.5 gib')).toBe(1.5 * 1024 ** 3);
    expect(parseFileSize('--max-file-size', '100kb')).toBe(100_000);
    expect(parseFileSize('--max-file-size', '64GiB')).toBe(64 * 1024 ** 3);
    expect(DEFAULT_MAX_FILE_SIZE).toBe(parseFileSize('--max-file-size', '512MiB'));
  });

  test.prop([
    fc.integer({ min: 1, max: 60 }),
    fc.constantFrom('KiB', 'MiB', 'GiB', 'KB', 'MB', 'GB', 'b', ''),
  ])('a whole number with a unit is that many bytes', (n, unit) => {
    const scale = { KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3, KB: 1e3, MB: 1e6, GB: 1e9, b: 1, '': 1 }[
      unit
    ]!;
    expect(parseFileSize('--max-file-size', `${n}${unit}`)).toBe(n * scale);
    expect(parseFileSize('--max-file-size', `${n}${unit.toUpperCase()}`)).toBe(n * scale);
  });

  test.prop([
    fc.oneof(
      fc.constantFrom('', '0', '0.1', '-1', '1G', '1M', '1 parsec', 'MiB', '1e9', '65GiB', '0x10', '1,000'),
      fc.string({ maxLength: 8 }).filter((s) => !/^\s*\d+(\.\d+)?\s*([kmgt]i?b|b)?\s*$/i.test(s)),
    ),
  ])('anything else is NFW_INVALID_OPTION naming the flag and the value', (value) => {
    let error: unknown;
    try {
      parseFileSize('--max-file-size', value);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UsageError);
    expect(error).toMatchObject({ code: 'NFW_INVALID_OPTION', flag: '--max-file-size', value });
  });
});

/** The batches of each part, when planParts cut `batches` into parts of `rows`. */
function batchesOf(batches: readonly Batch[], rows: number[]): Batch[][] {
  const out: Batch[][] = [];
  let at = 0;
  for (const n of rows) {
    const part: Batch[] = [];
    let sum = 0;
    while (sum < n) {
      part.push(batches[at]!);
      sum += batches[at++]!.rows;
    }
    expect(sum).toBe(n);
    out.push(part);
  }
  expect(at).toBe(batches.length);
  return out;
}

describe('planParts / PartRotation', () => {
  test.prop([
    fc.array(
      fc.record({ rows: fc.integer({ min: 1, max: 5000 }), bytes: fc.integer({ min: 0, max: 20_000 }) }),
      {
        maxLength: 60,
      },
    ),
    fc.integer({ min: 1, max: 100_000 }),
  ])(
    'every row in one part; every part but the last reaches the limit, passing it by one batch at most',
    (batches, limit) => {
      const rows = planParts(batches, limit);
      expect(rows.length).toBeGreaterThan(0);
      expect(rows.reduce((a, b) => a + b, 0)).toBe(batches.reduce((a, b) => a + b.rows, 0));
      const parts = batchesOf(
        batches,
        rows.filter((n) => n > 0),
      );
      parts.forEach((part, i) => {
        const bytes = part.reduce((a, b) => a + b.bytes, 0);
        if (i < parts.length - 1) expect(bytes).toBeGreaterThanOrEqual(limit);
        else expect(bytes).toBeLessThan(limit + part.at(-1)!.bytes + 1);
        expect(bytes - part.at(-1)!.bytes).toBeLessThan(limit);
      });
    },
  );

  test('no batches: one empty part; a rotation restarts after each full part', () => {
    expect(planParts([], 10)).toEqual([0]);
    const r = new PartRotation(10);
    expect([r.add(4), r.add(6), r.add(9), r.add(0), r.add(10)]).toEqual([false, true, false, false, true]);
  });
});

const ARN = 'arn:aws:network-firewall:us-east-1:123456789012:firewall/f';
const OP = '11111111-2222-4333-8444-00000000000a';
/** Records of one partition, made once. */
const RECORDS: FlowRecord[] = [...createFlowGenerator({ seed: 23, count: 2 * GROUP + 3000 }).flows()].map(
  (f) => normalizeFlow(f, { ...flowContext(OP, 'us-east-1a'), firewallArn: ARN }),
);
const sumOf = (records: readonly FlowRecord[]) => records.reduce((n, r) => n + BigInt(r.byteCount ?? 0), 0n);

let run = 0;
async function parts(format: 'ndjson' | 'csv' | 'arrow' | 'arrows' | 'parquet', n: number, limit: number) {
  const dir = path.join(tmp.dir, `w${run++}`);
  const files = await writeParts(
    () => Readable.from(RECORDS.slice(0, n)),
    (i) => path.join(dir, `part-${i}.${format}`),
    limit,
    {
      format,
      aggregate: null,
      metadata: { 'nfw_flows.status': 'COMPLETED' },
      signal: new AbortController().signal,
      omitColumns: PARTITION_KEYS,
    },
  );
  return files;
}

/** Rows and byte total of one part file, read back by an independent reader. */
function readBack(format: string, file: string): [number, bigint] {
  if (format === 'arrow' || format === 'arrows') {
    const table = tableFromIPC(readFileSync(file));
    let sum = 0n;
    for (const v of table.getChild('byte_count')!) sum += BigInt(v ?? 0);
    return [table.numRows, sum];
  }
  const lines = readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '');
  if (format === 'ndjson')
    return [lines.length, lines.reduce((s, l) => s + BigInt(JSON.parse(l).byte_count ?? 0), 0n)];
  const at = lines[0]!.split(',').indexOf('byte_count');
  return [lines.length - 1, lines.slice(1).reduce((s, l) => s + BigInt(l.split(',')[at] || 0), 0n)];
}

function checkParts(files: PartFile[], format: string, n: number, limit: number): void {
  expect(files.map((f) => path.basename(f.path))).toEqual(files.map((_, i) => `part-${i}.${format}`));
  let rows = 0;
  let bytes = 0n;
  files.forEach((f, i) => {
    const [r, b] = readBack(format, f.path);
    expect(r).toBe(f.rows);
    if (i < files.length - 1) {
      expect(f.bytes).toBeGreaterThanOrEqual(limit);
      expect(f.rows % 4096).toBe(0);
    }
    rows += r;
    bytes += b;
  });
  expect(rows).toBe(n);
  expect(bytes).toBe(sumOf(RECORDS.slice(0, n)));
}

describe('writeParts', () => {
  test.prop(
    [
      fc.constantFrom('ndjson', 'csv', 'arrow', 'arrows') as fc.Arbitrary<
        'ndjson' | 'csv' | 'arrow' | 'arrows'
      >,
      fc.integer({ min: 0, max: 14_000 }),
      fc.integer({ min: 1, max: 3_000_000 }),
    ],
    { numRuns: 12 },
  )(
    'complete parts cut at batch boundaries: exact totals, every part but the last at the limit',
    async (format, n, limit) => {
      const files = await parts(format, n, limit);
      checkParts(files, format, n, limit);
      // The same records give the same parts.
      expect((await parts(format, n, limit)).map((f) => [f.rows, f.bytes])).toEqual(
        files.map((f) => [f.rows, f.bytes]),
      );
    },
    120_000,
  );

  test('Parquet: parts of whole row groups, each read by DuckDB; the row groups parquet-wasm reads agree with DuckDB', async () => {
    const whole = await parts('parquet', RECORDS.length, DEFAULT_MAX_FILE_SIZE);
    expect(whole).toHaveLength(1);
    const groups = await parquetRowGroups(whole[0]!.path);
    const duck = await query(
      `SELECT row_group_id AS g, max(row_group_num_rows)::BIGINT AS n, sum(total_compressed_size)::BIGINT AS b FROM parquet_metadata(${sqlString(whole[0]!.path)}) GROUP BY 1 ORDER BY 1`,
    );
    expect(groups).toEqual(duck.map((r) => ({ rows: Number(r.n), bytes: Number(r.b) })));
    expect(groups.map((g) => g.rows)).toEqual([GROUP, GROUP, RECORDS.length - 2 * GROUP]);

    const files = await parts('parquet', RECORDS.length, 1);
    expect(files.map((f) => f.rows)).toEqual([GROUP, GROUP, RECORDS.length - 2 * GROUP]);
    let total = 0n;
    for (const f of files) {
      const [row] = await query(
        `SELECT count(*)::BIGINT AS n, sum(byte_count)::VARCHAR AS b FROM read_parquet(${sqlString(f.path)})`,
      );
      expect(Number(row!.n)).toBe(f.rows);
      total += BigInt(row!.b as string);
    }
    expect(total).toBe(sumOf(RECORDS));
    // A limit just above one row group: the first part holds two.
    const two = await parts('parquet', RECORDS.length, groups[0]!.bytes + 1);
    expect(two.map((f) => f.rows)).toEqual([2 * GROUP, RECORDS.length - 2 * GROUP]);
  }, 120_000);

  test('no records: one valid, empty part', async () => {
    for (const format of ['csv', 'arrow', 'parquet'] as const) {
      const files = await parts(format, 0, 1);
      expect(files.map((f) => f.rows)).toEqual([0]);
      expect(files[0]!.bytes).toBeGreaterThan(0);
    }
  });
});
