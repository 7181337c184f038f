/**
 * The output of an API export to one file, written while its jobs are paged: each page's records go to
 * the serializer as soon as the page is in the spool, so the export does not read its spools again. It
 * is only a shortcut to what finalize-output.ts builds from the spools: a resumed export, jobs paged in
 * parallel, partitions, or metadata that changed after the output's header was written (a later job's
 * status) all take the spools instead.
 */
import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import type { FlowRecord } from '@nfw-flows/core';
import { statusText } from '../output/status-file.js';
import type { ExportPlan } from './export-plan.js';
import { type Finalize, operationsOf, recordStaged, statusFields, writeOptions } from './finalize-output.js';
import { metadataOf } from './live-records.js';
import { writeFileOutput } from './write-output.js';

export interface LiveOutput {
  /** Takes a page's records; resolves once the output can take more. */
  write(records: readonly FlowRecord[]): Promise<void>;
  /** Ends the records and publishes: the output's bytes, or null when it must be built from the spools. */
  finish(): Promise<number | null>;
  /** Drops the output (paging failed). */
  abort(error: unknown): Promise<void>;
}

/** A fresh export to one file whose jobs are paged one after another in their order. */
export function canWriteLive(plan: ExportPlan, jobs: number, resuming: boolean): boolean {
  return !resuming && !plan.partitioned && plan.fleet === undefined && (plan.concurrency === 1 || jobs <= 1);
}

/** The header's metadata differs from the final one: the file is discarded before it is published. */
class StaleMetadata extends Error {}

export function startLiveOutput(f: Finalize): LiveOutput {
  const records = new PassThrough({ objectMode: true, highWaterMark: 1024 });
  let header: string | undefined;
  /** Set when the output failed (a write error): paging stops with it. */
  const failed: { error?: unknown } = {};
  const written = writeFileOutput(records, f.plan.out, f.plan.force, {
    ...writeOptions(f),
    metadata: () => {
      const metadata = metadataOf(f.totals);
      header = JSON.stringify(metadata);
      return metadata;
    },
    status: () => {
      if (header !== undefined && header !== JSON.stringify(metadataOf(f.totals))) throw new StaleMetadata();
      return statusFields(f.plan, f.totals, operationsOf(f));
    },
    staged: (size, status) =>
      recordStaged(f, { bytes: size, status: status === null ? '' : statusText(status) }),
  });
  written.catch((error: unknown) => {
    failed.error = error ?? new Error('output failed');
  });
  return {
    async write(page) {
      if (failed.error !== undefined) throw failed.error;
      let room = true;
      for (const record of page) room = records.write(record);
      if (!room) await Promise.race([once(records, 'drain'), written]);
      if (failed.error !== undefined) throw failed.error;
    },
    async finish() {
      records.end();
      try {
        return await written;
      } catch (error) {
        if (error instanceof StaleMetadata) return null;
        throw error;
      }
    },
    async abort(error) {
      records.destroy(error instanceof Error ? error : new Error(String(error)));
      await written.catch(() => {});
    },
  };
}
