import { Readable } from 'node:stream';
import type { FlowFilter, NetworkFirewallClient } from '@aws-sdk/client-network-firewall';
import { describeValue, isNfwError, NfwError } from '../errors.js';
import type { FlowOperationStatus, FlowRecord, RejectedRecord } from '../types.js';
import { FleetScheduler, runScheduled, type SchedulerCounts, type ScopeState } from './fleet-scheduler.js';
import {
  discoverScopes,
  type FirewallRef,
  type FleetScope,
  type FleetScopeKind,
  scopeInput,
  scopeKey,
} from './fleet-scopes.js';
import { flowResults, normalizeOnInvalid, normalizeSignal } from './flow-results.js';
import type {
  FlowResultsStream,
  FlowResultsSummary,
  FlowResultsWarning,
  OnInvalid,
  PageInfo,
} from './flow-results-stream.js';
import { sdkError } from './sdk-errors.js';

let sdk: Promise<typeof import('@aws-sdk/client-network-firewall')> | undefined;
const loadSdk = () => {
  sdk ??= import('@aws-sdk/client-network-firewall');
  return sdk;
};

export interface CaptureFlowsOptions {
  /** Firewalls to capture: ARNs (`arn:...`), names, or `{ firewallArn }` / `{ firewallName }`. */
  firewalls?: Array<string | FirewallRef>;
  /** Every firewall of the client's region (ListFirewalls), instead of `firewalls`. */
  allFirewalls?: boolean;
  /** Explicit scopes instead of discovering them (e.g. the ones an earlier run did not finish). */
  scopes?: FleetScope[];
  /** Discover each Availability Zone (default) or each VPC endpoint association as a scope. */
  scope?: FleetScopeKind;
  /** StartFlowCapture's FlowFilters, 1..20 (`[{}]` matches every flow). */
  filters: FlowFilter[];
  /** StartFlowCapture's MinimumFlowAgeInSeconds (default: the service's default). */
  minimumFlowAgeInSeconds?: number;
  /** Scopes started or being read at once, 1..64 (default 8); one operation per firewall and zone at a time. */
  concurrency?: number;
  signal?: AbortSignal;
  /** Passed to each scope's `flowResults`. */
  pageSize?: number;
  prefetch?: number;
  waitTimeout?: number;
  pollInterval?: number;
  onInvalid?: OnInvalid;
}

/** One scope's outcome: `failed` scopes carry the error's code and message. */
export interface ScopeStatus extends FleetScope {
  state: ScopeState;
  flowOperationId: string | null;
  status: FlowOperationStatus | string | null;
  statusMessage: string | null;
  pages: number;
  emitted: number;
  rejected: number;
  error: { code: string; message: string } | null;
}

/** `flowResults`' summary over every scope, plus each scope's status and the scheduler's counts. */
export interface CaptureFlowsSummary extends FlowResultsSummary {
  scopes: ScopeStatus[];
  counts: SchedulerCounts;
}

/** Warnings of a fleet capture: those of each scope, and NFW_SCOPE_FAILED for a scope that failed. */
export type CaptureFlowsWarning =
  | FlowResultsWarning
  | { code: 'NFW_SCOPE_FAILED'; message: string; page: number };

/**
 * Start a flow capture in every scope of the firewalls and read their results as ONE Readable (object
 * mode) of FlowRecord; the records' firewallArn / availabilityZone / vpcEndpointAssociationArn /
 * flowOperationId tell the scopes apart. Scopes run in parallel up to `concurrency`, one operation at a
 * time per (firewall, zone); each scope's records flow as soon as its operation completed. A scope that
 * fails (FAILED, refused, not found, paging failed) does not stop the others: it is marked in
 * `summary().scopes`, warned about (`NFW_SCOPE_FAILED`), and the summary is `incomplete`. Events as
 * `flowResults` (`page`, `reject`, `warning`, `summary`), plus `scope` (ScopeStatus) on every change.
 */
export function captureFlows(
  client: NetworkFirewallClient,
  options: CaptureFlowsOptions,
): CaptureFlowsStream {
  const o = normalizeCaptureOptions(options);
  return new CaptureFlowsStream(client, o);
}

interface NormalizedOptions extends CaptureFlowsOptions {
  concurrency: number;
  onInvalid: OnInvalid;
}

function normalizeCaptureOptions(options: CaptureFlowsOptions): NormalizedOptions {
  if (typeof options !== 'object' || options === null) {
    throw new NfwError('NFW_INVALID_OPTION', 'options must be an object', {
      field: 'options',
      value: options,
    });
  }
  const sources = [
    options.firewalls !== undefined,
    options.allFirewalls === true,
    options.scopes !== undefined,
  ];
  if (sources.filter(Boolean).length !== 1) {
    throw new NfwError('NFW_INVALID_OPTION', 'give exactly one of firewalls, allFirewalls or scopes', {
      field: 'firewalls',
      value: options.firewalls,
    });
  }
  if (
    options.firewalls !== undefined &&
    (!Array.isArray(options.firewalls) || options.firewalls.length === 0)
  ) {
    throw new NfwError('NFW_INVALID_OPTION', 'firewalls must be a non-empty array', {
      field: 'firewalls',
      value: options.firewalls,
    });
  }
  const filters = options.filters;
  if (!Array.isArray(filters) || filters.length < 1 || filters.length > 20) {
    throw new NfwError(
      'NFW_INVALID_OPTION',
      `filters must be an array of 1 to 20 FlowFilter objects, got ${describeValue(filters)}`,
      {
        field: 'filters',
        value: filters,
      },
    );
  }
  const concurrency = options.concurrency ?? 8;
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) {
    throw new NfwError(
      'NFW_INVALID_OPTION',
      `concurrency must be an integer 1..64, got ${describeValue(concurrency)}`,
      {
        field: 'concurrency',
        value: concurrency,
      },
    );
  }
  const age = options.minimumFlowAgeInSeconds;
  if (age !== undefined && (!Number.isInteger(age) || age < 0)) {
    throw new NfwError(
      'NFW_INVALID_OPTION',
      `minimumFlowAgeInSeconds must be an integer >= 0, got ${describeValue(age)}`,
      {
        field: 'minimumFlowAgeInSeconds',
        value: age,
      },
    );
  }
  normalizeSignal(options.signal);
  return { ...options, concurrency, onInvalid: normalizeOnInvalid(options.onInvalid) };
}

function firewallRef(value: string | FirewallRef): FirewallRef {
  if (typeof value === 'string') {
    if (value === '') {
      throw new NfwError('NFW_INVALID_OPTION', 'a firewall must be a non-empty ARN or name', {
        field: 'firewalls',
        value,
      });
    }
    return value.startsWith('arn:') ? { firewallArn: value } : { firewallName: value };
  }
  return value;
}

/** The Readable of `captureFlows`. */
export class CaptureFlowsStream extends Readable {
  readonly #client: NetworkFirewallClient;
  readonly #options: NormalizedOptions;
  readonly #abort = new AbortController();
  readonly #sources = new Set<FlowResultsStream>();
  readonly #onAbort = () => this.#aborted();
  #scopes: ScopeStatus[] = [];
  #scheduler: FleetScheduler | null = null;
  #emitted = 0;
  #rejected = 0;
  #pages = 0;
  #retries = 0;
  #started = false;
  #ended = false;

  /** @internal */
  constructor(client: NetworkFirewallClient, options: NormalizedOptions) {
    // Room for a page of each running scope: one scope's page does not pause the others while the
    // consumer is keeping up (memory stays bounded by pages x concurrency).
    super({ objectMode: true, highWaterMark: (options.pageSize ?? 100) * Math.min(options.concurrency, 8) });
    this.#client = client;
    this.#options = options;
    const signal = options.signal;
    if (signal) {
      if (signal.aborted) process.nextTick(this.#onAbort);
      else signal.addEventListener('abort', this.#onAbort, { once: true });
    }
  }

  override on(event: 'scope', listener: (status: ScopeStatus) => void): this;
  override on(event: 'page', listener: (info: PageInfo) => void): this;
  override on(event: 'reject', listener: (record: RejectedRecord) => void): this;
  override on(event: 'warning', listener: (warning: CaptureFlowsWarning) => void): this;
  override on(event: 'summary', listener: (summary: CaptureFlowsSummary) => void): this;
  override on(event: 'data', listener: (record: FlowRecord) => void): this;
  override on(event: string | symbol, listener: (...args: never[]) => void): this;
  override on(event: string | symbol, listener: (...args: never[]) => void): this {
    return super.on(event, listener as (...args: unknown[]) => void);
  }

  /** The counters so far over every scope, each scope's status, and the scheduler's counts. */
  summary(): CaptureFlowsSummary {
    const scopes = this.#scopes.map((s) => ({ ...s, ...(s.error ? { error: { ...s.error } } : {}) }));
    const finals = scopes.map((s) => (s.state === 'failed' ? 'FAILED' : s.status));
    const failed = finals.filter((s) => s === 'FAILED').length;
    let status: FlowOperationStatus | string | null = null;
    const known = new Set<string | null>(['COMPLETED', 'COMPLETED_WITH_ERRORS', 'FAILED']);
    const unknown = finals.find((s) => s !== null && !known.has(s) && s !== 'IN_PROGRESS');
    if (scopes.length > 0 && failed === scopes.length) status = 'FAILED';
    // A status the service sent that we do not know is named, never taken for COMPLETED.
    else if (unknown !== undefined) status = unknown;
    else if (failed > 0 || finals.includes('COMPLETED_WITH_ERRORS')) status = 'COMPLETED_WITH_ERRORS';
    else if (scopes.length > 0 && finals.every((s) => s === 'COMPLETED')) status = 'COMPLETED';
    const failures = scopes.filter((s) => s.error !== null);
    return {
      pages: this.#pages,
      retries: this.#retries,
      received: this.#emitted + this.#rejected,
      emitted: this.#emitted,
      rejected: this.#rejected,
      status,
      statusMessage:
        failures.length > 0
          ? failures.map((s) => `${scopeKey(s)}: ${s.error!.code}`).join('; ')
          : (scopes.find((s) => s.statusMessage !== null)?.statusMessage ?? null),
      incomplete: status !== null && status !== 'COMPLETED',
      lastNextToken: undefined,
      truncated: false,
      resumeToken: undefined,
      scopes,
      counts: this.#scheduler?.counts() ?? { waiting: 0, running: 0, exporting: 0, done: 0, failed: 0 },
    };
  }

  override _read(): void {
    if (!this.#started) {
      this.#started = true;
      this.#run().then(
        () => this.#finish(),
        (error: unknown) => {
          if (!this.destroyed) this.destroy(error instanceof Error ? error : new Error(String(error)));
        },
      );
      return;
    }
    for (const s of this.#sources) s.resume();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#options.signal?.removeEventListener('abort', this.#onAbort);
    this.#abort.abort(error ?? new Error('stream destroyed'));
    for (const s of this.#sources) s.destroy();
    callback(error);
  }

  #aborted(): void {
    if (this.destroyed) return;
    this.destroy(
      new NfwError('NFW_ABORTED', 'aborted by the caller', {
        cause: this.#options.signal?.reason,
        emitted: this.#emitted,
      }),
    );
  }

  async #run(): Promise<void> {
    const o = this.#options;
    let scopes: FleetScope[];
    const failures: ScopeStatus[] = [];
    if (o.scopes !== undefined) {
      scopes = o.scopes;
    } else {
      const found = await discoverScopes(this.#client, {
        ...(o.allFirewalls ? { allFirewalls: true } : { firewalls: (o.firewalls ?? []).map(firewallRef) }),
        ...(o.scope === undefined ? {} : { scope: o.scope }),
        signal: this.#abort.signal,
      });
      scopes = found.scopes;
      for (const f of found.failures) {
        failures.push({
          ...emptyStatus({ firewallArn: f.firewall, availabilityZone: '' }),
          state: 'failed',
          error: { code: f.error.code, message: f.error.message },
        });
      }
    }
    this.#scopes = [...scopes.map(emptyStatus), ...failures];
    for (const f of failures) this.#scopeFailed(f);
    const scheduler = new FleetScheduler(
      scopes.map((s) => `${s.firewallArn}|${s.availabilityZone}`),
      o.concurrency,
    );
    this.#scheduler = scheduler;
    await runScheduled(scheduler, this.#abort.signal, (i, release) => this.#runScope(i, release));
    if (this.#abort.signal.aborted) throw this.#abort.signal.reason;
  }

  async #runScope(index: number, release: () => void): Promise<void> {
    const status = this.#scopes[index]!;
    const o = this.#options;
    const signal = this.#abort.signal;
    status.state = 'running';
    this.emit('scope', { ...status });
    try {
      const id = await startFlowCapture(this.#client, status, {
        filters: o.filters,
        ...(o.minimumFlowAgeInSeconds === undefined
          ? {}
          : { minimumFlowAgeInSeconds: o.minimumFlowAgeInSeconds }),
        signal,
      });
      status.flowOperationId = id;
      this.emit('scope', { ...status });
      await this.#read(status, id, () => {
        release();
        status.state = 'exporting';
        this.emit('scope', { ...status });
      });
      status.state = 'done';
      this.emit('scope', { ...status });
    } catch (error) {
      if (signal.aborted) throw error;
      status.state = 'failed';
      const e = isNfwError(error)
        ? error
        : new NfwError('NFW_PAGINATION_FAILED', String(error), { cause: error });
      status.error = { code: e.code, message: e.message };
      if (status.status === null || status.status === 'IN_PROGRESS') status.status = 'FAILED';
      this.#scopeFailed(status);
      throw error;
    }
  }

  #scopeFailed(status: ScopeStatus): void {
    this.emit('scope', { ...status });
    this.emit('warning', {
      code: 'NFW_SCOPE_FAILED',
      message: `${scopeKey(status)}${status.flowOperationId ? ` (${status.flowOperationId})` : ''}: ${status.error?.message ?? 'failed'}`,
      page: -1,
    } satisfies CaptureFlowsWarning);
  }

  /** Read one scope's results into this stream; `ended` is called once its operation is no longer running. */
  #read(status: ScopeStatus, flowOperationId: string, ended: () => void): Promise<void> {
    const o = this.#options;
    const stream = flowResults(
      this.#client,
      { FirewallArn: status.firewallArn, FlowOperationId: flowOperationId, ...scopeInput(status) },
      {
        signal: this.#abort.signal,
        onInvalid: o.onInvalid,
        ...(o.pageSize === undefined ? {} : { pageSize: o.pageSize }),
        ...(o.prefetch === undefined ? {} : { prefetch: o.prefetch }),
        ...(o.waitTimeout === undefined ? {} : { waitTimeout: o.waitTimeout }),
        ...(o.pollInterval === undefined ? {} : { pollInterval: o.pollInterval }),
      },
    );
    this.#sources.add(stream);
    let first = true;
    return new Promise<void>((resolve, reject) => {
      stream.on('page', (info: PageInfo) => {
        if (first) {
          first = false;
          ended();
        }
        this.#pages++;
        status.pages++;
        status.status = info.status;
        status.statusMessage = info.statusMessage;
        this.emit('page', info);
      });
      stream.on('reject', (r: RejectedRecord) => {
        this.#rejected++;
        status.rejected++;
        this.emit('reject', r);
      });
      stream.on('warning', (w: FlowResultsWarning) => this.emit('warning', w));
      stream.on('retry', (r: unknown) => {
        this.#retries++;
        this.emit('retry', r);
      });
      stream.on('data', (record: FlowRecord) => {
        this.#emitted++;
        status.emitted++;
        if (!this.push(record)) for (const s of this.#sources) s.pause();
      });
      stream.on('error', (error) => {
        this.#sources.delete(stream);
        reject(error);
      });
      stream.on('end', () => {
        this.#sources.delete(stream);
        const s = stream.summary();
        status.status = s.status ?? status.status;
        status.statusMessage = s.statusMessage ?? status.statusMessage;
        resolve();
      });
    });
  }

  #finish(): void {
    if (this.destroyed || this.#ended) return;
    this.#ended = true;
    this.#options.signal?.removeEventListener('abort', this.#onAbort);
    this.emit('summary', this.summary());
    this.push(null);
  }
}

/**
 * StartFlowCapture in one scope on the caller's client; resolves with the FlowOperationId. Errors as
 * `flowResults` maps them: NFW_NOT_FOUND, NFW_REQUEST_REJECTED (refused, e.g. another operation runs in
 * the zone), NFW_PAGINATION_FAILED (failed after the SDK's retries).
 */
export async function startFlowCapture(
  client: NetworkFirewallClient,
  scope: FleetScope,
  options: { filters: FlowFilter[]; minimumFlowAgeInSeconds?: number; signal?: AbortSignal },
): Promise<string> {
  const { StartFlowCaptureCommand } = await loadSdk();
  let id: string | undefined;
  try {
    const started = await client.send(
      new StartFlowCaptureCommand({
        FirewallArn: scope.firewallArn,
        ...scopeInput(scope),
        FlowFilters: options.filters,
        ...(options.minimumFlowAgeInSeconds === undefined
          ? {}
          : { MinimumFlowAgeInSeconds: options.minimumFlowAgeInSeconds }),
      }),
      options.signal ? { abortSignal: options.signal } : {},
    );
    id = started.FlowOperationId;
  } catch (error) {
    if (options.signal?.aborted) throw error;
    throw sdkError(error, 'StartFlowCapture', { nextToken: undefined, emitted: 0 });
  }
  if (!id) throw new NfwError('NFW_REQUEST_REJECTED', 'StartFlowCapture returned no FlowOperationId');
  return id;
}

function emptyStatus(scope: FleetScope): ScopeStatus {
  return {
    ...scope,
    state: 'waiting',
    flowOperationId: null,
    status: null,
    statusMessage: null,
    pages: 0,
    emitted: 0,
    rejected: 0,
    error: null,
  };
}
