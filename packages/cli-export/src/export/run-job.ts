/**
 * One job of an export (one flow operation in one scope) read from the API into its spool: core's
 * `pages()`, each page appended as one line (the response as received) and its rejects to the rejects
 * log, then a checkpoint of the NextToken after that page with both logs' committed lengths. Resuming
 * cuts the logs back to those lengths and pages again from that NextToken (none recorded after the last
 * page: the job is complete), so each page is in the spool exactly once.
 */
import path from 'node:path';
import type { NetworkFirewallClient } from '@aws-sdk/client-network-firewall';
import {
  type FlowRecord,
  type FlowResultsInput,
  type PagesOptions,
  pages,
  type RejectedRecord,
  type RetryInfo,
} from '@nfw-flows/core';
import { WriteError } from '../output/write-error.js';
import { AppendLog } from '../spool/append-log.js';
import type { JobIdentity, JobProgress } from '../spool/checkpoint.js';
import { pageLine } from '../spool/page-line.js';
import type { ApiReadOptions } from './export-plan.js';
import { scopeRequest } from './jobs.js';

export interface JobHooks {
  /** Called with the job's progress after each committed page (the caller persists the checkpoint). */
  commit(progress: JobProgress, final: boolean): void;
  /** Live counters for the progress display. */
  tick(delta: { pages: number; flows: number; rejected: number }): void;
  warn(line: string): void;
  /** A request failed transiently and is about to be sent again. */
  retry?(info: RetryInfo): void;
  /** A page's records, once the page is in the spool (the output written while paging). */
  records?(records: readonly FlowRecord[]): Promise<void>;
}

/** Request input of a job. */
export function jobInput(job: JobIdentity): FlowResultsInput {
  return { FirewallArn: job.firewallArn, FlowOperationId: job.flowOperationId, ...scopeRequest(job) };
}

/** A rejected record as one NDJSON line of the --rejects file: the reason, where it was, and the flow as received. */
export function rejectLine(
  r: RejectedRecord,
  job: { firewallArn: string; flowOperationId: string; availabilityZone?: string | null | undefined } | null,
  pageOffset: number,
): string {
  return JSON.stringify(
    {
      code: r.code,
      field: r.field ?? null,
      value: r.value === undefined ? null : r.value,
      message: r.message,
      firewallArn: job?.firewallArn ?? null,
      flowOperationId: job?.flowOperationId ?? null,
      availabilityZone: job?.availabilityZone ?? null,
      page: r.page + pageOffset,
      index: r.index,
      raw: r.raw,
    },
    (_k, v) => (typeof v === 'bigint' ? v.toString() : v),
  );
}

/** Minimum time between two checkpoints (the last page of a job is always checkpointed). */
function checkpointIntervalMs(): number {
  return Number(process.env.NFW_FLOWS_CHECKPOINT_INTERVAL_MS ?? 200);
}

export interface SpoolFiles {
  /** The job's response pages, one JSON line each (spool/page-line.ts). */
  spool: string;
  /** The job's rejects, one --rejects line each. */
  rejects: string;
}

/**
 * Read one job into its spool. `progress` is where a previous run stopped (emptyProgress() for a fresh
 * start); the returned progress is final (done: true).
 */
export async function runJob(...args: Parameters<typeof pageJob>): Promise<JobProgress> {
  try {
    return await pageJob(...args);
  } catch (error) {
    throw partialWriteError(path.dirname(args[2].spool), error);
  }
}

/** System calls of the spool and the rejects log (a network error has its own syscall: left alone). */
const FILE_SYSCALLS = new Set(['open', 'write', 'read', 'fdatasync', 'fsync', 'ftruncate', 'close']);

/**
 * A failed write of the spool or the rejects log (full disk, lost directory) as a WriteError naming the
 * partial directory: `cannot write out.arrow.nfw-partial: ENOSPC: no space left on device`, not the
 * output. It stays resumable: the partial is kept for `--resume` once there is room.
 */
export function partialWriteError(dir: string, error: unknown): unknown {
  const e = error as NodeJS.ErrnoException;
  if (error instanceof WriteError || typeof e?.code !== 'string' || typeof e.syscall !== 'string')
    return error;
  if (!FILE_SYSCALLS.has(e.syscall)) return error;
  return new WriteError(dir, error);
}

/** Core's pages() options of a job: the flags', from where it stopped, for what is left of --max-items. */
function pagesOptions(
  read: ApiReadOptions,
  remaining: number | undefined,
  startingToken: string | undefined,
  hooks: JobHooks,
  signal: AbortSignal,
): PagesOptions {
  return {
    ...(read.pageSize === undefined ? {} : { pageSize: read.pageSize }),
    ...(remaining === undefined ? {} : { maxItems: remaining }),
    ...(startingToken === undefined ? {} : { startingToken }),
    signal,
    wait: read.wait,
    ...(read.waitTimeoutMs === undefined ? {} : { waitTimeout: read.waitTimeoutMs }),
    ...(read.pollIntervalMs === undefined ? {} : { pollInterval: read.pollIntervalMs }),
    onInvalid: read.strict ? 'fail' : 'reject',
    ...(read.retry === undefined ? {} : { retry: read.retry }),
    ...(hooks.retry === undefined ? {} : { onRetry: hooks.retry }),
  };
}

async function pageJob(
  client: NetworkFirewallClient,
  job: JobIdentity,
  files: SpoolFiles,
  start: JobProgress,
  read: ApiReadOptions,
  hooks: JobHooks,
  signal: AbortSignal,
): Promise<JobProgress> {
  const progress: JobProgress = { ...start };
  const resuming = start.pages > 0 || start.records > 0;
  const spool = new AppendLog(files.spool, resuming ? start.spoolBytes : undefined);
  const rejects = new AppendLog(files.rejects, resuming ? start.rejectsBytes : undefined);
  try {
    if (progress.done) return progress;
    if (resuming && progress.nextToken === undefined) {
      // Killed after the last page's checkpoint, before the final one: every page is in the spool.
      // (Paging again from an absent token would start over and spool every record twice.)
      progress.done = true;
      progress.spoolBytes = spool.commit();
      progress.rejectsBytes = rejects.commit();
      hooks.commit({ ...progress }, true);
      return progress;
    }
    const readSoFar = progress.records + progress.rejected;
    const remaining = read.maxItems === undefined ? undefined : read.maxItems - readSoFar;
    if (remaining !== undefined && remaining <= 0) {
      progress.done = true;
      delete progress.nextToken;
      hooks.commit(progress, true);
      return progress;
    }
    const startingToken = resuming ? progress.nextToken : read.startingToken;
    const source = pages(client, jobInput(job), pagesOptions(read, remaining, startingToken, hooks, signal));
    const pageOffset = progress.pages;
    const where = { ...job, availabilityZone: job.availabilityZone ?? null };
    let lastCheckpoint = 0;
    const interval = checkpointIntervalMs();
    for await (const page of source) {
      // COMPLETED_WITH_ERRORS is reported once, in the summary (and the exit code).
      for (const w of page.warnings) if (w.code !== 'NFW_OPERATION_INCOMPLETE') hooks.warn(w.message);
      for (const r of page.rejects) rejects.append(rejectLine(r, where, pageOffset));
      spool.append(pageLine(page));
      await hooks.records?.(page.records);
      progress.pages++;
      progress.records += page.records.length;
      progress.rejected += page.rejects.length;
      progress.status = page.status;
      progress.statusMessage = page.statusMessage;
      if (page.truncated && page.nextToken !== undefined) {
        progress.resumeToken = page.nextToken;
        delete progress.nextToken;
      } else if (page.nextToken === undefined) delete progress.nextToken;
      else progress.nextToken = page.nextToken;
      hooks.tick({ pages: 1, flows: page.records.length, rejected: page.rejects.length });
      const now = Date.now();
      if (now - lastCheckpoint < interval) continue;
      lastCheckpoint = now;
      progress.spoolBytes = spool.commit();
      progress.rejectsBytes = rejects.commit();
      hooks.commit({ ...progress }, false);
    }
    progress.done = true;
    delete progress.nextToken;
    if (progress.resumeToken !== undefined)
      hooks.warn(
        `--max-items reached for ${job.flowOperationId}; continue with --starting-token ${progress.resumeToken}`,
      );
    progress.spoolBytes = spool.commit();
    progress.rejectsBytes = rejects.commit();
    hooks.commit({ ...progress }, true);
    return progress;
  } finally {
    spool.close();
    rejects.close();
  }
}

/** The spool and rejects log of job `index` in the partial directory. */
export function spoolFiles(partial: string, index: number): SpoolFiles {
  return {
    spool: path.join(partial, `job-${index}.spool`),
    rejects: path.join(partial, `job-${index}.rejects`),
  };
}
