/**
 * The paging step of an API export to a file: every job of the checkpoint read into its spool (runJob),
 * under the plain pool or the fleet scheduler, with the checkpoint rewritten after each committed page.
 * A failure keeps the partial directory when the same command can resume it, and removes it when it
 * would fail the same way again.
 */
import type { NetworkFirewallClient } from '@aws-sdk/client-network-firewall';
import { isNfwError } from '@nfw-flows/core';
import { formatCount } from '../progress.js';
import {
  type Checkpoint,
  checkSpoolLengths,
  type JobIdentity,
  removePartialDirectory,
  writeCheckpoint,
} from '../spool/checkpoint.js';
import type { ApiSource, ExportPlan } from './export-plan.js';
import { runFleetJobs, statusKey } from './fleet-jobs.js';
import { describeJob } from './jobs.js';
import type { LiveOutput } from './live-output.js';
import { noteRetry, type Totals } from './live-records.js';
import { type JobHooks, runJob, spoolFiles } from './run-job.js';

export interface JobsRun {
  plan: ExportPlan;
  source: ApiSource;
  client: NetworkFirewallClient;
  jobs: JobIdentity[];
  checkpoint: Checkpoint;
  partial: string;
  signal: AbortSignal;
  totals: Totals;
  update: () => void;
  log: (line: string) => void;
  /** The output written while paging, if this export has one (live-output.ts). */
  live?: LiveOutput;
}

/** Errors after which `--resume` can go on; any other NfwError would come back the same way. */
const RESUMABLE = new Set(['NFW_PAGINATION_FAILED', 'NFW_ABORTED', 'NFW_WAIT_TIMEOUT']);

/** Page every job not done yet; the totals end exact, from the checkpoint. */
export async function runJobs(run: JobsRun): Promise<void> {
  const { plan, jobs, checkpoint: cp, totals } = run;
  totals.jobs = jobs.length;
  if (jobs.length === 0)
    run.log('nfw-flows: warning: no completed flow captures found; writing an empty output');
  for (const [i, job] of jobs.entries()) {
    const p = cp.jobs[i]!;
    totals.pages += p.pages;
    totals.flows += p.records;
    totals.rejected += p.rejected;
    if (p.done) totals.jobsDone++;
    if (p.status !== null)
      totals.statuses.set(statusKey(job), { status: p.status, message: p.statusMessage });
  }
  run.update();
  checkSpoolLengths(cp, (i) => spoolFiles(run.partial, i));
  try {
    if (plan.fleet) await runFleet(run);
    else await pool(jobs, plan.concurrency, run.signal, (job, i, signal) => readJob(run, job, i, signal));
  } catch (error) {
    keepOrDiscard(run, error);
    throw error;
  }
  // Exact counts from the checkpoint (live ticks may include records of uncommitted pages on resume).
  totals.pages = cp.jobs.reduce((n, j) => n + j.pages, 0);
  totals.flows = cp.jobs.reduce((n, j) => n + j.records, 0);
  totals.rejected = cp.jobs.reduce((n, j) => n + j.rejected, 0);
  for (const [i, job] of jobs.entries()) {
    const p = cp.jobs[i]!;
    totals.statuses.set(statusKey(job), { status: p.status, message: p.statusMessage });
    if (p.resumeToken !== undefined) totals.nextTokens.set(statusKey(job), p.resumeToken);
  }
}

/** Read job `i` into its spool; `release` frees its fleet queue once its operation ended. */
async function readJob(
  run: JobsRun,
  job: JobIdentity,
  i: number,
  signal: AbortSignal,
  release?: () => void,
): Promise<void> {
  const { checkpoint: cp, totals, update } = run;
  const hooks: JobHooks = {
    commit(p) {
      cp.jobs[i] = p;
      cp.updatedAt = new Date().toISOString();
      if (p.status !== null)
        totals.statuses.set(statusKey(job), { status: p.status, message: p.statusMessage });
      writeCheckpoint(run.partial, cp);
    },
    tick(d) {
      // The first page: the operation ended, its firewall and zone may start the next one.
      if (d.pages > 0) {
        release?.();
        totals.waiting = null;
      }
      totals.pages += d.pages;
      totals.flows += d.flows;
      totals.rejected += d.rejected;
      update();
    },
    warn: (line) => run.log(`nfw-flows: warning: ${describeJob(job)}: ${line}`),
    retry(info) {
      noteRetry(totals, info);
      update();
    },
    ...(run.live === undefined ? {} : { records: (records) => run.live!.write(records) }),
  };
  const files = spoolFiles(run.partial, i);
  const final = await runJob(run.client, job, files, cp.jobs[i]!, run.source.read, hooks, signal);
  if (!cp.jobs[i]!.done) cp.jobs[i] = final;
  totals.jobsDone++;
  update();
}

/** The jobs of a fleet capture: a scope that fails is recorded and the others go on. */
async function runFleet(run: JobsRun): Promise<void> {
  const { plan, jobs, totals } = run;
  const fleet = plan.fleet!;
  const spoolOf = (i: number) => spoolFiles(run.partial, i).spool;
  await runFleetJobs(fleet, jobs, run.checkpoint, run.partial, spoolOf, plan.concurrency, run.signal, {
    read: (job, i, signal, release) => readJob(run, job, i, signal, release),
    failed(job, _i, error) {
      totals.statuses.set(statusKey(job), { status: 'FAILED', message: `${error.code}: ${error.message}` });
      run.log(
        `nfw-flows: warning: ${describeScope(job, fleet.zones[jobs.indexOf(job)])} failed: ${error.message}`,
      );
    },
    changed(counts) {
      totals.scopes = counts;
      totals.jobsDone = counts.done + counts.failed;
      run.update();
    },
  });
}

/** After a failed paging step: keep the partial for --resume, or remove it when resuming cannot help. */
function keepOrDiscard(run: JobsRun, error: unknown): void {
  if (isNfwError(error, 'NFW_CHECKPOINT_INVALID')) return; // left as found: the error says how to discard it
  if (isNfwError(error) && !RESUMABLE.has(error.code)) {
    // The same command would fail the same way (operation FAILED, not found, rejected, invalid record).
    removePartialDirectory(run.partial);
    return;
  }
  const saved = run.checkpoint.jobs.reduce((n, j) => n + j.records, 0);
  const pages = run.checkpoint.jobs.reduce((n, j) => n + j.pages, 0);
  run.log(
    `nfw-flows: kept ${formatCount(saved)} flows (${formatCount(pages)} pages) in ${run.partial}; run the same command with --resume to continue`,
  );
}

/** Run `fn` over items with at most `limit` at once; the first failure aborts the others. */
async function pool<T>(
  items: T[],
  limit: number,
  parent: AbortSignal,
  fn: (item: T, index: number, signal: AbortSignal) => Promise<void>,
): Promise<void> {
  const controller = new AbortController();
  const onAbort = () => controller.abort(parent.reason);
  parent.addEventListener('abort', onAbort, { once: true });
  let next = 0;
  let failure: { error: unknown } | null = null;
  const worker = async () => {
    while (failure === null && next < items.length && !controller.signal.aborted) {
      const i = next++;
      try {
        await fn(items[i]!, i, controller.signal);
      } catch (error) {
        if (failure === null) failure = { error };
        controller.abort(error);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  } finally {
    parent.removeEventListener('abort', onAbort);
  }
  if (failure !== null) throw (failure as { error: unknown }).error;
  if (parent.aborted) throw parent.reason;
}

function describeScope(job: JobIdentity, zone: string | undefined): string {
  const name = job.firewallArn.split('/').pop() ?? job.firewallArn;
  const where = job.vpcEndpointAssociationArn ?? job.availabilityZone ?? zone;
  return `${name}${where ? ` ${where}` : ''}${job.flowOperationId ? ` (${job.flowOperationId})` : ''}`;
}
