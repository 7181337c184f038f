import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fc, test } from '@fast-check/vitest';
import { encodeArrow, type FlowRecord, normalizeFlow } from '@nfw-flows/core';
import { createFlowGenerator } from '@nfw-flows/fixtures';
import { type RecordBatch, RecordBatchFileReader, tableFromIPC } from 'apache-arrow';
import { afterAll, describe, expect } from 'vitest';
import { type ArrowSpoolOutput, ArrowSpoolWriter, arrowFromSpools } from '../src/output/arrow-spool.js';
import { flowContext, tempDir } from './helpers.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

const context = flowContext;

function records(seed: number, count: number, op = 'op-a'): FlowRecord[] {
  return [...createFlowGenerator({ seed, count }).flows()].map((f, i) =>
    normalizeFlow(f, context(op, i % 3 ? 'us-east-1a' : null)),
  );
}

/** Every row as JSON (counters as text), in order. */
function rows(bytes: Uint8Array): string[] {
  return tableFromIPC(bytes)
    .toArray()
    .map((r) => JSON.stringify(r.toJSON(), (_k, v) => (typeof v === 'bigint' ? v.toString() : v)));
}

/** The rows toArrow writes for these records: the oracle of the copied file. */
function expectedRows(list: FlowRecord[]): string[] {
  return rows(Buffer.concat([...encodeArrow(list, { format: 'file' })]));
}

async function bytesOf(output: ArrowSpoolOutput): Promise<Buffer> {
  const chunks: Buffer[] = [];
  // Each chunk is copied as it comes: the writer reuses its buffer once write returns.
  await output.writeTo((c) => chunks.push(Buffer.from(c)), new AbortController().signal);
  return Buffer.concat(chunks);
}

let files = 0;
const spoolPath = () => path.join(tmp.dir, `spool-${files++}.arrows`);

describe('Arrow spool', () => {
  test.prop(
    [
      fc.integer({ min: 1, max: 1000 }),
      fc.integer({ min: 0, max: 120 }),
      fc.array(fc.integer({ min: 0, max: 120 }), { maxLength: 4 }),
      fc.integer({ min: 1, max: 9 }),
      fc.constantFrom('file' as const, 'stream' as const),
    ],
    { numRuns: 25 },
  )(
    'killed after any commit and resumed: the final file has every record once, in order, for any batch size',
    async (seed, count, cuts, batchSize, format) => {
      const all = records(seed, count);
      const commits = [...new Set(cuts.map((c) => Math.min(c, count)))].sort((a, b) => a - b);
      const file = spoolPath();
      // One run per commit point: it writes past its commit (whole batches reach the file uncommitted),
      // then dies; the next run truncates to the committed length and goes on from there.
      let committed = 0;
      let done = 0;
      for (const [i, cut] of commits.entries()) {
        const writer = new ArrowSpoolWriter(file, i === 0 ? undefined : committed, batchSize);
        for (const r of all.slice(done, cut)) writer.write(r);
        committed = writer.commit();
        done = cut;
        for (const r of all.slice(cut, cut + 2 * batchSize + 1)) writer.write(r);
        writer.close();
      }
      const last = new ArrowSpoolWriter(file, commits.length === 0 ? undefined : committed, batchSize);
      for (const r of all.slice(done)) last.write(r);
      last.commit();
      last.close();
      const bytes = await bytesOf(arrowFromSpools([file], format, { 'nfw_flows.status': 'COMPLETED' }));
      expect(rows(bytes)).toEqual(expectedRows(all));
      const table = tableFromIPC(bytes);
      expect(table.schema.metadata.get('nfw_flows.status')).toBe('COMPLETED');
      if (format === 'file') {
        const reader = RecordBatchFileReader.from(bytes).open();
        let n = 0;
        for (let i = 0; i < reader.numRecordBatches; i++)
          n += (reader.readRecordBatch(i) as RecordBatch).numRows;
        expect(n).toBe(count);
      }
    },
  );

  test('several spools are one file, in spool order; an empty spool adds nothing', async () => {
    const a = records(1, 300, 'op-a');
    const b = records(2, 0, 'op-b');
    const c = records(3, 77, 'op-c');
    const spools = [a, b, c].map((list) => {
      const file = spoolPath();
      const writer = new ArrowSpoolWriter(file);
      for (const r of list) writer.write(r);
      writer.commit();
      writer.close();
      return file;
    });
    for (const format of ['file', 'stream'] as const) {
      const bytes = await bytesOf(
        arrowFromSpools(spools, format, { 'nfw_flows.status': 'COMPLETED_WITH_ERRORS' }),
      );
      expect(rows(bytes)).toEqual(expectedRows([...a, ...b, ...c]));
      expect(tableFromIPC(bytes).schema.metadata.get('nfw_flows.status')).toBe('COMPLETED_WITH_ERRORS');
    }
    const none = await bytesOf(arrowFromSpools([spools[1]!], 'file', {}));
    expect(rows(none)).toEqual([]);
    expect(tableFromIPC(none).schema.fields.map((f) => f.name)).toContain('source_address');
  });

  test('the uncommitted batch is not in the file; commit returns the length a resume truncates to', () => {
    const file = spoolPath();
    const writer = new ArrowSpoolWriter(file, undefined, 4);
    const header = writer.length;
    expect(header).toBeGreaterThan(0);
    for (const r of records(5, 3)) writer.write(r);
    expect(writer.length).toBe(header); // 3 rows of a 4-row batch: still being filled
    const committed = writer.commit();
    expect(committed).toBeGreaterThan(header);
    expect(readFileSync(file).byteLength).toBe(committed);
    writer.close();
  });

  test('a spool that is not what the writer wrote is an error naming it', async () => {
    const good = spoolPath();
    const writer = new ArrowSpoolWriter(good);
    for (const r of records(7, 50)) writer.write(r);
    const length = writer.commit();
    writer.close();
    const cut = spoolPath();
    writeFileSync(cut, readFileSync(good).subarray(0, length - 10));
    await expect(bytesOf(arrowFromSpools([cut], 'file', {}))).rejects.toThrow(
      new RegExp(
        `spool ${cut.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is corrupt at byte \\d+: truncated message body`,
      ),
    );
    const junk = spoolPath();
    writeFileSync(junk, Buffer.from('{"c":["not","an","arrow","spool"]}\n'));
    await expect(bytesOf(arrowFromSpools([junk], 'file', {}))).rejects.toThrow(
      /is corrupt at byte 0: not an IPC message/,
    );
  });

  test('an aborted copy stops with the abort reason', async () => {
    const file = spoolPath();
    const writer = new ArrowSpoolWriter(file, undefined, 1);
    for (const r of records(9, 200)) writer.write(r);
    writer.commit();
    writer.close();
    const controller = new AbortController();
    controller.abort(new Error('interrupted'));
    await expect(arrowFromSpools([file], 'file', {}).writeTo(() => {}, controller.signal)).rejects.toThrow(
      'interrupted',
    );
  });
});
