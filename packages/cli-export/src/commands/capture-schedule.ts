/**
 * `nfw-flows capture --every DURATION [--count N] [--diff]`: the capture repeated on a fixed cadence
 * into one dataset, one Hive partition per round (`<out>/capture_time=<value>/`, holding the usual
 * firewall_arn=/availability_zone=/flow_operation_id= partitions and the round's status file). Each
 * round is an ordinary partitioned capture; a failed round is logged (schedule/schedule-log.ts) and the
 * schedule goes on. With --diff, each good round is compared with the previous good one by core's
 * diffCaptures, both operations read again from the API (AWS keeps them for about 12 hours), into
 * `<out>/_diff/capture_time=<value>/`.
 */
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { NetworkFirewallClient } from '@aws-sdk/client-network-firewall';
import { isNfwError, NfwError } from '@nfw-flows/core';
import { createClient } from '../client.js';
import { describeError, EXIT_FAILED, EXIT_INCOMPLETE, EXIT_OK } from '../exit.js';
import type { ApiReadOptions, ExportPlan } from '../export/export-plan.js';
import { acquireOutputLock, releaseOutputLock } from '../output/output-lock.js';
import { isS3Url } from '../output/s3-target.js';
import { statusFilePath } from '../output/status-file.js';
import { WriteError } from '../output/write-error.js';
import { exportPlan } from '../plans/export-plan.js';
import type { Flags } from '../plans/flag-values.js';
import { SCHEDULE_FLAGS, type SchedulePlan, schedulePlan } from '../plans/schedule-plan.js';
import { formatCount, formatDuration } from '../progress.js';
import { CAPTURE_TIME_KEY, captureTimeValue } from '../schedule/capture-time.js';
import { checkScheduleRoot, childOf, createRoot, readText } from '../schedule/dataset-root.js';
import { nextTick, tickTime } from '../schedule/next-tick.js';
import { type RoundRecord, SCHEDULE_LOG, ScheduleLog } from '../schedule/schedule-log.js';
import { type JobIdentity, partialDirectory, readCheckpoint } from '../spool/checkpoint.js';
import { terminalLine } from '../terminal-text.js';
import { UsageError } from '../usage-error.js';
import { runCapture } from './capture.js';
import { diffRound } from './capture-schedule-diff.js';
import type { RunContext } from './export.js';

/** The time source of a schedule (tests may step it). */
export interface ScheduleClock {
  now(): number;
  /** Resolves after `ms`; rejects once `signal` aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

const SYSTEM_CLOCK: ScheduleClock = {
  now: () => Date.now(),
  sleep: (ms, signal) => sleep(ms, undefined, { signal }),
};

/** A good round: the operations the next round's diff reads as its "before". */
interface GoodRound {
  captureTime: string;
  jobs: JobIdentity[];
}

export interface ScheduleRun {
  plan: SchedulePlan;
  /** The flags of each round's capture (the schedule's own flags removed). */
  roundFlags: Flags;
  base: ExportPlan;
  read: ApiReadOptions;
  client: NetworkFirewallClient;
  ctx: RunContext;
  clock: ScheduleClock;
  /** Tick 0's due time: the start, rounded down to the second, so every capture_time is exact. */
  start: number;
  startedAt: string;
  last: GoodRound | null;
  /** Opened once the root exists. */
  log: ScheduleLog | null;
  counts: Record<RoundRecord['status'] | 'diffFailed', number>;
}

export async function runCaptureSchedule(
  flags: Flags,
  ctx: RunContext,
  client?: NetworkFirewallClient,
  clock: ScheduleClock = SYSTEM_CLOCK,
): Promise<number> {
  const plan = schedulePlan(flags);
  const roundFlags: Flags = { ...flags };
  for (const k of SCHEDULE_FLAGS) delete roundFlags[k];
  const start = Math.floor(clock.now() / 1000) * 1000;
  // The capture's own flags, checked once before any request (on the dataset root while it is new).
  const probe = isS3Url(plan.root) || existsSync(plan.root) ? roundDirectory(plan.root, start) : plan.root;
  const base = exportPlan('capture', { ...roundFlags, out: probe });
  if (base.source.kind !== 'api')
    throw new UsageError('--input', flags.input, 'does not apply to capture', 'use export --input');
  const c = client ?? (await createClient(base.clientFlags));
  await checkScheduleRoot(String(flags.out), plan.root, SCHEDULE_LOG);
  const run: ScheduleRun = {
    plan,
    roundFlags: { ...roundFlags, quiet: true },
    base,
    read: base.source.read,
    client: c,
    ctx,
    clock,
    start,
    startedAt: new Date(clock.now()).toISOString(),
    last: null,
    log: null,
    counts: { ok: 0, incomplete: 0, failed: 0, missed: 0, interrupted: 0, diffFailed: 0 },
  };
  createRoot(plan.root);
  // One schedule per dataset at a time (each round also locks its own partition).
  acquireOutputLock(plan.root);
  try {
    run.log = await ScheduleLog.open(plan.root);
    if (!plan.quiet)
      ctx.stderr.write(
        `nfw-flows: capturing every ${formatDuration(plan.everyMs)}${plan.count === null ? ' until interrupted' : `, ${plan.count} rounds`} into ${terminalLine(shown(plan.root))}\n`,
      );
    await runRounds(run);
  } finally {
    releaseOutputLock(plan.root);
  }
  summarize(run);
  const { ok, incomplete, failed, missed, diffFailed } = run.counts;
  if (incomplete + failed + missed + diffFailed === 0) return EXIT_OK;
  return ok + incomplete === 0 ? EXIT_FAILED : EXIT_INCOMPLETE;
}

/** The root as messages name it: relative to the current directory, or the S3 URL. */
function shown(root: string): string {
  return isS3Url(root) ? root : path.relative(process.cwd(), root) || root;
}

function roundDirectory(root: string, due: number): string {
  return childOf(root, `${CAPTURE_TIME_KEY}=${captureTimeValue(due)}`, true);
}

/** Every tick of the schedule: wait for it, run it, log it; ticks covered by an overrun are missed. */
async function runRounds(run: ScheduleRun): Promise<void> {
  const { plan, ctx, clock } = run;
  let previous = -1;
  for (;;) {
    const { tick, missed } = nextTick(run.start, plan.everyMs, previous, clock.now());
    for (const m of missed) {
      if (plan.count !== null && m >= plan.count) break;
      await record(run, missedRound(run, m));
    }
    if (plan.count !== null && tick >= plan.count) return;
    const wait = tickTime(run.start, plan.everyMs, tick) - clock.now();
    try {
      if (wait > 0) await clock.sleep(wait, ctx.signal);
    } catch (error) {
      if (ctx.signal.aborted) interruptedBetweenRounds(run);
      throw error;
    }
    if (ctx.signal.aborted) interruptedBetweenRounds(run);
    await record(run, await runRound(run, tick));
    previous = tick;
  }
}

/** Ctrl-C while waiting: the rounds done are complete and logged; end at once. */
function interruptedBetweenRounds(run: ScheduleRun): never {
  summarize(run);
  throw run.ctx.signal.reason;
}

function baseRecord(run: ScheduleRun, tick: number): RoundRecord {
  const due = tickTime(run.start, run.plan.everyMs, tick);
  return {
    round: tick + 1,
    capture_time: captureTimeValue(due),
    scheduled_at: new Date(due).toISOString(),
    started_at: null,
    ended_at: null,
    status: 'missed',
    path: null,
    flow_operation_ids: [],
    flows: 0,
    operation_status: null,
    error_code: null,
    error: null,
    schedule_started_at: run.startedAt,
  };
}

function missedRound(run: ScheduleRun, tick: number): RoundRecord {
  return { ...baseRecord(run, tick), error: 'the previous round was still running when this one was due' };
}

/** One round: the capture into its partition, then (for a good round, with --diff) its diff. */
async function runRound(run: ScheduleRun, tick: number): Promise<RoundRecord> {
  const r = baseRecord(run, tick);
  const due = tickTime(run.start, run.plan.everyMs, tick);
  const dir = roundDirectory(run.plan.root, due);
  r.started_at = new Date(run.clock.now()).toISOString();
  try {
    const code = await runCapture({ ...run.roundFlags, out: dir }, run.ctx, run.client);
    const jobs = await readRound(r, dir, code);
    if (r.status === 'ok') {
      if (run.plan.diff) r.diff = await diffRound(run, r.capture_time, jobs);
      run.last = { captureTime: r.capture_time, jobs };
    }
  } catch (error) {
    if (error instanceof UsageError) throw error;
    r.status = run.ctx.signal.aborted ? 'interrupted' : 'failed';
    r.error_code = errorCode(error);
    r.error = describeError(error).line;
    r.flow_operation_ids = dropPartial(dir);
    if (run.ctx.signal.aborted) {
      r.ended_at = new Date(run.clock.now()).toISOString();
      await record(run, r);
      throw error;
    }
  }
  r.ended_at = new Date(run.clock.now()).toISOString();
  return r;
}

/**
 * The resumable state a failed or interrupted round keeps would sit in the dataset as
 * `capture_time=<value>.nfw-partial/`, which dataset readers (pyarrow) take for a partition: it goes,
 * and the operations it started are logged instead (for `nfw-flows export --flow-operation-id`).
 */
function dropPartial(dir: string): string[] {
  const partial = partialDirectory(dir);
  let ids: string[] = [];
  try {
    ids = (readCheckpoint(partial)?.identity.jobs ?? [])
      .map((j) => j.flowOperationId)
      .filter((id) => id !== '');
  } catch {
    // No checkpoint (interrupted before the first page): nothing to name.
  }
  rmSync(partial, { recursive: true, force: true });
  return ids;
}

interface RoundStatusFile {
  status: string;
  status_message: string;
  flows: number;
  operations?: Array<{
    firewall_arn: string;
    availability_zone: string | null;
    vpc_endpoint_association_arn?: string | null;
    flow_operation_id: string | null;
  }>;
}

/** The round's outcome from its status file (the capture's exit code alone cannot tell FAILED apart). */
async function readRound(r: RoundRecord, dir: string, code: number): Promise<JobIdentity[]> {
  const text = await readText(statusFilePath(dir, true));
  if (text === null)
    throw new NfwError(
      'NFW_OUTPUT_FAILED',
      `the round's status file ${statusFilePath(dir, true)} is missing`,
    );
  const status = JSON.parse(text) as RoundStatusFile;
  const jobs: JobIdentity[] = [];
  for (const o of status.operations ?? []) {
    if (o.flow_operation_id === null) continue;
    jobs.push({
      firewallArn: o.firewall_arn,
      flowOperationId: o.flow_operation_id,
      ...(o.availability_zone === null ? {} : { availabilityZone: o.availability_zone }),
      ...(o.vpc_endpoint_association_arn
        ? { vpcEndpointAssociationArn: o.vpc_endpoint_association_arn }
        : {}),
    });
  }
  r.path = `${path.basename(dir)}/`;
  r.flow_operation_ids = jobs.map((j) => j.flowOperationId);
  r.flows = status.flows;
  r.operation_status = status.status;
  if (code === EXIT_OK) r.status = 'ok';
  else if (status.status === 'FAILED') {
    r.status = 'failed';
    r.error_code = 'NFW_OPERATION_FAILED';
    r.error = status.status_message || 'the flow capture FAILED';
  } else r.status = 'incomplete';
  return jobs;
}

/**
 * The NfwError code of a round's failure. A request the service refused (a single-scope capture's
 * StartFlowCapture) gets the code core gives the same refusal in a fleet capture.
 */
export function errorCode(error: unknown): string {
  if (isNfwError(error)) return error.code;
  if (error instanceof WriteError) return 'NFW_OUTPUT_FAILED';
  const e = error as { name?: string; code?: unknown; $metadata?: { httpStatusCode?: number } } | null;
  if (e?.$metadata !== undefined) {
    if (e.name === 'ResourceNotFoundException') return 'NFW_NOT_FOUND';
    const http = e.$metadata.httpStatusCode ?? 500;
    const refused = http >= 400 && http < 500 && !/Throttl/i.test(e.name ?? '');
    return refused ? 'NFW_REQUEST_REJECTED' : 'NFW_PAGINATION_FAILED';
  }
  if (typeof e?.code === 'string') return e.code;
  return e?.name ?? 'Error';
}

/** Log the round, count it, and say it on stderr (one line). */
async function record(run: ScheduleRun, r: RoundRecord): Promise<void> {
  await run.log!.append(r);
  run.counts[r.status]++;
  if (r.diff?.status === 'failed') run.counts.diffFailed++;
  if (run.plan.quiet) return;
  const of = run.plan.count === null ? '' : `/${run.plan.count}`;
  const took =
    r.started_at && r.ended_at
      ? `, ${formatDuration(Date.parse(r.ended_at) - Date.parse(r.started_at))}`
      : '';
  const what =
    r.status === 'ok' || r.status === 'incomplete'
      ? `${formatCount(r.flows)} flows, ${r.flow_operation_ids.length} operation${r.flow_operation_ids.length === 1 ? '' : 's'}${took}${r.status === 'incomplete' ? ` (status ${r.operation_status}: flows may be missing)` : ''}`
      : `${r.error_code ? `${r.error_code}: ` : ''}${r.error ?? ''}`;
  const d = r.diff;
  const diff =
    d === undefined
      ? ''
      : d.status === 'ok'
        ? `; diff against ${d.against}: ${formatCount(d.new ?? 0)} new, ${formatCount(d.ended ?? 0)} ended, ${formatCount(d.continuing ?? 0)} continuing`
        : d.status === 'failed'
          ? `; diff failed: ${d.error_code}: ${d.error}`
          : '; no earlier good round to diff against';
  run.ctx.stderr.write(
    `nfw-flows: ${terminalLine(`round ${r.round}${of} ${CAPTURE_TIME_KEY}=${r.capture_time} ${r.status}: ${what}${diff}`)}\n`,
  );
}

function summarize(run: ScheduleRun): void {
  if (run.plan.quiet) return;
  const c = run.counts;
  const rounds = c.ok + c.incomplete + c.failed + c.missed + c.interrupted;
  run.ctx.stderr.write(
    `nfw-flows: ${terminalLine(`schedule ended after ${rounds} rounds: ${c.ok} ok, ${c.incomplete} incomplete, ${c.failed} failed, ${c.missed} missed${c.diffFailed > 0 ? `, ${c.diffFailed} diffs failed` : ''}; log ${childOf(shown(run.plan.root), SCHEDULE_LOG, false)}`)}\n`,
  );
}
