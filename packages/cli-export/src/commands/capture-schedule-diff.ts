/**
 * The diff of a schedule round against the previous good round, written beside the flows as its own
 * dataset: `<out>/_diff/capture_time=<after>/diff<ext>`, change rows of DIFF_COLUMNS in the round's
 * format. Both captures are read again from the API (their operations, as `nfw-flows diff
 * --before-operation-id --after-operation-id` reads them), so memory is the diff engine's compact
 * tables, never a capture held as objects.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { diffCaptures, type FlowRecord } from '@nfw-flows/core';
import { describeError } from '../exit.js';
import { COLUMNAR_FORMATS, diffSerializer, writeDiffRows } from '../export/diff-output.js';
import { apiRecords, type LiveHooks, newTotals, overallStatus, type Totals } from '../export/live-records.js';
import { FORMAT_EXTENSION } from '../options.js';
import type { AtomicFile } from '../output/atomic-file.js';
import type { S3Object } from '../output/s3-object.js';
import { openOutput } from '../output/s3-output.js';
import { isS3Url } from '../output/s3-target.js';
import { CAPTURE_TIME_KEY } from '../schedule/capture-time.js';
import { childOf } from '../schedule/dataset-root.js';
import type { RoundDiff } from '../schedule/schedule-log.js';
import type { JobIdentity } from '../spool/checkpoint.js';
import { errorCode, type ScheduleRun } from './capture-schedule.js';

/** The directory of the diffs: `_` keeps them out of the discovery of the flows dataset. */
export const DIFF_DIRECTORY = '_diff';

export async function diffRound(
  run: ScheduleRun,
  captureTime: string,
  jobs: JobIdentity[],
): Promise<RoundDiff> {
  const last = run.last;
  if (last === null) return { status: 'skipped', against: null };
  const { base, ctx } = run;
  const relative = `${DIFF_DIRECTORY}/${CAPTURE_TIME_KEY}=${captureTime}/diff${FORMAT_EXTENSION[base.format]}`;
  const target = childOf(run.plan.root, relative, false);
  const totals = { before: newTotals('api'), after: newTotals('api') };
  const hooks: LiveHooks = { update: () => {}, reject: () => {}, warn: () => {} };
  // Opened only when the diff reads them: the before side is read in full first.
  const side = (sideJobs: JobIdentity[], t: Totals): AsyncIterable<FlowRecord> => ({
    [Symbol.asyncIterator]: () =>
      (apiRecords(run.client, sideJobs, run.read, ctx.signal, t, hooks) as Readable)[Symbol.asyncIterator](),
  });
  const batches = COLUMNAR_FORMATS.has(base.format);
  const diff = diffCaptures(side(last.jobs, totals.before), side(jobs, totals.after), {
    signal: ctx.signal,
    batches,
  });
  const metadata = () => ({
    'nfw_flows.content': 'diff',
    'nfw_flows.status': overallStatus(totals.after).status,
    'nfw_flows.before_capture_time': last.captureTime,
    'nfw_flows.after_capture_time': captureTime,
  });
  let file: AtomicFile | S3Object | null = null;
  try {
    if (!isS3Url(target)) mkdirSync(path.dirname(target), { recursive: true });
    file = openOutput(target, { force: false });
    const sink = diffSerializer(base.format, base.compression, metadata);
    await writeDiffRows(diff, batches, sink, file.stream(), ctx.signal);
    await file.commit();
  } catch (error) {
    await file?.discard();
    if (ctx.signal.aborted) throw error;
    return {
      status: 'failed',
      against: last.captureTime,
      error_code: errorCode(error),
      error: describeError(error).line,
    };
  }
  const s = diff.summary();
  return {
    status: 'ok',
    against: last.captureTime,
    path: relative,
    rows: s.new + s.ended + s.continuing,
    new: s.new,
    ended: s.ended,
    continuing: s.continuing,
  };
}
