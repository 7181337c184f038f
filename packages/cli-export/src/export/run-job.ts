/**
 * One job of an export (one flow operation in one scope) read from the API into its spool, with a
 * checkpoint after each page whose records are all durably in the spool. Resuming continues from the
 * last committed page: the spool is truncated to its committed length and paging restarts at the
 * NextToken recorded with it (none recorded after the last page: the job is complete), so each flow
 * ends up in the spool exactly once.
 */
import path from 'node:path';
import type { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { NetworkFirewallClient } from '@aws-sdk/client-network-firewall';
import {
  type FlowRecord,
  type FlowResultsInput,
  type FlowResultsStream,
  type FlowResultsSummary,
  flowResults,
  type PageInfo,
  type RejectedRecord,
  type RetryInfo,
  type RetryOptions,
} from '@nfw-flows/core';
import { ArrowSpoolWriter } from '../output/arrow-spool.js';
import type { JobIdentity, JobProgress } from '../output/checkpoint.js';
import { AppendLog, SpoolWriter } from '../output/spool.js';
import { WriteError } from '../output/write-error.js';
import { scopeRequest } from './jobs.js';

export interface ApiReadOptions {
  pageSize?: number;
  maxItems?: number;
  startingToken?: string;
  wait: boolean;
  waitTimeoutMs?: number;
  pollIntervalMs?: number;
  strict: boolean;
  /** --stall-timeout, the backoff and the attempt timeout. */
  retry?: RetryOptions;
}

export interface JobHooks {
  /** Called with the job's progress after each committed page (the caller persists the checkpoint). */
  commit(progress: JobProgress, final: boolean): void;
  /** Live counters for the progress display. */
  tick(delta: { pages: number; flows: number; rejected: number }): void;
  warn(line: string): void;
  /** A request failed transiently and is about to be sent again. */
  retry?(info: RetryInfo): void;
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
const CHECKPOINT_INTERVAL_MS = Number(process.env.NFW_FLOWS_CHECKPOINT_INTERVAL_MS ?? 200);

export interface SpoolFiles {
  spool: string;
  rejects: string;
  /** `arrow`: an Arrow spool (output/arrow-spool.ts, for Arrow outputs of flow records); default: lines. */
  kind?: 'lines' | 'arrow';
}

/** What runJob needs of a spool: both kinds commit whole records only, at a length resume truncates to. */
interface RecordSpool {
  write(record: FlowRecord): void;
  commit(): number;
  close(): void;
}

function openSpool(files: SpoolFiles, truncateTo: number | undefined): RecordSpool {
  return files.kind === 'arrow'
    ? new ArrowSpoolWriter(files.spool, truncateTo)
    : new SpoolWriter(files.spool, truncateTo);
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
 * partial directory: `cannot write out.arrow.nfw-partial: ENOSPC: no space left on device` (it said
 * `cannot write output`). It stays resumable: the partial is kept for `--resume` once there is room.
 */
export function partialWriteError(dir: string, error: unknown): unknown {
  const e = error as NodeJS.ErrnoException;
  if (error instanceof WriteError || typeof e?.code !== 'string' || typeof e.syscall !== 'string')
    return error;
  if (!FILE_SYSCALLS.has(e.syscall)) return error;
  return new WriteError(dir, error);
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
  const spool = openSpool(files, resuming ? start.spoolBytes : undefined);
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
    const stream: FlowResultsStream = flowResults(client, jobInput(job), {
      ...(read.pageSize === undefined ? {} : { pageSize: read.pageSize }),
      ...(remaining === undefined ? {} : { maxItems: remaining }),
      ...(startingToken === undefined ? {} : { startingToken }),
      signal,
      wait: read.wait,
      ...(read.waitTimeoutMs === undefined ? {} : { waitTimeout: read.waitTimeoutMs }),
      ...(read.pollIntervalMs === undefined ? {} : { pollInterval: read.pollIntervalMs }),
      onInvalid: read.strict ? 'fail' : 'reject',
      ...(read.retry === undefined ? {} : { retry: read.retry }),
    });
    if (hooks.retry) stream.on('retry', hooks.retry);

    const pageOffset = progress.pages;
    // Page ends seen by the source, not yet reached by the consumer.
    const marks: Array<{ info: PageInfo; through: number; rejected: number; rejectsLength: number }> = [];
    let consumed = 0;
    let rejectedHere = 0;
    let lastCheckpoint = 0;
    const base = { ...progress };

    const commitMark = (mark: (typeof marks)[number], force: boolean) => {
      progress.pages = base.pages + mark.info.index + 1;
      progress.records = base.records + mark.through;
      progress.rejected = base.rejected + mark.rejected;
      if (mark.info.nextToken === undefined) delete progress.nextToken;
      else progress.nextToken = mark.info.nextToken;
      progress.status = mark.info.status;
      progress.statusMessage = mark.info.statusMessage;
      const now = Date.now();
      if (!force && now - lastCheckpoint < CHECKPOINT_INTERVAL_MS) return;
      lastCheckpoint = now;
      progress.spoolBytes = spool.commit();
      progress.rejectsBytes = rejects.commitUpTo(mark.rejectsLength);
      hooks.commit({ ...progress }, false);
    };
    const reach = () => {
      while (marks.length > 0 && marks[0]!.through <= consumed) commitMark(marks.shift()!, false);
    };

    stream.on('reject', (r: RejectedRecord) => {
      rejectedHere++;
      rejects.append(rejectLine(r, { ...job, availabilityZone: job.availabilityZone ?? null }, pageOffset));
      hooks.tick({ pages: 0, flows: 0, rejected: 1 });
    });
    stream.on('page', (info: PageInfo) => {
      marks.push({
        info,
        through: stream.summary().emitted,
        rejected: rejectedHere,
        rejectsLength: rejects.length,
      });
      hooks.tick({ pages: 1, flows: 0, rejected: 0 });
      reach();
    });
    // COMPLETED_WITH_ERRORS is reported once, in the summary (and the exit code).
    stream.on('warning', (w: { code?: string; message: string }) => {
      if (w.code !== 'NFW_OPERATION_INCOMPLETE') hooks.warn(w.message);
    });

    let pending = 0;
    // 'data' rather than for-await: the spool write is synchronous, and async iteration costs a promise
    // (a microtask) per record. An error of ours destroys the stream with it, so finished() rejects with it.
    stream.on('data', (record: FlowRecord) => {
      try {
        spool.write(record);
        consumed++;
        if (++pending === 100) {
          hooks.tick({ pages: 0, flows: pending, rejected: 0 });
          pending = 0;
        }
        if (marks.length > 0 && marks[0]!.through <= consumed) reach();
      } catch (error) {
        stream.destroy(error as Error);
      }
    });
    await finished(stream as unknown as Readable);
    hooks.tick({ pages: 0, flows: pending, rejected: 0 });
    reach();
    const summary: FlowResultsSummary = stream.summary();
    progress.records = base.records + summary.emitted;
    progress.rejected = base.rejected + summary.rejected;
    progress.pages = base.pages + summary.pages;
    progress.status = summary.status ?? progress.status;
    progress.statusMessage = summary.statusMessage ?? progress.statusMessage;
    progress.done = true;
    delete progress.nextToken;
    if (summary.truncated && summary.resumeToken !== undefined) {
      progress.resumeToken = summary.resumeToken;
      hooks.warn(
        `--max-items reached for ${job.flowOperationId}; continue with --starting-token ${summary.resumeToken}`,
      );
    }
    progress.spoolBytes = spool.commit();
    progress.rejectsBytes = rejects.commit();
    hooks.commit({ ...progress }, true);
    return progress;
  } finally {
    spool.close();
    rejects.close();
  }
}
