import { Readable } from 'node:stream';
import type { FlowResultsStream } from '../../src/index.js';
import type { FlowResultsSummary, PageInfo } from '../../src/source/index.js';
import type { FlowRecord, RejectedRecord } from '../../src/types.js';

export { clientFor } from '@nfw-flows/fixtures/testing';

export interface Collected {
  records: FlowRecord[];
  pages: PageInfo[];
  rejects: RejectedRecord[];
  warnings: unknown[];
  summary: FlowResultsSummary | undefined;
  error:
    | (Error & { code?: string; field?: string; value?: unknown; nextToken?: string; emitted?: number })
    | undefined;
}

/** Read a stream to its end (or error), collecting records and events. */
export async function collect(stream: FlowResultsStream): Promise<Collected> {
  const out: Collected = {
    records: [],
    pages: [],
    rejects: [],
    warnings: [],
    summary: undefined,
    error: undefined,
  };
  stream.on('page', (p) => out.pages.push(p));
  stream.on('reject', (r) => out.rejects.push(r));
  stream.on('warning', (w) => out.warnings.push(w));
  stream.on('summary', (s) => {
    out.summary = s;
  });
  try {
    for await (const record of stream) out.records.push(record);
  } catch (error) {
    out.error = error as Collected['error'];
  }
  return out;
}

/** A record as plain comparable data (addresses by text, the timestamp as ms). */
export function plain(r: FlowRecord): unknown {
  return {
    ...r,
    source: r.source.text,
    destination: r.destination.text,
    flowRequestTimestamp: r.flowRequestTimestamp?.getTime() ?? null,
  };
}

/** `bytes` as a stream of chunks of the given sizes, cycled (for chunk-boundary tests). */
export function chunked(bytes: Buffer, sizes: number[]): Readable {
  const parts: Buffer[] = [];
  let at = 0;
  for (let k = 0; at < bytes.length; k++) {
    const size = Math.max(1, sizes[k % sizes.length]!);
    parts.push(bytes.subarray(at, at + size));
    at += size;
  }
  return Readable.from(parts);
}
