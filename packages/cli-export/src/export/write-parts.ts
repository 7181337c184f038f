/**
 * One partition's records as part files `part-N`, `part-N+1`, ... of at most about `--max-file-size`
 * each. Every part is a complete file (its own header, schema and footer). A part is closed at the
 * first batch boundary where it holds the limit (part-rotation.ts), from the bytes the serializer has
 * produced by then, which depend on the records only: the same records give the same parts, so a
 * resumed export rebuilds the parts an uninterrupted one writes.
 *
 * Arrow and the text formats produce each batch's bytes as it is written, so one pass decides as it
 * goes. Parquet's writer thread hands its row groups back later, so a partition is first written as one
 * file; only when that file is over the limit are its row groups (from its footer) planned into parts and
 * the records written again, each part starting at a row-group boundary (its row groups are the same).
 */
import { createWriteStream, mkdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type FlowRecord, NfwError } from '@nfw-flows/core';
import { DEFAULT_BATCH_SIZE } from '@nfw-flows/core/engine';
import { OUTPUT_HIGH_WATER_MARK } from '../output/atomic-file.js';
import { parquetRowGroups } from './parquet-row-groups.js';
import { PartRotation, planParts } from './part-rotation.js';
import { serializer } from './serializer.js';
import { rowsWithout, type WriteOptions } from './write-output.js';

/** One part file: its path, rows and size. */
export interface PartFile {
  path: string;
  rows: number;
  bytes: number;
}

/** Where the current part ends: a boundary every `batch` rows where the bytes decide, or fixed row counts. */
type Rule = { kind: 'bytes'; limit: number } | { kind: 'rows'; counts: readonly number[] };

/**
 * Write the partition's records into parts `fileOf(0)`, `fileOf(1)`, ... (`records()` gives a fresh
 * stream of them each time: Parquet may read them twice). At least one part, empty for no records.
 */
export async function writeParts(
  records: () => Readable,
  fileOf: (part: number) => string,
  limit: number,
  options: WriteOptions,
): Promise<PartFile[]> {
  if (options.format !== 'parquet')
    return writeRotating(records(), fileOf, { kind: 'bytes', limit }, options);
  const [whole] = await writeRotating(records(), fileOf, { kind: 'rows', counts: [] }, options);
  if (whole!.bytes <= limit) return [whole!];
  const counts = planParts(parquetRowGroups(whole!.path), limit);
  if (counts.length === 1) return [whole!];
  rmSync(whole!.path);
  const parts = await writeRotating(records(), fileOf, { kind: 'rows', counts }, options);
  const rows = parts.reduce((n, p) => n + p.rows, 0);
  if (rows !== whole!.rows)
    throw new NfwError(
      'NFW_OUTPUT_FAILED',
      `the parts of ${whole!.path} hold ${rows} rows, not ${whole!.rows}`,
    );
  return parts;
}

/** A part being written: rows go into its serializer, whose pushed bytes are counted as they come. */
interface OpenPart {
  path: string;
  head: Transform;
  done: Promise<void>;
  pushed: () => number;
}

function openPart(file: string, options: WriteOptions, columns: WriteOptions['omitColumns']): OpenPart {
  mkdirSync(path.dirname(file), { recursive: true });
  const head = serializer(options.format, {
    ...(columns === undefined ? {} : { columns: rowsWithout(columns).columns }),
    metadata: options.metadata,
    ...(options.compression ? { compression: options.compression } : {}),
  });
  // Counted where the serializer pushes, not downstream: what it produced, whatever the disk's pace.
  let bytes = 0;
  const push = head.push.bind(head);
  head.push = (chunk: unknown, encoding?: BufferEncoding) => {
    if (typeof chunk === 'string') bytes += Buffer.byteLength(chunk, encoding);
    else if (chunk instanceof Uint8Array) bytes += chunk.byteLength;
    return push(chunk, encoding);
  };
  const out = createWriteStream(file, { flags: 'wx', highWaterMark: OUTPUT_HIGH_WATER_MARK });
  const done = pipeline(head, out, { signal: options.signal });
  // Awaited below; a failure meanwhile must not be an unhandled rejection.
  done.catch(() => {});
  return { path: file, head, done, pushed: () => bytes };
}

/** Resolves when `promise` does, or rejects as soon as the part's pipeline fails. */
function orFailure<T>(part: OpenPart, promise: Promise<T>): Promise<T> {
  return Promise.race([promise, part.done.then(() => promise)]);
}

/** Write `value` and resolve once the serializer has taken it (so every earlier row's bytes are pushed). */
function settled(part: OpenPart, value: unknown): Promise<void> {
  return orFailure(
    part,
    new Promise<void>((resolve, reject) => {
      part.head.write(value, (error) => (error ? reject(error) : resolve()));
    }),
  );
}

async function closePart(part: OpenPart, rows: number): Promise<PartFile> {
  part.head.end();
  await part.done;
  return { path: part.path, rows, bytes: statSync(part.path).size };
}

async function writeRotating(
  records: Readable,
  fileOf: (part: number) => string,
  rule: Rule,
  options: WriteOptions,
): Promise<PartFile[]> {
  const omit =
    options.omitColumns !== undefined && options.omitColumns.length > 0 ? options.omitColumns : undefined;
  const toRow = omit === undefined ? (r: FlowRecord) => r : rowsWithout(omit).row;
  const parts: PartFile[] = [];
  let part: OpenPart | null = null;
  let rows = 0;
  let rotation = rule.kind === 'bytes' ? new PartRotation(rule.limit) : null;
  let counted = 0;
  try {
    for await (const record of records) {
      part ??= openPart(fileOf(parts.length), options, omit);
      const row = toRow(record as FlowRecord);
      rows++;
      const boundary =
        rule.kind === 'bytes' ? rows % DEFAULT_BATCH_SIZE === 0 : rows === rule.counts[parts.length];
      if (!boundary) {
        if (!part.head.write(row)) await orFailure(part, new Promise((r) => part!.head.once('drain', r)));
        continue;
      }
      await settled(part, row);
      const full = rotation === null ? true : rotation.add(part.pushed() - counted);
      counted = part.pushed();
      if (!full) continue;
      parts.push(await closePart(part, rows));
      part = null;
      rows = 0;
      counted = 0;
      rotation = rule.kind === 'bytes' ? new PartRotation(rule.limit) : null;
    }
    if (part !== null || parts.length === 0)
      parts.push(await closePart(part ?? openPart(fileOf(parts.length), options, omit), rows));
    return parts;
  } catch (error) {
    part?.head.destroy();
    throw error;
  }
}
