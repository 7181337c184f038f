import { Readable } from 'node:stream';
import { isNfwError, NfwError } from '../errors.js';
import { createFlowNormalizer, type FlowNormalizer } from '../normalize/index.js';
import type { FlowContext, FlowOperationStatus, FlowRecord, RejectedRecord } from '../types.js';

/** Emitted as `'page'` after every record of the page was pushed (or rejected): progress per page. */
export interface PageInfo {
  /** 0-based index of the page within this stream. */
  index: number;
  /** Flows of this page handed to the normalizer (emitted + rejected). */
  flowCount: number;
  /** The token that resumes right AFTER this page (undefined: nothing follows). Pass it as `startingToken`. */
  nextToken: string | undefined;
  /** A FlowOperationStatus, or an unknown value as the service sent it (the summary is then incomplete). */
  status: FlowOperationStatus | string | null;
  statusMessage: string | null;
  context: FlowContext;
  /**
   * Records this stream has emitted up to and including this page. The event fires when the page's
   * records were pushed, which may be before a consumer has read them (for progress displays); a
   * consumer that checkpoints reads `pages()` instead, whose pages are whole when it gets them.
   */
  emitted: number;
}

/** Emitted as `'summary'` once when the source is exhausted or fails; also `stream.summary()` at any time. */
export interface FlowResultsSummary {
  pages: number;
  /** Flows read from the source: always `emitted + rejected`. */
  received: number;
  emitted: number;
  rejected: number;
  /** API sources: requests sent again after a transient fault (see the `'retry'` event). */
  retries: number;
  status: FlowOperationStatus | string | null;
  statusMessage: string | null;
  /**
   * True when the records may not be the whole state table: the operation is COMPLETED_WITH_ERRORS, or
   * (API sources) its FlowOperationStatus was missing or unknown.
   */
  incomplete: boolean;
  /** The `nextToken` of the last page event (undefined before the first page, and after the last one). */
  lastNextToken: string | undefined;
  /**
   * True when `maxItems` stopped the stream before the results ended, or a saved file ends with a
   * NextToken (AWS CLI `--max-items`, `--no-paginate`): the records are only part of the results.
   */
  truncated: boolean;
  /** When truncated: the `startingToken` that yields exactly the rest (AWS CLI token format if mid-page). */
  resumeToken: string | undefined;
  /** File sources: the keys that followed `Flows` in the last response read (undefined: none did). */
  trailingMetadata?: Record<string, unknown>;
}

/** A non-fatal condition worth telling the user (e.g. COMPLETED_WITH_ERRORS). */
export interface FlowResultsWarning {
  code:
    | 'NFW_OPERATION_INCOMPLETE'
    | 'NFW_METADATA_CHANGED'
    /** A saved file ends with a NextToken: only part of the results (the summary says `truncated`). */
    | 'NFW_RESULTS_TRUNCATED'
    /** Bare Flow records without provenance options: firewall_arn and flow_operation_id are "". */
    | 'NFW_PROVENANCE_MISSING';
  message: string;
  page: number;
}

/** Emitted as `'retry'` when a request failed transiently and will be sent again after `delayMs`. */
export interface RetryInfo {
  /** The API call that failed. */
  operation: 'ListFlowOperationResults' | 'DescribeFlowOperation';
  /** Consecutive failures of this request so far (1 at the first retry). */
  attempt: number;
  /** The wait before the same request (the same NextToken) is sent again, in ms. */
  delayMs: number;
  /** The error's name (ThrottlingException, TimeoutError, ECONNRESET, `HTTP 502`, ...). */
  code: string;
  statusCode?: number;
  message: string;
  /** Time since the last successful request, in ms: the stream gives up at `retry.stallTimeoutMs`. */
  stalledMs: number;
}

/** What a source producer yields to the stream: batches of raw flows, page ends, warnings, retries. */
export type SourceItem =
  | { type: 'flows'; flows: unknown[]; context: FlowContext; page: number; offset: number }
  /** A page normalized by its source: `failures[i]` is the error of `rejects[i]`. */
  | { type: 'records'; records: FlowRecord[]; rejects: RejectedRecord[]; failures: NfwError[] }
  | { type: 'page'; info: Omit<PageInfo, 'emitted'> }
  | { type: 'warning'; warning: FlowResultsWarning }
  | { type: 'retry'; info: RetryInfo }
  | { type: 'summary'; patch: Partial<FlowResultsSummary> };

export type OnInvalid = 'reject' | 'fail';

export interface StreamOptions {
  onInvalid: OnInvalid;
  highWaterMark: number;
  signal: AbortSignal | undefined;
}

/**
 * A Readable (object mode, async-iterable) of FlowRecord. Records are pulled from the source only when
 * the consumer reads (`_read`): with a slow consumer the buffer holds at most `highWaterMark` records plus
 * what the source prefetches. Events: `'page'` (PageInfo), `'reject'` (RejectedRecord), `'warning'`
 * (FlowResultsWarning), `'summary'` (FlowResultsSummary), then `'end'` or `'error'` (NfwError).
 */
export class FlowResultsStream extends Readable {
  readonly #summary: FlowResultsSummary = {
    pages: 0,
    received: 0,
    emitted: 0,
    rejected: 0,
    retries: 0,
    status: null,
    statusMessage: null,
    incomplete: false,
    lastNextToken: undefined,
    truncated: false,
    resumeToken: undefined,
  };
  readonly #abort = new AbortController();
  readonly #normalize: FlowNormalizer = createFlowNormalizer();
  readonly #failOnInvalid: boolean;
  readonly #signal: AbortSignal | undefined;
  readonly #onAbort = () => this.#aborted();
  #items: AsyncIterator<SourceItem> | undefined;
  #produce: ((stream: SourceState) => AsyncIterator<SourceItem>) | undefined;
  #batch: { flows: unknown[]; context: FlowContext; page: number; offset: number; pos: number } | null = null;
  #page: {
    records: FlowRecord[];
    rejects: RejectedRecord[];
    failures: NfwError[];
    /** Flows of the page handled, records pushed, rejects handled. */
    pos: number;
    record: number;
    reject: number;
  } | null = null;
  #pumping = false;
  #summarized = false;
  #failure: Error | null = null;
  /** Records the consumer has taken (every way of reading emits 'data'), for NFW_ABORTED.emitted. */
  #delivered = 0;
  #iterating = false;

  /** @internal Sources construct it; users get it from flowResults / flowResultsFromFile. */
  constructor(produce: (state: SourceState) => AsyncIterator<SourceItem>, options: StreamOptions) {
    super({ objectMode: true, highWaterMark: options.highWaterMark });
    this.#produce = produce;
    this.#failOnInvalid = options.onInvalid === 'fail';
    this.#signal = options.signal;
    if (this.#signal) {
      if (this.#signal.aborted) process.nextTick(this.#onAbort);
      else this.#signal.addEventListener('abort', this.#onAbort, { once: true });
    }
  }

  // Typed event overloads for the source's own events.
  override on(event: 'page', listener: (info: PageInfo) => void): this;
  override on(event: 'reject', listener: (record: RejectedRecord) => void): this;
  override on(event: 'warning', listener: (warning: FlowResultsWarning) => void): this;
  override on(event: 'retry', listener: (info: RetryInfo) => void): this;
  override on(event: 'summary', listener: (summary: FlowResultsSummary) => void): this;
  override on(event: 'data', listener: (record: FlowRecord) => void): this;
  override on(event: string | symbol, listener: (...args: never[]) => void): this;
  override on(event: string | symbol, listener: (...args: never[]) => void): this {
    return super.on(event, listener as (...args: unknown[]) => void);
  }

  override once(event: 'page', listener: (info: PageInfo) => void): this;
  override once(event: 'reject', listener: (record: RejectedRecord) => void): this;
  override once(event: 'warning', listener: (warning: FlowResultsWarning) => void): this;
  override once(event: 'retry', listener: (info: RetryInfo) => void): this;
  override once(event: 'summary', listener: (summary: FlowResultsSummary) => void): this;
  override once(event: string | symbol, listener: (...args: never[]) => void): this;
  override once(event: string | symbol, listener: (...args: never[]) => void): this {
    return super.once(event, listener as (...args: unknown[]) => void);
  }

  // 'data' is emitted for every record a consumer takes, whether by read(), flowing mode or iteration.
  override emit(event: string | symbol, ...args: unknown[]): boolean {
    if (event === 'data') this.#delivered++;
    return super.emit(event, ...args);
  }

  /**
   * One async iteration at a time: two loops over one stream would each get some of the records (every
   * record goes to one reader), which no caller means.
   */
  override [Symbol.asyncIterator](): NodeJS.AsyncIterator<FlowRecord> {
    if (this.#iterating && !this.destroyed && !this.readableEnded) {
      throw new NfwError(
        'NFW_CONCURRENT_ITERATION',
        'this stream is already being iterated: read each FlowResultsStream with one loop',
      );
    }
    this.#iterating = true;
    return super[Symbol.asyncIterator]() as NodeJS.AsyncIterator<FlowRecord>;
  }

  /** A copy of the counters so far (final after `'summary'`). */
  summary(): FlowResultsSummary {
    return { ...this.#summary };
  }

  override _read(): void {
    if (this.#failure !== null) {
      if (this.readableLength === 0) this.destroy(this.#failure);
      return;
    }
    if (!this.#pumping) void this.#pump();
  }

  // Every way of consuming a Readable goes through read(): fail once the last buffered record is taken.
  override read(size?: number): FlowRecord | null {
    const record = super.read(size) as FlowRecord | null;
    const failure = this.#failure;
    if (failure !== null && this.readableLength === 0 && !this.destroyed) {
      process.nextTick(() => this.destroy(failure));
    }
    return record;
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#signal?.removeEventListener('abort', this.#onAbort);
    this.#abort.abort(error ?? new Error('stream destroyed'));
    const items = this.#items;
    this.#items = undefined;
    // Let the producer release its resources (file handles, paginator); its own errors are moot now.
    items?.return?.().catch(() => {});
    callback(error);
  }

  #aborted(): void {
    if (this.destroyed) return;
    const reason = this.#signal?.reason;
    this.destroy(
      new NfwError('NFW_ABORTED', 'aborted by the caller', {
        cause: reason,
        // What the consumer took, not what was pushed: records still buffered are dropped with the stream.
        emitted: this.#delivered,
      }),
    );
  }

  async #pump(): Promise<void> {
    this.#pumping = true;
    try {
      if (this.#produce) {
        this.#items = this.#produce({ summary: this.#summary, signal: this.#abort.signal });
        this.#produce = undefined;
      }
      for (;;) {
        if (this.#batch !== null && !this.#drain()) return;
        if (this.#page !== null && !this.#drainPage()) return;
        const items = this.#items;
        if (items === undefined || this.destroyed) return;
        const next = await items.next();
        if (this.destroyed) return;
        if (next.done) {
          this.#emitSummary();
          this.push(null);
          return;
        }
        this.#handle(next.value);
      }
    } catch (error) {
      if (this.destroyed) return;
      this.#emitSummary();
      // The records already pushed reach the consumer before the error (destroy() would drop them), so
      // `summary().emitted` and an error's `emitted` are what the consumer actually received.
      this.#failure = error instanceof Error ? error : new Error(String(error));
      if (this.readableLength === 0) this.destroy(this.#failure);
    } finally {
      this.#pumping = false;
    }
  }

  #handle(item: SourceItem): void {
    const s = this.#summary;
    switch (item.type) {
      case 'flows':
        this.#batch = { ...item, pos: 0 };
        return;
      case 'records':
        this.#page = { ...item, pos: 0, record: 0, reject: 0 };
        return;
      case 'page': {
        const info: PageInfo = { ...item.info, emitted: s.emitted };
        s.pages++;
        s.lastNextToken = info.nextToken;
        s.status = info.status;
        s.statusMessage = info.statusMessage;
        if (info.status === 'COMPLETED_WITH_ERRORS') s.incomplete = true;
        this.emit('page', info);
        return;
      }
      case 'retry':
        s.retries++;
        this.emit('retry', item.info);
        return;
      case 'warning':
        this.emit('warning', item.warning);
        return;
      case 'summary':
        Object.assign(s, item.patch);
        return;
    }
  }

  /** Push the current batch; false when the consumer is saturated (resume on the next `_read`). */
  #drain(): boolean {
    const batch = this.#batch!;
    const { flows, context } = batch;
    const s = this.#summary;
    const normalize = this.#normalize;
    while (batch.pos < flows.length) {
      const raw = flows[batch.pos++];
      s.received++;
      let record: FlowRecord;
      try {
        record = normalize(raw, context);
      } catch (error) {
        this.#reject(error, raw, batch.page, batch.offset + batch.pos - 1);
        continue;
      }
      s.emitted++;
      if (!this.push(record)) {
        if (batch.pos === flows.length) this.#batch = null;
        return false;
      }
    }
    this.#batch = null;
    return true;
  }

  /** Push the current normalized page, its rejects in their places; false when the consumer is saturated. */
  #drainPage(): boolean {
    const p = this.#page!;
    const s = this.#summary;
    const total = p.records.length + p.rejects.length;
    while (p.pos < total) {
      const at = p.pos++;
      s.received++;
      const rejected = p.rejects[p.reject];
      if (rejected !== undefined && rejected.index === at) {
        this.#rejected(rejected, p.failures[p.reject++]!);
        continue;
      }
      s.emitted++;
      if (!this.push(p.records[p.record++])) {
        if (p.pos === total) this.#page = null;
        return false;
      }
    }
    this.#page = null;
    return true;
  }

  #reject(error: unknown, raw: unknown, page: number, index: number): void {
    if (!isNfwError(error)) throw error;
    this.#rejected(rejectedRecord(error, raw, page, index), error);
  }

  #rejected(rejected: RejectedRecord, error: NfwError): void {
    this.#summary.rejected++;
    if (this.#failOnInvalid)
      throw invalidRecordError(error, rejected.page, rejected.index, this.#summary.emitted);
    this.emit('reject', rejected);
  }

  #emitSummary(): void {
    if (this.#summarized) return;
    this.#summarized = true;
    this.emit('summary', this.summary());
  }
}

/** What a producer sees of the stream: the live counters and a signal aborted when the stream is destroyed. */
export interface SourceState {
  readonly summary: Readonly<FlowResultsSummary>;
  readonly signal: AbortSignal;
}

/** An invalid flow as the `'reject'` event reports it. */
export function rejectedRecord(error: NfwError, raw: unknown, page: number, index: number): RejectedRecord {
  return {
    code: error.code,
    field: error.field,
    value: error.value,
    message: error.message,
    raw,
    page,
    index,
  };
}

/** An invalid flow under `onInvalid: 'fail'`: its code, where it was, and the records emitted before it. */
export function invalidRecordError(error: NfwError, page: number, index: number, emitted: number): NfwError {
  return new NfwError(error.code, `${error.message} (page ${page}, flow ${index})`, {
    ...(error.field === undefined ? {} : { field: error.field }),
    value: error.value,
    page,
    index,
    emitted,
    cause: error,
  });
}
