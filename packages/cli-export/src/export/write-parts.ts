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
import { type Readable, type Transform, Writable } from 'node:stream';
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
  const counts = planParts(await parquetRowGroups(whole!.path), limit);
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
  const out = createWriteStream(file, { flags: 'wx', highWaterMark: OUTPUT_HIGH_WATER_MARK });
  const done = pipeline(head, out, { signal: options.signal });
  // Awaited below; a failure meanwhile must not be an unhandled rejection.
  done.catch(() => {});
  // What the serializer produced, whatever the disk's pace: the bytes it handed on plus those it holds.
  let taken = 0;
  head.on('data', (chunk: Buffer) => {
    taken += chunk.byteLength;
  });
  return { path: file, head, done, pushed: () => taken + head.readableLength };
}

async function closePart(part: OpenPart, rows: number): Promise<PartFile> {
  part.head.end();
  await part.done;
  return { path: part.path, rows, bytes: statSync(part.path).size };
}

/**
 * The records' sink: each record goes into the current part's serializer as a row; at a boundary the
 * write waits until the serializer has taken it (every earlier row's bytes are then pushed) and the
 * rule decides whether the part is closed. Backpressure is the serializer's.
 */
class PartsSink extends Writable {
  readonly parts: PartFile[] = [];
  private part: OpenPart | null = null;
  private rows = 0;
  private counted = 0;
  private readonly rotation: PartRotation | null;
  private readonly toRow: (record: FlowRecord) => unknown;
  private readonly omit: readonly string[] | undefined;

  constructor(
    private readonly fileOf: (part: number) => string,
    private readonly rule: Rule,
    private readonly options: WriteOptions,
  ) {
    super({ objectMode: true, highWaterMark: 64 });
    const omit = options.omitColumns;
    this.omit = omit !== undefined && omit.length > 0 ? omit : undefined;
    this.toRow = this.omit === undefined ? (r) => r : rowsWithout(this.omit).row;
    this.rotation = rule.kind === 'bytes' ? new PartRotation(rule.limit) : null;
  }

  private open(): OpenPart {
    const part = openPart(this.fileOf(this.parts.length), this.options, this.omit);
    // A write error of the part (full disk) fails the sink, even between records.
    part.done.catch((error: Error) => this.destroy(error));
    return part;
  }

  override _write(
    record: FlowRecord,
    _encoding: BufferEncoding,
    callback: (error?: Error | null) => void,
  ): void {
    this.part ??= this.open();
    const part = this.part;
    const row = this.toRow(record);
    this.rows++;
    const boundary =
      this.rule.kind === 'bytes'
        ? this.rows % DEFAULT_BATCH_SIZE === 0
        : this.rows === this.rule.counts[this.parts.length];
    if (!boundary) {
      // The serializer's writable side holds 16 rows; a batch's worth before waiting keeps it busy.
      if (part.head.write(row) || part.head.writableLength < DEFAULT_BATCH_SIZE) callback();
      else part.head.once('drain', () => callback());
      return;
    }
    part.head.write(row, (error) => {
      if (error) return callback(error);
      const full = this.rotation === null || this.rotation.add(part.pushed() - this.counted);
      this.counted = part.pushed();
      if (!full) return callback();
      this.part = null;
      const rows = this.rows;
      this.rows = 0;
      this.counted = 0;
      closePart(part, rows).then((file) => {
        this.parts.push(file);
        callback();
      }, callback);
    });
  }

  override _final(callback: (error?: Error | null) => void): void {
    if (this.part === null && this.parts.length > 0) {
      callback();
      return;
    }
    // The last part, or the one empty part of a partition without records.
    closePart(this.part ?? this.open(), this.rows).then((file) => {
      this.part = null;
      this.parts.push(file);
      callback();
    }, callback);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.part?.head.destroy();
    callback(error);
  }
}

async function writeRotating(
  records: Readable,
  fileOf: (part: number) => string,
  rule: Rule,
  options: WriteOptions,
): Promise<PartFile[]> {
  const sink = new PartsSink(fileOf, rule, options);
  await pipeline(records, sink, { signal: options.signal });
  return sink.parts;
}
