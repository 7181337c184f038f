/**
 * Final outputs: records (from the spool or a live source) through the optional aggregate and the
 * serializer into an atomic file, a Hive-style partition directory, or stdout.
 */
import { createReadStream, statSync } from 'node:fs';
import path from 'node:path';
import type { Readable, Transform, Writable } from 'node:stream';
import { Transform as TransformStream } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type ColumnSpec, FLOW_COLUMNS, type FlowRecord, type Row } from '@nfw-flows/core';
import { FLOW_GETTERS } from '@nfw-flows/core/engine';
import { FORMAT_EXTENSION, type OutputFormat } from '../options.js';
import { AtomicFile } from '../output/atomic-file.js';
import { crashPoint } from '../output/crash-point.js';
import type { S3Object } from '../output/s3-object.js';
import { openOutput, removeOutput } from '../output/s3-output.js';
import {
  type ExportStatus,
  exportStatus,
  type StatusFields,
  statusFilePath,
  statusText,
} from '../output/status-file.js';
import { asWriteError } from '../output/write-error.js';
import { type Aggregate, aggregateTransform } from './aggregate.js';
import { type ParquetCompression, serializer } from './serializer.js';

export interface WriteOptions {
  format: OutputFormat;
  aggregate: Aggregate | null;
  metadata: Record<string, string> | (() => Record<string, string>);
  compression?: ParquetCompression;
  signal: AbortSignal;
  /** File outputs: the status file's fields, asked for once the data is written (counts are final). */
  status?: () => StatusFields;
  /**
   * Schema v1 columns left out of the files (a partition's key columns, which its path holds, as Hive
   * and Spark write datasets); flow records only.
   */
  omitColumns?: readonly string[];
  /**
   * Called once data and status are staged (flushed, final mode) and before the data is renamed into
   * place: the resumable export records them in its checkpoint, so a resume after a kill past the
   * commit point can tell the file is its own and finish the cleanup.
   */
  staged?: (bytes: number, status: ExportStatus | null) => void;
}

function stages(options: WriteOptions): Transform[] {
  const list: Transform[] = [];
  let columns: ColumnSpec[] | undefined;
  if (options.aggregate !== null) {
    const agg = aggregateTransform(options.aggregate);
    columns = agg.columns;
    list.push(agg);
  } else if (options.omitColumns !== undefined && options.omitColumns.length > 0) {
    const omit = withoutColumns(options.omitColumns);
    columns = omit.columns;
    list.push(omit);
  }
  list.push(
    serializer(options.format, {
      ...(columns === undefined ? {} : { columns }),
      metadata: options.metadata,
      ...(options.compression ? { compression: options.compression } : {}),
    }),
  );
  return list;
}

/** Flow record -> row of the schema v1 columns not in `omit`, and those columns. */
export function rowsWithout(omit: readonly string[]): {
  columns: ColumnSpec[];
  row(record: FlowRecord): Row;
} {
  const kept = FLOW_COLUMNS.flatMap((c, i) =>
    omit.includes(c.name) ? [] : [[c, FLOW_GETTERS[i]!] as const],
  );
  return {
    columns: kept.map(([c]) => c),
    row(record) {
      const row: Row = {};
      for (const [c, get] of kept) row[c.name] = get(record);
      return row;
    },
  };
}

/** Flow records -> rows of the schema v1 columns not in `omit`, with those columns on the transform. */
function withoutColumns(omit: readonly string[]): Transform & { columns: ColumnSpec[] } {
  const { columns, row } = rowsWithout(omit);
  const transform = new TransformStream({
    objectMode: true,
    transform(record: FlowRecord, _encoding, callback) {
      callback(null, row(record));
    },
  });
  return Object.assign(transform, { columns });
}

/**
 * Write records into `target` atomically, with its status file (status-file.ts) when `options.status` is
 * given; returns the file size. Order: data and status staged beside their targets (0600, flushed, then
 * final mode), `staged()`, any old status removed (--force), then the data renamed into place: that
 * rename is the commit point. The status file follows it. So a kill leaves either no data under the
 * final name, or the complete data (with its status, or without it: unknown, never a stale one).
 */
export async function writeFileOutput(
  records: Readable,
  target: string,
  force: boolean,
  options: WriteOptions,
): Promise<number> {
  let file: AtomicFile | S3Object | null = null;
  let status: AtomicFile | S3Object | null = null;
  try {
    file = openOutput(target, { force });
    crashPoint('after-open');
    await pipeline([records, ...stages(options), file.stream()], { signal: options.signal });
    const bytes = file.size();
    let record: ExportStatus | null = null;
    if (options.status) {
      // The status file belongs to its data file: replaced with it, whatever was there.
      record = exportStatus(options.status(), target, bytes);
      status = openOutput(statusFilePath(target, false), { force: true });
      status.writeText(statusText(record));
      status.seal();
    }
    file.seal();
    options.staged?.(bytes, record);
    crashPoint('before-commit');
    if (force && status) await removeOutput(statusFilePath(target, false));
    await file.commit();
    crashPoint('after-data');
    await status?.commit();
    crashPoint('after-status');
    return bytes;
  } catch (error) {
    await file?.discard();
    await status?.discard();
    throw asWriteError(target, error);
  }
}

/** Write records to stdout (or another stream that must not be closed by us). */
export async function writeStreamOutput(
  records: Readable,
  out: Writable,
  options: WriteOptions,
): Promise<void> {
  try {
    await pipeline([records, ...stages(options), out], { signal: options.signal, end: false });
  } catch (error) {
    throw asWriteError('stdout', error);
  }
}

/** Concatenate line files into one atomic file (the --rejects output). */
export async function concatenateFiles(
  parts: string[],
  target: string,
  force: boolean,
  signal: AbortSignal,
): Promise<number> {
  const file = new AtomicFile(target, { force });
  try {
    const out = file.stream();
    for (const part of parts) await pipeline(createReadStream(part), out, { end: false, signal });
    await new Promise<void>((resolve, reject) =>
      out.end((error?: Error | null) => (error ? reject(error) : resolve())),
    );
    file.commit();
  } catch (error) {
    file.discard();
    throw asWriteError(target, error);
  }
  return statSync(target).size;
}

/**
 * Hive partition value escaping, as Hive's FileUtils.escapePathName: `%XX` (uppercase hex) for control
 * characters, DEL and the characters listed in HIVE_ESCAPED, so ARNs stay one path segment.
 */
const HIVE_ESCAPED = '"#%\'*/:=?\\{[]^';

export function escapePartitionValue(value: string | null | undefined): string {
  if (value === null || value === undefined || value === '') return '__HIVE_DEFAULT_PARTITION__';
  let out = '';
  for (const ch of value) {
    const code = ch.codePointAt(0)!;
    if (code < 0x20 || code === 0x7f || HIVE_ESCAPED.includes(ch)) {
      out += `%${code.toString(16).toUpperCase().padStart(2, '0')}`;
    } else out += ch;
  }
  return out;
}

/** The columns a partition's path holds (never stored inside its files). */
export const PARTITION_KEYS: readonly string[] = ['firewall_arn', 'availability_zone', 'flow_operation_id'];

export function partitionPath(
  root: string,
  p: { firewallArn: string; availabilityZone?: string | null; flowOperationId: string },
  format: OutputFormat,
  part = 0,
): string {
  return path.join(
    root,
    `firewall_arn=${escapePartitionValue(p.firewallArn)}`,
    `availability_zone=${escapePartitionValue(p.availabilityZone)}`,
    `flow_operation_id=${escapePartitionValue(p.flowOperationId)}`,
    `part-${part}${FORMAT_EXTENSION[format]}`,
  );
}
