/** Flags of `nfw-flows diff` -> a checked plan, before any request or file is created. */

import type { ClientFlags } from '../client.js';
import type { ApiReadOptions } from '../export/export-plan.js';
import type { ParquetCompression } from '../export/serializer.js';
import { PARQUET_COMPRESSIONS } from '../export/serializer.js';
import * as o from '../options.js';
import * as targets from '../output/output-targets.js';
import type { JobIdentity } from '../spool/checkpoint.js';
import { UsageError } from '../usage-error.js';
import { firewallArns, scopes } from './api-source.js';
import { clientFlags } from './client-flags.js';
import { readOptions } from './read-options.js';

type Flags = Record<string, unknown>;

/** Ranking metrics of --top, each a numeric column of the change rows. */
export const RANKINGS = {
  'bytes-per-second': 'bytes_per_second',
  'packets-per-second': 'packets_per_second',
  'delta-bytes': 'delta_bytes',
  'delta-packets': 'delta_packets',
} as const;
export type Ranking = keyof typeof RANKINGS;

export interface DiffPlan {
  source:
    | { kind: 'file'; before: string; after: string }
    | { kind: 'api'; before: JobIdentity; after: JobIdentity; read: ApiReadOptions };
  clientFlags: ClientFlags;
  out: { path: string; format: o.OutputFormat; force: boolean; compression?: ParquetCompression } | null;
  top: { n: number; by: Ranking; json: boolean } | null;
  /** --rejects: the rejected records of both captures, as export --rejects writes them plus `side`. */
  rejects: string | null;
  strict: boolean;
  quiet: boolean;
}

const str = (flags: Flags, key: string): string | undefined =>
  typeof flags[key] === 'string' ? (flags[key] as string) : undefined;

export function diffPlan(flags: Flags): DiffPlan {
  const before = str(flags, 'before');
  const after = str(flags, 'after');
  const beforeId = str(flags, 'beforeOperationId');
  const afterId = str(flags, 'afterOperationId');
  const source =
    before !== undefined || after !== undefined
      ? fileSource(before, after, beforeId, afterId)
      : apiSource(flags, beforeId, afterId);
  const outRaw = str(flags, 'out');
  const topRaw = str(flags, 'top');
  if (outRaw === undefined && topRaw === undefined)
    throw new UsageError('--out', undefined, 'is required', 'a file, - for stdout, or --top N for a table');
  const out = outRaw === undefined ? null : outPlan(flags, outRaw);
  return {
    source,
    clientFlags: source.kind === 'api' ? clientFlags(flags) : {},
    out,
    rejects: rejectsPlan(flags, source, out),
    top: topRaw === undefined ? null : topPlan(flags, topRaw, outRaw),
    strict: flags.strict === true,
    quiet: flags.quiet === true,
  };
}

function fileSource(
  before: string | undefined,
  after: string | undefined,
  beforeId: string | undefined,
  afterId: string | undefined,
): DiffPlan['source'] {
  if (beforeId !== undefined || afterId !== undefined)
    throw new UsageError(
      beforeId !== undefined ? '--before-operation-id' : '--after-operation-id',
      beforeId ?? afterId,
      'cannot be combined with --before/--after',
      'compare two files, or two operations',
    );
  if (before === undefined) throw new UsageError('--before', undefined, 'is required with --after');
  if (after === undefined) throw new UsageError('--after', undefined, 'is required with --before');
  if (before === '-' && after === '-')
    throw new UsageError('--after', after, 'stdin is already --before', 'save one capture to a file');
  return { kind: 'file', before: o.inputPath(before), after: o.inputPath(after) };
}

function apiSource(
  flags: Flags,
  beforeId: string | undefined,
  afterId: string | undefined,
): DiffPlan['source'] {
  if (beforeId === undefined)
    throw new UsageError(
      '--before',
      undefined,
      'is required',
      'give --before FILE --after FILE, or --before-operation-id ID --after-operation-id ID',
    );
  if (afterId === undefined)
    throw new UsageError('--after-operation-id', undefined, 'is required with --before-operation-id');
  // One token cannot resume two operations.
  if (str(flags, 'startingToken') !== undefined)
    throw new UsageError(
      '--starting-token',
      str(flags, 'startingToken'),
      'cannot be used with diff',
      'each capture is read whole',
    );
  const arns = firewallArns(flags);
  const scopeList = scopes(flags);
  if (scopeList.length !== 1)
    throw new UsageError(
      '--availability-zone',
      scopeList.length,
      'scopes given',
      'both operations belong to one scope: give one',
    );
  const job = (id: string, flag: string): JobIdentity => ({
    firewallArn: arns[0]!,
    flowOperationId: o.operationId(id, flag),
    ...scopeList[0],
  });
  return {
    kind: 'api',
    before: job(beforeId, '--before-operation-id'),
    after: job(afterId, '--after-operation-id'),
    read: readOptions(flags),
  };
}

function outPlan(flags: Flags, outRaw: string): NonNullable<DiffPlan['out']> {
  const force = flags.force === true;
  const format = o.format(str(flags, 'format'), outRaw, false);
  targets.checkFileTarget('--out', outRaw);
  const compression = str(flags, 'compression');
  if (compression !== undefined && !(PARQUET_COMPRESSIONS as readonly string[]).includes(compression))
    throw new UsageError(
      '--compression',
      compression,
      'is not a known codec',
      'zstd, snappy, gzip, brotli, lz4 or none',
    );
  return {
    path: o.outputPath(outRaw, force),
    format,
    force,
    ...(compression === undefined ? {} : { compression: compression as ParquetCompression }),
  };
}

function topPlan(flags: Flags, topRaw: string, outRaw: string | undefined): NonNullable<DiffPlan['top']> {
  if (outRaw === '-')
    throw new UsageError(
      '--top',
      topRaw,
      'prints on stdout, which --out - already uses',
      'write --out to a file',
    );
  return {
    n: o.integer('--top', topRaw, 1, 1_000_000, 'rows to print') ?? 10,
    by: (str(flags, 'by') ?? 'bytes-per-second') as Ranking,
    json: flags.json === true,
  };
}

/** --rejects: a file of its own, as for export (neither --out nor either input). */
function rejectsPlan(flags: Flags, source: DiffPlan['source'], out: DiffPlan['out']): string | null {
  const raw = str(flags, 'rejects');
  if (raw === undefined) return null;
  if (raw !== '') targets.checkFileTarget('--rejects', raw);
  const rejects = o.outputPath(raw, flags.force === true, '--rejects');
  if (rejects === '-')
    throw new UsageError('--rejects', raw, 'must be a file', 'stdout is reserved for data');
  const inputs = source.kind === 'file' ? [source.before, source.after] : [undefined];
  for (const input of inputs)
    targets.checkRejectsPath(raw, rejects, { out: out?.path ?? '-', partitioned: false, input });
  return rejects;
}
