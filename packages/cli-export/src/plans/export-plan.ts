/** The plan of `export` and `capture`: source, output target, format and aggregate, checked up front. */
import { existsSync } from 'node:fs';
import type { Aggregate } from '../export/aggregate.js';
import type { ApiSource, ExportPlan, FileSource } from '../export/export-plan.js';
import { PARQUET_COMPRESSIONS, type ParquetCompression } from '../export/serializer.js';
import * as o from '../options.js';
import { checkNotLocked } from '../output/output-lock.js';
import * as targets from '../output/output-targets.js';
import { isS3Url, parseS3Url, resolveOutput } from '../output/s3-target.js';
import { partialDirectory } from '../spool/checkpoint.js';
import { UsageError } from '../usage-error.js';
import { aggregateFlags } from './aggregate-flags.js';
import { apiSource } from './api-source.js';
import { clientFlags } from './client-flags.js';
import { fileSource } from './file-source.js';
import { booleanFlag, type Flags, flagName, stringFlag } from './flag-values.js';
import { parseFileSize } from './max-file-size.js';

interface TargetFlags {
  partitioned: boolean;
  force: boolean;
  resume: boolean;
}

/** export / capture plan (capture fills `source.jobs` after StartFlowCapture). */
export function exportPlan(command: 'export' | 'capture', flags: Flags): ExportPlan {
  const input = stringFlag(flags, 'input');
  const target: TargetFlags = {
    partitioned: booleanFlag(flags, 'partitioned'),
    force: booleanFlag(flags, 'force'),
    resume: booleanFlag(flags, 'resume'),
  };
  const { partitioned, force, resume } = target;
  const outRaw = stringFlag(flags, 'out');
  if (outRaw === undefined || outRaw === '') o.outputPath(outRaw, false);
  const format = o.format(stringFlag(flags, 'format'), outRaw, partitioned);
  checkOutputTarget(outRaw!, target, input === undefined);
  const out = o.outputPath(outRaw, force || resume);
  if (isS3Url(out)) parseS3Url('--out', out, partitioned);
  const aggregate = aggregateFlags(flags);
  const source =
    input === undefined ? exportApiSource(command, flags) : exportFileSource(flags, input, target);
  checkOutputShape(out, target, aggregate);
  const rejects = rejectsPath(flags, out, source, target);
  const concurrency = o.integer('--concurrency', stringFlag(flags, 'concurrency'), 1, 64) ?? 4;
  return {
    command,
    clientFlags: source.kind === 'api' ? clientFlags(flags) : {},
    source,
    out,
    format,
    force,
    rejects,
    resume,
    quiet: booleanFlag(flags, 'quiet'),
    partitioned,
    ...maxFileSize(flags, partitioned),
    concurrency,
    aggregate,
    compression: compression(flags, format),
  };
}

/** Before anything else about the target: what --force may replace, and whether a run holds it. */
function checkOutputTarget(
  outRaw: string,
  { partitioned, force, resume }: TargetFlags,
  fromApi: boolean,
): void {
  if (partitioned) targets.checkPartitionedTarget(outRaw, force);
  else targets.checkFileTarget('--out', outRaw);
  if (outRaw !== '-') {
    checkNotLocked(outRaw, resolveOutput(outRaw));
    if (!partitioned) targets.checkStatusFile(outRaw, force);
  }
  if (fromApi && outRaw !== '-' && !force && !resume) {
    // An interrupted export (possibly killed past its commit point, its file already in place).
    const partial = partialDirectory(resolveOutput(outRaw));
    if (existsSync(partial))
      throw new UsageError(
        '--out',
        outRaw,
        `an interrupted export of it is kept in ${partial}`,
        'pass --resume to continue it, or --force to discard it',
      );
  }
}

function exportApiSource(command: 'export' | 'capture', flags: Flags): ApiSource {
  const source = apiSource(flags, command);
  const { jobs, read } = source;
  if (read.startingToken !== undefined && (jobs === null || jobs.length > 1)) {
    throw new UsageError(
      '--starting-token',
      read.startingToken,
      'applies to one operation in one scope',
      'export the operations separately',
    );
  }
  return source;
}

function exportFileSource(flags: Flags, input: string, { partitioned, resume }: TargetFlags): FileSource {
  for (const flag of ['allOperations', 'startingToken', 'pageSize', 'maxItems']) {
    if (flags[flag] !== undefined) {
      throw new UsageError(
        '--input',
        input,
        `cannot be combined with ${flagName(flag)}`,
        'read either a saved response or the API',
      );
    }
  }
  if (resume)
    throw new UsageError(
      '--resume',
      undefined,
      'applies to API exports',
      'just run the --input export again',
    );
  if (partitioned) throw new UsageError('--partitioned', undefined, 'applies to API exports');
  return fileSource(flags, input);
}

/** What stdout and a partitioned directory cannot hold. */
function checkOutputShape(
  out: string,
  { partitioned, resume }: TargetFlags,
  aggregate: Aggregate | null,
): void {
  if (out === '-') {
    if (resume)
      throw new UsageError('--resume', undefined, 'needs an --out file', 'stdout cannot be resumed');
    if (partitioned) throw new UsageError('--partitioned', undefined, 'needs an --out directory');
  }
  if (partitioned && aggregate !== null)
    throw new UsageError('--partitioned', undefined, 'cannot be combined with --group-by or --top');
}

/** --rejects: a file that is neither the output nor the input. */
function rejectsPath(
  flags: Flags,
  out: string,
  source: ApiSource | FileSource,
  { partitioned, force, resume }: TargetFlags,
): string | undefined {
  const rejectsRaw = stringFlag(flags, 'rejects');
  if (rejectsRaw !== undefined && rejectsRaw !== '') targets.checkFileTarget('--rejects', rejectsRaw);
  const rejects =
    rejectsRaw === undefined ? undefined : o.outputPath(rejectsRaw, force || resume, '--rejects');
  if (rejects === '-')
    throw new UsageError('--rejects', rejectsRaw, 'must be a file', 'stdout is reserved for data');
  if (rejects !== undefined)
    targets.checkRejectsPath(rejectsRaw!, rejects, {
      out,
      partitioned,
      input: source.kind === 'file' ? source.input : undefined,
    });
  return rejects;
}

function compression(flags: Flags, format: o.OutputFormat): ParquetCompression | undefined {
  const c = stringFlag(flags, 'compression');
  if (c === undefined) return undefined;
  if (format !== 'parquet') throw new UsageError('--compression', c, 'applies to parquet output only');
  if (!(PARQUET_COMPRESSIONS as readonly string[]).includes(c)) {
    throw new UsageError(
      '--compression',
      c,
      'is not a Parquet codec',
      `one of ${PARQUET_COMPRESSIONS.join(', ')}`,
    );
  }
  return c as ParquetCompression;
}

/** --max-file-size splits a partition's file; a single named file cannot be split. */
function maxFileSize(flags: Flags, partitioned: boolean): { maxFileSize?: number } {
  const value = stringFlag(flags, 'maxFileSize');
  if (value === undefined) return {};
  const bytes = parseFileSize('--max-file-size', value);
  if (!partitioned)
    throw new UsageError(
      '--max-file-size',
      value,
      'applies to --partitioned outputs',
      'a single --out file is never split; add --partitioned to write parts',
    );
  return { maxFileSize: bytes };
}
