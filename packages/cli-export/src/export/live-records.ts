/**
 * Records straight from their sources (no spool): a saved file, or API jobs one after another. Used for
 * stdout exports and `top`.
 */
import { Readable } from 'node:stream';
import type { NetworkFirewallClient } from '@aws-sdk/client-network-firewall';
import {
  type FileProvenance,
  type FlowOperationStatus,
  type FlowRecord,
  type FlowResultsStream,
  type FlowResultsSummary,
  flowResults,
  flowResultsFromFile,
  type PageInfo,
  type RejectedRecord,
  type RetryInfo,
} from '@nfw-flows/core';
import type { JobIdentity } from '../output/checkpoint.js';
import { type ApiReadOptions, jobInput } from './run-job.js';

export interface Totals {
  pages: number;
  flows: number;
  rejected: number;
  jobs: number;
  jobsDone: number;
  /** Fleet captures: scopes by state, for the progress line. */
  scopes?: { waiting: number; running: number; exporting: number; done: number; failed: number };
  statuses: Map<string, { status: FlowOperationStatus | string | null; message: string | null }>;
  /** Requests sent again after a transient fault, and the wait in progress (null once a page arrives). */
  retries: number;
  waiting: string | null;
  /** API statuses are checked strictly: a missing one is never taken for COMPLETED. */
  source: 'api' | 'file';
  /** Sources that stopped before their results ended (--max-items, a saved file ending with a NextToken): the token of the rest. */
  nextTokens: Map<string, string>;
}

export function newTotals(source: 'api' | 'file' = 'api'): Totals {
  return {
    pages: 0,
    flows: 0,
    rejected: 0,
    jobs: 0,
    jobsDone: 0,
    statuses: new Map(),
    retries: 0,
    waiting: null,
    source,
    nextTokens: new Map(),
  };
}

/** The token that gets the rest of a cut-short source (the first, if several were), or null. */
export function truncatedToken(totals: Totals): string | null {
  for (const token of totals.nextTokens.values()) return token;
  return null;
}

/** Counts a retry and describes its wait for the progress line. */
export function noteRetry(totals: Totals, info: RetryInfo): void {
  totals.retries++;
  totals.waiting = `retry ${info.attempt} of ${info.operation} in ${(info.delayMs / 1000).toFixed(1)} s after ${info.code}`;
}

const KNOWN = new Set(['COMPLETED', 'COMPLETED_WITH_ERRORS', 'FAILED', 'IN_PROGRESS']);

/**
 * The export's status: COMPLETED only when every operation is (a file without a status counts as
 * COMPLETED, as it always has); an API status that is missing or unknown is named as such, so the exit
 * code (3) and the status file's `complete` (false) agree.
 */
export function overallStatus(totals: Totals): { status: string; message: string } {
  for (const [id, s] of totals.statuses) {
    if (s.status === null && totals.source === 'file') continue;
    if (s.status !== null && KNOWN.has(s.status)) continue;
    const where = totals.statuses.size > 1 ? ` (${id})` : '';
    return s.status === null
      ? { status: 'UNKNOWN', message: `the service sent no FlowOperationStatus${where}` }
      : { status: s.status, message: `unknown FlowOperationStatus${where}: ${s.message ?? ''}` };
  }
  // FAILED reaches here only for a fleet capture's scope: the others were exported, the data is incomplete.
  const incomplete = [...totals.statuses.entries()].filter(
    ([, s]) => s.status === 'COMPLETED_WITH_ERRORS' || s.status === 'FAILED',
  );
  if (incomplete.length === 0) {
    const first = [...totals.statuses.values()][0];
    return { status: first?.status ?? 'COMPLETED', message: first?.message ?? '' };
  }
  return {
    status: 'COMPLETED_WITH_ERRORS',
    message: incomplete
      .map(([id, s]) => (totals.statuses.size > 1 ? `${id}: ${s.message ?? ''}` : (s.message ?? '')))
      .join('; '),
  };
}

export function metadataOf(totals: Totals): Record<string, string> {
  const { status, message } = overallStatus(totals);
  return { 'nfw_flows.status': status, 'nfw_flows.status_message': message };
}

export interface LiveHooks {
  update(): void;
  reject(record: RejectedRecord, job: JobIdentity | null): void;
  warn(line: string): void;
  retry?(info: RetryInfo): void;
}

/** Attach counters to a live source stream. */
function watch(
  stream: FlowResultsStream,
  key: string,
  job: JobIdentity | null,
  totals: Totals,
  hooks: LiveHooks,
): void {
  stream.on('retry', (info: RetryInfo) => {
    noteRetry(totals, info);
    hooks.retry?.(info);
    hooks.update();
  });
  stream.on('page', (info: PageInfo) => {
    totals.pages++;
    totals.waiting = null;
    totals.statuses.set(key, { status: info.status, message: info.statusMessage });
    hooks.update();
  });
  stream.on('reject', (r: RejectedRecord) => {
    totals.rejected++;
    hooks.reject(r, job);
  });
  // COMPLETED_WITH_ERRORS is reported once, in the summary (and the exit code).
  stream.on('warning', (w: { code?: string; message: string }) => {
    if (w.code !== 'NFW_OPERATION_INCOMPLETE') hooks.warn(w.message);
  });
  stream.on('summary', (s: FlowResultsSummary) => {
    if (s.status !== null) totals.statuses.set(key, { status: s.status, message: s.statusMessage });
    if (s.truncated && s.resumeToken !== undefined) totals.nextTokens.set(key, s.resumeToken);
  });
}

export function fileRecords(
  input: string,
  strict: boolean,
  signal: AbortSignal,
  totals: Totals,
  hooks: LiveHooks,
  provenance: FileProvenance = {},
): Readable {
  totals.jobs = 1;
  const stream = flowResultsFromFile(input === '-' ? process.stdin : input, {
    onInvalid: strict ? 'fail' : 'reject',
    signal,
    provenance,
  });
  watch(stream, input, null, totals, hooks);
  stream.on('data', () => {
    totals.flows++;
    if ((totals.flows & 1023) === 0) hooks.update();
  });
  stream.on('end', () => {
    totals.jobsDone = 1;
  });
  return stream;
}

export function apiRecords(
  client: NetworkFirewallClient,
  jobs: JobIdentity[],
  read: ApiReadOptions,
  signal: AbortSignal,
  totals: Totals,
  hooks: LiveHooks,
): Readable {
  totals.jobs = jobs.length;
  async function* records(): AsyncGenerator<FlowRecord> {
    for (const job of jobs) {
      const stream = flowResults(client, jobInput(job), {
        ...(read.pageSize === undefined ? {} : { pageSize: read.pageSize }),
        ...(read.maxItems === undefined ? {} : { maxItems: read.maxItems }),
        ...(read.startingToken === undefined ? {} : { startingToken: read.startingToken }),
        signal,
        wait: read.wait,
        ...(read.waitTimeoutMs === undefined ? {} : { waitTimeout: read.waitTimeoutMs }),
        ...(read.pollIntervalMs === undefined ? {} : { pollInterval: read.pollIntervalMs }),
        onInvalid: read.strict ? 'fail' : 'reject',
        ...(read.retry === undefined ? {} : { retry: read.retry }),
      });
      watch(stream, job.flowOperationId, job, totals, hooks);
      for await (const record of stream as AsyncIterable<FlowRecord>) {
        totals.flows++;
        if ((totals.flows & 1023) === 0) hooks.update();
        yield record;
      }
      const summary = stream.summary();
      if (summary.truncated && summary.resumeToken !== undefined) {
        hooks.warn(
          `--max-items reached for ${job.flowOperationId}; continue with --starting-token ${summary.resumeToken}`,
        );
      }
      totals.jobsDone++;
    }
  }
  return Readable.from(records());
}
