import { fc, test } from '@fast-check/vitest';
import { tableFromIPC } from 'apache-arrow';
import * as parquet from 'parquet-wasm';
import { describe, expect } from 'vitest';
import { DEFAULT_ROW_GROUP_SIZE } from '../../src/serialize/batch-builder.js';
import {
  encodeCsv,
  encodeNdjson,
  FLOW_COLUMNS,
  toCsv,
  toNdjson,
  toParquet,
} from '../../src/serialize/index.js';
import type { ColumnSpec } from '../../src/types.js';
import { expectedRow, flowRecordArb, makeRecords, runBytes } from './helpers.js';

/** A small RFC 4180 reader as the oracle for CSV quoting. */
function parseCsv(text: string): (string | null)[][] {
  const rows: (string | null)[][] = [];
  let row: (string | null)[] = [];
  let i = 0;
  while (i < text.length) {
    let value: string | null;
    if (text[i] === '"') {
      let v = '';
      i++;
      for (;;) {
        if (text[i] === '"' && text[i + 1] === '"') {
          v += '"';
          i += 2;
        } else if (text[i] === '"') {
          i++;
          break;
        } else v += text[i++];
      }
      value = v;
    } else {
      let j = i;
      while (j < text.length && text[j] !== ',' && text[j] !== '\n' && text[j] !== '\r') j++;
      value = j === i ? null : text.slice(i, j);
      i = j;
    }
    row.push(value);
    if (text[i] === ',') i++;
    else {
      if (text[i] === '\r') i++;
      i++;
      rows.push(row);
      row = [];
    }
  }
  return rows;
}

function textOf(v: unknown): string | null {
  return v === null ? null : String(v);
}

describe('CSV', () => {
  test.prop([fc.array(flowRecordArb, { maxLength: 20 }), fc.constantFrom('\n' as const, '\r\n' as const)], {
    numRuns: 60,
  })('quotes per RFC 4180 and reads back as the same fields', async (records, eol) => {
    const text = (await runBytes(records, toCsv({ eol }))).toString('utf8');
    expect(text).toBe([...encodeCsv(records, { eol })].join(''));
    const rows = parseCsv(text);
    expect(rows[0]).toEqual(FLOW_COLUMNS.map((c) => c.name));
    expect(rows.slice(1)).toEqual(
      records.map((r) =>
        Object.entries(expectedRow(r)).map(([name, v]) =>
          name === 'flow_request_timestamp' && v !== null ? new Date(v as number).toISOString() : textOf(v),
        ),
      ),
    );
  });

  test('no header when asked; empty strings are "" and nulls empty; big integers in full', async () => {
    const columns: ColumnSpec[] = [
      { name: 'k', type: 'utf8', nullable: true },
      { name: 'n', type: 'uint64', nullable: true },
      { name: 'f', type: 'float64', nullable: true },
    ];
    const rows = [
      { k: '', n: 2n ** 64n - 1n, f: 1e21 },
      { k: null, n: null, f: 0.5 },
    ];
    const text = (await runBytes(rows, toCsv({ columns, header: false }))).toString();
    expect(text).toBe('"",18446744073709551615,1000000000000000000000\n,,0.5\n');
  });

  test('an empty result still has the header', async () => {
    expect((await runBytes([], toCsv())).toString()).toBe(`${FLOW_COLUMNS.map((c) => c.name).join(',')}\n`);
  });
});

describe('NDJSON', () => {
  test.prop([fc.array(flowRecordArb, { maxLength: 20 })], { numRuns: 60 })(
    'one object per line with the Arrow column names and exact values',
    async (records) => {
      const text = (await runBytes(records, toNdjson())).toString('utf8');
      expect(text).toBe([...encodeNdjson(records)].join(''));
      const lines = text === '' ? [] : text.slice(0, -1).split('\n');
      expect(lines.length).toBe(records.length);
      // Flow counters are safe integers, so JSON.parse reads them exactly.
      const parsed = lines.map((l) => JSON.parse(l));
      expect(parsed).toEqual(
        records.map((r) => {
          const e = expectedRow(r);
          const out: Record<string, unknown> = {};
          for (const [k, v] of Object.entries(e)) {
            out[k] =
              k === 'flow_request_timestamp' && v !== null
                ? new Date(v as number).toISOString()
                : typeof v === 'bigint'
                  ? Number(v)
                  : v;
          }
          return out;
        }),
      );
    },
  );

  test('chunks the output instead of pushing per record', async () => {
    const chunks: number[] = [];
    const t = toNdjson();
    t.on('data', (c: Buffer) => chunks.push(c.length));
    await runBytes(makeRecords(5000), t);
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.length).toBeLessThan(5000 / 50);
  });
});

describe('Parquet', () => {
  const readBack = (bytes: Uint8Array) => tableFromIPC(parquet.readParquet(bytes).intoIPCStream());

  test.prop([fc.array(flowRecordArb, { maxLength: 12 }), fc.integer({ min: 1, max: 5 })], { numRuns: 15 })(
    'every value comes back for any row group size',
    async (records, rowGroupSize) => {
      const bytes = await runBytes(records, toParquet({ rowGroupSize }));
      const table = readBack(bytes);
      expect(table.numRows).toBe(records.length);
      expect(table.toArray().map((r) => ({ ...r.toJSON() }))).toEqual(records.map(expectedRow));
      const file = await parquet.ParquetFile.fromFile(new Blob([bytes]));
      expect(file.metadata().numRowGroups()).toBe(Math.ceil(records.length / rowGroupSize));
      file.free();
    },
  );

  // Records are built in 4,096-row Arrow batches and the writer thread gathers them into row groups:
  // row groups that span batches, and batches that span row groups, must keep every row in order.
  test.prop(
    [
      fc.array(flowRecordArb, { minLength: 1, maxLength: 5 }),
      fc.integer({ min: 4000, max: 9000 }),
      fc.integer({ min: 1000, max: 10_000 }),
    ],
    { numRuns: 4 },
  )('row groups across batch boundaries keep every row in order', async (pool, count, rowGroupSize) => {
    const records = Array.from({ length: count }, (_, i) => pool[i % pool.length]!);
    const bytes = await runBytes(records, toParquet({ rowGroupSize }));
    const table = readBack(bytes);
    expect(table.numRows).toBe(count);
    expect(table.toArray().map((r) => ({ ...r.toJSON() }))).toEqual(records.map(expectedRow));
    const file = await parquet.ParquetFile.fromFile(new Blob([bytes]));
    const meta = file.metadata();
    expect(meta.numRowGroups()).toBe(Math.ceil(count / rowGroupSize));
    for (let g = 0; g < meta.numRowGroups(); g++) {
      expect(meta.rowGroup(g).numRows()).toBe(Math.min(rowGroupSize, count - g * rowGroupSize));
    }
    file.free();
  });

  test.prop([fc.array(flowRecordArb, { minLength: 1, maxLength: 3 })], { numRuns: 1 })(
    'the default row group is DEFAULT_ROW_GROUP_SIZE rows',
    async (pool) => {
      const count = 2 * DEFAULT_ROW_GROUP_SIZE + 5;
      const records = Array.from({ length: count }, (_, i) => pool[i % pool.length]!);
      const file = await parquet.ParquetFile.fromFile(new Blob([await runBytes(records, toParquet())]));
      const meta = file.metadata();
      expect(DEFAULT_ROW_GROUP_SIZE).toBe(16_384);
      expect(meta.numRowGroups()).toBe(3);
      expect(meta.rowGroup(2).numRows()).toBe(5);
      file.free();
    },
  );

  // Batches reach the writer thread in buffers it gives back for reuse: a batch larger than every
  // buffer returned so far, or much smaller than the one it lands in, must still come back whole.
  test.prop(
    [
      fc.array(
        fc.tuple(fc.integer({ min: 0, max: 50_000 }), fc.option(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }))),
        {
          minLength: 1,
          maxLength: 24,
        },
      ),
      fc.integer({ min: 1, max: 4 }),
    ],
    { numRuns: 8 },
  )('batches of any size pass through the reused hand-off buffers', async (sizes, rowGroupSize) => {
    const columns: ColumnSpec[] = [
      { name: 'text', type: 'utf8', nullable: false },
      { name: 'count', type: 'uint64', nullable: true },
    ];
    const rows = sizes.map(([length, count], i) => ({
      text: String.fromCharCode(97 + (i % 26)).repeat(length),
      count,
    }));
    const bytes = await runBytes(rows, toParquet({ columns, rowGroupSize }));
    const table = readBack(bytes);
    expect(table.numRows).toBe(rows.length);
    expect(table.getChild('text')!.toArray()).toEqual(rows.map((r) => r.text));
    expect([...table.getChild('count')!]).toEqual(rows.map((r) => r.count));
  });

  test('a destroyed Parquet stream (writer thread running) reports the error and closes', async () => {
    const t = toParquet();
    const error = new Error('stop');
    for (const record of makeRecords(5000)) t.write(record);
    await new Promise((resolve) => setImmediate(resolve));
    const errors: unknown[] = [];
    t.on('error', (e) => errors.push(e));
    const closed = new Promise((resolve) => t.on('close', resolve));
    t.destroy(error);
    await closed;
    expect(errors).toEqual([error]);
  });

  test('an empty result is a valid file with the schema; metadata and codecs apply', async () => {
    for (const compression of ['zstd', 'snappy', 'gzip', 'brotli', 'lz4', 'none'] as const) {
      const t = toParquet({ compression, metadata: () => ({ 'nfw_flows.status': 'COMPLETED' }) });
      expect(t.setMetadata('nfw_flows.status_message', 'ok')).toBe(true);
      const bytes = await runBytes(compression === 'none' ? [] : makeRecords(10), t);
      const table = readBack(bytes);
      expect(table.schema.fields.map((f) => [f.name, String(f.type)])).toEqual(
        FLOW_COLUMNS.map((c) => [c.name, String(table.schema.fields.find((f) => f.name === c.name)!.type)]),
      );
      expect(String(table.schema.fields.find((f) => f.name === 'byte_count')!.type)).toBe('Uint64');
      expect(table.schema.metadata.get('nfw_flows.status')).toBe('COMPLETED');
      expect(table.schema.metadata.get('nfw_flows.status_message')).toBe('ok');
      expect(table.numRows).toBe(compression === 'none' ? 0 : 10);
    }
  });

  test('the same input gives the same bytes, with or without rows (key-value metadata in a fixed order)', async () => {
    const write = (records: unknown[]) =>
      runBytes(records, toParquet({ metadata: { 'a.x': '1', 'b.y': '2', 'c.z': '3' } }));
    for (const records of [[], makeRecords(50)]) {
      const first = await write(records);
      for (let i = 0; i < 6; i++) expect((await write(records)).equals(first)).toBe(true);
    }
  });

  test('rejects an unknown codec with NFW_INVALID_OPTION', () => {
    expect(() => toParquet({ compression: 'lzo' as never })).toThrow(
      expect.objectContaining({ code: 'NFW_INVALID_OPTION', field: 'compression' }),
    );
  });
});
