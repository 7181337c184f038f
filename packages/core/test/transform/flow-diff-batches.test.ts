import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fc, test } from '@fast-check/vitest';
import { RecordBatch, tableFromIPC } from 'apache-arrow';
import { describe, expect } from 'vitest';
import { isNfwError } from '../../src/errors.js';
import { toArrow, toParquet } from '../../src/serialize/index.js';
import { DIFF_COLUMNS, type DiffRecord, diffCaptureRows, diffCaptures } from '../../src/transform/index.js';
import type { Row } from '../../src/types.js';
import { captureAt, capturePair, T0 } from './diff-captures.js';
import { record } from './records.js';

/**
 * The batch form of the diff (`diffCaptures(..., { batches })`: change rows written straight into
 * Arrow columns) against the row form: the same Arrow and Parquet bytes for the same captures.
 */

const MAX = (1n << 64n) - 1n;

/**
 * Counters lifted towards 2^64: every count c becomes c + offset (the same offset in both captures,
 * so deltas, decreases and restarts are as generated), and a few flows at exactly 2^64-1.
 */
const highCaptures = fc
  .tuple(
    capturePair,
    fc.bigInt({ min: 0n, max: MAX - BigInt(Number.MAX_SAFE_INTEGER) }),
    fc.array(record(), { maxLength: 4 }),
  )
  .map(([{ before, after }, offset, tops]) => {
    const lift = (v: number | bigint | null) => (v === null ? null : BigInt(v) + offset);
    const up = (r: DiffRecord): DiffRecord => ({
      ...r,
      packetCount: lift(r.packetCount),
      byteCount: lift(r.byteCount),
    });
    const after2: DiffRecord[] = after.map(up);
    for (const t of tops)
      after2.push({ ...captureAt(t, T0 + 5000, 'op-after'), packetCount: MAX, byteCount: MAX });
    return { before: before.map(up), after: after2 };
  });

const captures = fc.oneof(capturePair, highCaptures);

async function bytesOf(source: Readable, sink: NodeJS.ReadWriteStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  await pipeline(
    source,
    sink,
    new Writable({
      write(chunk: Buffer, _e, cb) {
        chunks.push(chunk);
        cb();
      },
    }),
  );
  return Buffer.concat(chunks);
}

const columns = () => DIFF_COLUMNS.map((c) => ({ ...c }));

function rowDiff(before: DiffRecord[], after: DiffRecord[]) {
  return diffCaptures(Readable.from([before]), Readable.from([after]));
}

function batchDiff(before: DiffRecord[], after: DiffRecord[], batches: boolean | number = true) {
  return diffCaptures(Readable.from([before]), Readable.from([after]), { batches });
}

describe('diffCaptures with batches: the same bytes as the row form', () => {
  test.prop([captures, fc.integer({ min: 1, max: 9 })], { numRuns: 60 })(
    'Arrow IPC file and stream, any batch size',
    async ({ before, after }, size) => {
      for (const format of ['file', 'stream'] as const) {
        const rows = await bytesOf(
          rowDiff(before, after),
          toArrow({ format, columns: columns(), batchSize: size }),
        );
        const cols = await bytesOf(batchDiff(before, after, size), toArrow({ format, columns: columns() }));
        expect(cols.equals(rows)).toBe(true);
      }
      const rows = await bytesOf(rowDiff(before, after), toArrow({ columns: columns() }));
      const cols = await bytesOf(batchDiff(before, after), toArrow({ columns: columns() }));
      expect(cols.equals(rows)).toBe(true);
    },
  );

  test.prop([captures], { numRuns: 4 })('Parquet', async ({ before, after }) => {
    const rows = await bytesOf(rowDiff(before, after), toParquet({ columns: columns() }));
    const cols = await bytesOf(batchDiff(before, after), toParquet({ columns: columns() }));
    expect(cols.equals(rows)).toBe(true);
  });

  test.prop([captures], { numRuns: 60 })(
    'decoded batches equal the rows, and the summaries agree',
    async ({ before, after }) => {
      const it = diffCaptureRows([before], [after]);
      const expected: Row[] = [...it];
      const stream = batchDiff(before, after, 7);
      const got: Record<string, unknown>[] = [];
      for await (const batch of stream) {
        expect(batch).toBeInstanceOf(RecordBatch);
        for (const row of (batch as RecordBatch).toArray()) got.push({ ...row.toJSON() });
      }
      expect(got.length).toBe(expected.length);
      const plain = (v: unknown) => (v instanceof Date ? v.getTime() : v);
      for (let i = 0; i < got.length; i++) {
        for (const c of DIFF_COLUMNS)
          expect([c.name, got[i]![c.name]]).toEqual([c.name, plain(expected[i]![c.name])]);
      }
      const rowsStream = rowDiff(before, after);
      for await (const _ of rowsStream);
      expect(stream.summary()).toEqual(rowsStream.summary());
    },
  );

  test('a batch whose columns are not the output columns is NFW_INVALID_RECORD', async () => {
    const flows = [captureAt(fc.sample(record(), { seed: 1, numRuns: 1 })[0]!, T0, 'op')];
    const table = tableFromIPC(await bytesOf(batchDiff(flows, []), toArrow({ columns: columns() })));
    const wrong = table.batches[0]!.select(['change']);
    const error = await bytesOf(Readable.from([wrong]), toArrow({ columns: columns() })).catch(
      (e: unknown) => e,
    );
    expect(isNfwError(error) && error.code).toBe('NFW_INVALID_RECORD');
  });

  test('batches must be true, false or a positive integer', () => {
    for (const batches of [0, -1, 1.5, 'yes']) {
      let error: unknown;
      try {
        diffCaptures([], [], { batches: batches as never });
      } catch (e) {
        error = e;
      }
      expect(isNfwError(error) && error.code).toBe('NFW_INVALID_OPTION');
    }
  });
});
