/**
 * The jobs of a fleet capture (`capture` without a scope flag): one per discovered scope, run under
 * core's FleetScheduler (one operation at a time per firewall and zone, up to --concurrency). A job's
 * capture is started when the scheduler lets it; its flow operation id is then recorded in the
 * checkpoint, so `--resume` reads that operation instead of starting another. A scope that fails is
 * recorded as failed and the others go on.
 */
import { truncateSync } from 'node:fs';
import { isNfwError } from '@nfw-flows/core';
import { FleetScheduler, runScheduled } from '@nfw-flows/core/engine';
import type { Checkpoint, JobIdentity, JobProgress } from '../output/checkpoint.js';
import { emptyProgress, writeCheckpoint } from '../output/checkpoint.js';

export interface FleetRun {
  /** Identity of what is captured (filters, scope kind), part of the checkpoint's identity. */
  identity: unknown;
  /** The zone each job occupies (its queue), by job index. */
  zones: string[];
  /** Scopes that failed before any capture (a firewall not found), by job index. */
  failures: Map<number, { code: string; message: string }>;
  /** StartFlowCapture for a job; resolves with its FlowOperationId. */
  start(job: JobIdentity, signal: AbortSignal): Promise<string>;
}

export interface FleetHooks {
  /** Read a started job into its spool (runJob); `release` once its operation ended (first page). */
  read(job: JobIdentity, index: number, signal: AbortSignal, release: () => void): Promise<void>;
  failed(job: JobIdentity, index: number, error: { code: string; message: string }): void;
  changed(counts: ReturnType<FleetScheduler['counts']>): void;
}

/** A job's key in the status map: its operation, or its scope while it has none. */
export function statusKey(job: JobIdentity): string {
  if (job.flowOperationId !== '') return job.flowOperationId;
  return `${job.firewallArn}${job.availabilityZone ? ` ${job.availabilityZone}` : ''}${job.vpcEndpointAssociationArn ? ` ${job.vpcEndpointAssociationArn}` : ''}`;
}

/** Run a fleet's jobs; settles every job (done or failed). Throws only for aborts and output errors. */
export async function runFleetJobs(
  fleet: FleetRun,
  jobs: JobIdentity[],
  cp: Checkpoint,
  partial: string,
  spoolOf: (index: number) => string,
  concurrency: number,
  parent: AbortSignal,
  hooks: FleetHooks,
): Promise<void> {
  const scheduler = new FleetScheduler(
    jobs.map((job, i) => `${job.firewallArn}|${fleet.zones[i] ?? ''}`),
    concurrency,
  );
  const controller = new AbortController();
  const onAbort = () => controller.abort(parent.reason);
  parent.addEventListener('abort', onAbort, { once: true });
  const signal = controller.signal;
  let fatal: { error: unknown } | null = null;

  const fail = (i: number, error: { code: string; message: string }) => {
    const p: JobProgress = cp.jobs[i]!;
    // Keep what was committed; drop spool bytes written after the last checkpoint.
    try {
      truncateSync(spoolOf(i), p.spoolBytes);
    } catch {
      // No spool: the capture never started.
    }
    cp.jobs[i] = {
      ...p,
      done: true,
      status: 'FAILED',
      statusMessage: `${error.code}: ${error.message}`,
      error: error.code,
    };
    delete cp.jobs[i]!.nextToken;
    cp.updatedAt = new Date().toISOString();
    writeCheckpoint(partial, cp);
    hooks.failed(jobs[i]!, i, error);
  };

  for (const [i] of jobs.entries()) {
    const failure = fleet.failures.get(i);
    const p = cp.jobs[i]!;
    if (failure) {
      scheduler.skip(i, false);
      fail(i, failure);
    } else if (p.done && p.error === undefined) {
      scheduler.skip(i);
    } else if (p.error !== undefined) {
      // Failed in the interrupted run: this run tries the scope again with a new capture.
      cp.jobs[i] = emptyProgress();
      jobs[i] = { ...jobs[i]!, flowOperationId: '' };
      cp.identity.jobs[i] = jobs[i]!;
    }
  }
  writeCheckpoint(partial, cp);

  try {
    await runScheduled(
      scheduler,
      signal,
      async (i, release) => {
        try {
          if (jobs[i]!.flowOperationId === '') {
            const id = await fleet.start(jobs[i]!, signal);
            jobs[i] = { ...jobs[i]!, flowOperationId: id };
            cp.identity.jobs[i] = jobs[i]!;
            cp.updatedAt = new Date().toISOString();
            writeCheckpoint(partial, cp);
          }
          await hooks.read(jobs[i]!, i, signal, release);
        } catch (error) {
          if (signal.aborted) throw error;
          if (!isNfwError(error)) {
            // Not the scope's fault (the disk, a bug): stop everything, keep the partial.
            if (fatal === null) fatal = { error };
            controller.abort(error);
            throw error;
          }
          fail(i, { code: error.code, message: error.message });
          throw error;
        }
      },
      () => hooks.changed(scheduler.counts()),
    );
  } finally {
    parent.removeEventListener('abort', onAbort);
  }
  if (fatal !== null) throw (fatal as { error: unknown }).error;
  if (parent.aborted) throw parent.reason;
}
