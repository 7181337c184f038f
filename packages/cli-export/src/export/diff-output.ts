/**
 * Writing a diff's change rows: the serializer of DIFF_COLUMNS, and the pacing of column batches.
 * Shared by `nfw-flows diff` and the diffs of `capture --every --diff`.
 */
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type ColumnSpec, DIFF_COLUMNS, type FlowDiffStream } from '@nfw-flows/core';
import type { OutputFormat } from '../options.js';
import { type ParquetCompression, serializer } from './serializer.js';

/** The formats that take the change rows as column batches (`diffCaptures({ batches })`). */
export const COLUMNAR_FORMATS: ReadonlySet<OutputFormat> = new Set<OutputFormat>([
  'arrow',
  'arrows',
  'parquet',
]);

/** The serializer of the change rows in `format`. */
export function diffSerializer(
  format: OutputFormat,
  compression: ParquetCompression | undefined,
  metadata: () => Record<string, string>,
): ReturnType<typeof serializer> {
  const columns: ColumnSpec[] = DIFF_COLUMNS.map((c) => ({ ...c }));
  return serializer(format, { columns, metadata, ...(compression ? { compression } : {}) });
}

/**
 * The change rows through `sink` into `out`. Column batches go one at a time: each is written when the
 * one before it has been taken. A pipe would queue up to 16 objects in the serializer, which for
 * batches of thousands of rows is megabytes of change rows waiting for the disk.
 */
export async function writeDiffRows(
  diff: FlowDiffStream,
  batches: boolean,
  sink: NodeJS.ReadWriteStream & Writable,
  out: NodeJS.WritableStream,
  signal: AbortSignal,
): Promise<void> {
  if (!batches) {
    await pipeline(diff, sink, out, { signal });
    return;
  }
  const feeding = (async () => {
    for await (const batch of diff) {
      await new Promise<void>((resolve, reject) => {
        sink.write(batch, (error?: Error | null) => (error ? reject(error) : resolve()));
      });
    }
    sink.end();
  })().catch((error: Error) => {
    sink.destroy(error);
    throw error;
  });
  const [fed, written] = await Promise.allSettled([feeding, pipeline(sink, out, { signal })]);
  if (written.status === 'rejected') throw written.reason;
  if (fed.status === 'rejected') throw fed.reason;
}
