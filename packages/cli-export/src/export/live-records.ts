/**
 * Records straight from their sources (no spool): a saved file, or API jobs one after another. Used for
 * stdout exports and `top`.
 */
import { Readable } from 'node:stream';
import type { NetworkFirewallClient } from '@aws-sdk/client-network-firewall';
import {
  type FlowOperationStatus,
  type FlowRecord,
  type FlowResultsStream,
  flowResults,
  flowResultsFromFile,
  type PageInfo,
  type RejectedRecord,
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
  statuses: Map<string, { status: FlowOperationStatus | null; message: string | null }>;
}

export function newTotals(): Totals {
  return { pages: 0, flows: 0, rejected: 0, jobs: 0, jobsDone: 0, statuses: new Map() };
}

export function overallStatus(totals: Totals): { status: string; message: string } {
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
}

/** Attach counters to a live source stream. */
function watch(
  stream: FlowResultsStream,
  key: string,
  job: JobIdentity | null,
  totals: Totals,
  hooks: LiveHooks,
): void {
  stream.on('page', (info: PageInfo) => {
    totals.pages++;
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
  stream.on('summary', (s: { status: FlowOperationStatus | null; statusMessage: string | null }) => {
    if (s.status !== null) totals.statuses.set(key, { status: s.status, message: s.statusMessage });
  });
}

export function fileRecords(
  input: string,
  strict: boolean,
  signal: AbortSignal,
  totals: Totals,
  hooks: LiveHooks,
): Readable {
  totals.jobs = 1;
  const stream = flowResultsFromFile(input, { onInvalid: strict ? 'fail' : 'reject', signal });
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
