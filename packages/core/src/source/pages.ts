/**
 * Pages of flow operation results from the API: each ListFlowOperationResults response with its flows
 * normalized into records and rejects, the NextToken that resumes right after it, its status and
 * context. The paging loop here (retries, waiting for IN_PROGRESS, maxItems, resume tokens, abort) is
 * the only one: `flowResults()` is the record stream over these pages.
 */
import type {
  ListFlowOperationResultsCommandInput,
  ListFlowOperationResultsCommandOutput,
  NetworkFirewallClient,
} from '@aws-sdk/client-network-firewall';
import { describeValue, isNfwError, NfwError } from '../errors.js';
import { createFlowNormalizer } from '../normalize/index.js';
import type { FlowContext, FlowOperationStatus, FlowRecord, RejectedRecord } from '../types.js';
import {
  type FlowResultsSummary,
  type FlowResultsWarning,
  invalidRecordError,
  type OnInvalid,
  type RetryInfo,
  rejectedRecord,
  type SourceState,
} from './flow-results-stream.js';
import { paginateFlowResults } from './paginate-flow-results.js';
import { rawFlowsFor } from './raw-flows.js';
import { decodeStartingToken, encodeResumeToken } from './resume-token.js';
import {
  type NormalizedRetry,
  normalizeRetryOptions,
  type RetryOptions,
  RetryPolicy,
} from './retry-policy.js';
import { describeSdkError, isTransient, sdkError } from './sdk-errors.js';

let sdk: Promise<typeof import('@aws-sdk/client-network-firewall')> | undefined;
/** The SDK's paginator and commands, imported on the first API read: file-only users never load it. */
const loadSdk = () => {
  sdk ??= import('@aws-sdk/client-network-firewall');
  return sdk;
};

/** The ListFlowOperationResults input, as the API names it (NextToken/MaxResults come from the options). */
export interface FlowResultsInput {
  FirewallArn: string;
  FlowOperationId: string;
  AvailabilityZone?: string;
  VpcEndpointId?: string;
  VpcEndpointAssociationArn?: string;
}

export interface FlowResultsOptions {
  /** MaxResults per request, 1..100 (default: the API's default, 100). */
  pageSize?: number;
  /** Stop after this many flows were read (emitted + rejected); see `summary.resumeToken`. */
  maxItems?: number;
  /** An API NextToken, or an AWS CLI `--max-items` token, or a `nextToken`/`resumeToken` we reported. */
  startingToken?: string;
  /** Aborts paging and the request in flight; the stream errors with NFW_ABORTED. */
  signal?: AbortSignal;
  /** Pages requested ahead while the consumer works on the current one, 0..10 (default 1). */
  prefetch?: number;
  /** While the operation is IN_PROGRESS, poll DescribeFlowOperation until it ends (default true). */
  wait?: boolean;
  /** Give up waiting after this many ms with NFW_WAIT_TIMEOUT (default 600000). */
  waitTimeout?: number;
  /** First poll delay in ms, growing 1.5x per poll up to 15 s (default 1000). */
  pollInterval?: number;
  /** Invalid records: `'reject'` (default) emits `'reject'` and goes on; `'fail'` errors the stream. */
  onInvalid?: OnInvalid;
  /** Transient faults: backoff and stall budget (see RetryOptions; `{ stallTimeoutMs: 0 }` never retries). */
  retry?: RetryOptions;
  /** Consecutive pages without flows that still have a NextToken before NFW_INVALID_RESPONSE (default 100). */
  maxEmptyPages?: number;
}

export interface ApiOptions {
  pageSize: number | undefined;
  maxItems: number;
  startingToken: string | undefined;
  signal: AbortSignal | undefined;
  prefetch: number;
  wait: boolean;
  waitTimeout: number;
  pollInterval: number;
  onInvalid: OnInvalid;
  retry: NormalizedRetry;
  maxEmptyPages: number;
}

const MAX_POLL_INTERVAL = 15_000;
/** ListFlowOperationResults returns at most this many flows per page (MaxResults' maximum and default). */
const MAX_PAGE_SIZE = 100;
const KNOWN_STATUSES = new Set(['COMPLETED', 'COMPLETED_WITH_ERRORS', 'FAILED', 'IN_PROGRESS']);

/** One ListFlowOperationResults response, read and normalized. */
export interface FlowPage {
  /** 0-based index of the page among those this call read. */
  index: number;
  /** The page's valid flows as records, in order. */
  records: FlowRecord[];
  /** The page's invalid flows (`index` is the position in `flows`). */
  rejects: RejectedRecord[];
  /**
   * The page's flows as received (plain JSON values), the ones `records` and `rejects` came from: the
   * page's `Flows` without those a starting token skipped or `maxItems` cut.
   */
  flows: unknown[];
  /** The token that resumes right AFTER this page (undefined: nothing follows). Pass it as `startingToken`. */
  nextToken: string | undefined;
  /** A FlowOperationStatus, or an unknown value as the service sent it. */
  status: FlowOperationStatus | string | null;
  statusMessage: string | null;
  /** Firewall, scope, operation id and request timestamp of the page (the request's where the page has none). */
  context: FlowContext;
  /** True on the last page when `maxItems` stopped before the results ended: `nextToken` resumes the rest. */
  truncated: boolean;
  /** Warnings about this page (COMPLETED_WITH_ERRORS, a missing or unknown status), reported once per call. */
  warnings: FlowResultsWarning[];
}

export interface PagesOptions extends FlowResultsOptions {
  /** Called before each wait of the retry policy (the record stream's `'retry'` event). */
  onRetry?: (info: RetryInfo) => void;
}

/** What the paging loop yields: pages, and what happens between them. */
export type PageItem =
  | { type: 'page'; page: Omit<FlowPage, 'warnings'>; failures: NfwError[] }
  | { type: 'warning'; warning: FlowResultsWarning }
  | { type: 'retry'; info: RetryInfo }
  | { type: 'summary'; patch: Partial<FlowResultsSummary> };

/**
 * The pages of a flow operation's results from the API, one ListFlowOperationResults response each, on
 * the caller's client (as `flowResults`, with the same options). A consumer that checkpoints saves a
 * page's `nextToken` once it has durably stored that page: `startingToken: nextToken` then yields
 * exactly the pages after it. With `onInvalid: 'fail'` a page with an invalid flow throws its code.
 * Errors are those of `flowResults`; their `emitted` counts the records of the pages already yielded.
 */
export function pages(
  client: NetworkFirewallClient,
  input: FlowResultsInput,
  options: PagesOptions = {},
): AsyncGenerator<FlowPage, void, undefined> {
  checkClient(client);
  const request = normalizeInput(input);
  const opts = normalizeApiOptions(options);
  const onRetry = options.onRetry;
  if (onRetry !== undefined && typeof onRetry !== 'function')
    throw new NfwError('NFW_INVALID_OPTION', 'onRetry must be a function', {
      field: 'onRetry',
      value: onRetry,
    });
  return readPages(client, request, opts, onRetry);
}

async function* readPages(
  client: NetworkFirewallClient,
  input: FlowResultsInput,
  opts: ApiOptions,
  onRetry: ((info: RetryInfo) => void) | undefined,
): AsyncGenerator<FlowPage, void, undefined> {
  const controller = new AbortController();
  const onAbort = () => controller.abort(opts.signal?.reason);
  if (opts.signal?.aborted) onAbort();
  else opts.signal?.addEventListener('abort', onAbort, { once: true });
  const summary = { emitted: 0 } as FlowResultsSummary;
  let warnings: FlowResultsWarning[] = [];
  try {
    for await (const item of pageItems(client, input, opts, { summary, signal: controller.signal })) {
      if (item.type === 'warning') warnings.push(item.warning);
      else if (item.type === 'retry') onRetry?.(item.info);
      else if (item.type === 'page') {
        const { page, failures } = item;
        const first = page.rejects[0];
        if (opts.onInvalid === 'fail' && first !== undefined)
          throw invalidRecordError(failures[0]!, first.page, first.index, summary.emitted);
        const out: FlowPage = { ...page, warnings };
        warnings = [];
        summary.emitted += page.records.length;
        yield out;
      }
    }
  } catch (error) {
    if (opts.signal?.aborted)
      throw new NfwError('NFW_ABORTED', 'aborted by the caller', {
        cause: opts.signal.reason,
        emitted: summary.emitted,
      });
    throw error;
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    controller.abort();
  }
}

/** `client` must have a `send`: any copy of the SDK's client (or a wrapper) pages through it. */
export function checkClient(client: unknown): void {
  if (typeof (client as { send?: unknown } | null)?.send !== 'function') {
    throw new NfwError('NFW_INVALID_OPTION', 'client must be a NetworkFirewallClient (an object with send)', {
      field: 'client',
      value: client === null || typeof client !== 'object' ? client : '(an object without send)',
    });
  }
}

export function normalizeInput(input: FlowResultsInput): FlowResultsInput {
  if (typeof input !== 'object' || input === null) {
    throw new NfwError('NFW_INVALID_OPTION', 'input must be an object with FirewallArn and FlowOperationId', {
      field: 'input',
      value: input,
    });
  }
  const out: FlowResultsInput = {
    FirewallArn: requiredString(input.FirewallArn, 'FirewallArn'),
    FlowOperationId: requiredString(input.FlowOperationId, 'FlowOperationId'),
  };
  for (const key of ['AvailabilityZone', 'VpcEndpointId', 'VpcEndpointAssociationArn'] as const) {
    const value = input[key];
    if (value === undefined) continue;
    out[key] = requiredString(value, key);
  }
  return out;
}

function requiredString(value: unknown, field: string): string {
  if (typeof value !== 'string' || value === '') {
    throw new NfwError(
      'NFW_INVALID_OPTION',
      `${field} must be a non-empty string, got ${describeValue(value)}`,
      {
        field,
        value,
      },
    );
  }
  return value;
}

function integerOption(
  options: Record<string, unknown>,
  field: string,
  min: number,
  max: number,
): number | undefined {
  const value = options[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new NfwError(
      'NFW_INVALID_OPTION',
      `${field} must be an integer ${min}..${max}, got ${describeValue(value)}`,
      { field, value },
    );
  }
  return value;
}

export function normalizeOnInvalid(value: unknown): OnInvalid {
  if (value === undefined) return 'reject';
  if (value === 'reject' || value === 'fail') return value;
  throw new NfwError(
    'NFW_INVALID_OPTION',
    `onInvalid must be 'reject' or 'fail', got ${describeValue(value)}`,
    {
      field: 'onInvalid',
      value,
    },
  );
}

export function normalizeSignal(value: unknown): AbortSignal | undefined {
  if (value === undefined || value instanceof AbortSignal) return value;
  throw new NfwError('NFW_INVALID_OPTION', 'signal must be an AbortSignal', { field: 'signal', value });
}

export function normalizeApiOptions(options: FlowResultsOptions): ApiOptions {
  if (typeof options !== 'object' || options === null) {
    throw new NfwError('NFW_INVALID_OPTION', 'options must be an object', {
      field: 'options',
      value: options,
    });
  }
  const o = options as Record<string, unknown>;
  const token = o.startingToken;
  if (token !== undefined && (typeof token !== 'string' || token === '')) {
    throw new NfwError('NFW_INVALID_OPTION', 'startingToken must be a non-empty string', {
      field: 'startingToken',
      value: token,
    });
  }
  if (o.wait !== undefined && typeof o.wait !== 'boolean') {
    throw new NfwError('NFW_INVALID_OPTION', 'wait must be a boolean', { field: 'wait', value: o.wait });
  }
  return {
    pageSize: integerOption(o, 'pageSize', 1, 100),
    maxItems: integerOption(o, 'maxItems', 1, Number.MAX_SAFE_INTEGER) ?? Number.POSITIVE_INFINITY,
    startingToken: token as string | undefined,
    signal: normalizeSignal(o.signal),
    prefetch: integerOption(o, 'prefetch', 0, 10) ?? 1,
    wait: (o.wait as boolean | undefined) ?? true,
    waitTimeout: integerOption(o, 'waitTimeout', 0, 2 ** 31 - 1) ?? 600_000,
    pollInterval: integerOption(o, 'pollInterval', 1, 2 ** 31 - 1) ?? 1000,
    onInvalid: normalizeOnInvalid(o.onInvalid),
    retry: normalizeRetryOptions(o.retry),
    maxEmptyPages: integerOption(o, 'maxEmptyPages', 1, Number.MAX_SAFE_INTEGER) ?? 100,
  };
}

function contextOf(page: ListFlowOperationResultsCommandOutput, input: FlowResultsInput): FlowContext {
  return {
    firewallArn: page.FirewallArn ?? input.FirewallArn,
    availabilityZone: page.AvailabilityZone ?? input.AvailabilityZone ?? null,
    vpcEndpointId: page.VpcEndpointId ?? input.VpcEndpointId ?? null,
    vpcEndpointAssociationArn: page.VpcEndpointAssociationArn ?? input.VpcEndpointAssociationArn ?? null,
    flowOperationId: page.FlowOperationId ?? input.FlowOperationId,
    flowRequestTimestamp: page.FlowRequestTimestamp ?? null,
  };
}

/**
 * Keeps `depth` next() calls of an async iterator in flight, so page k+1 is requested while page k is
 * processed. Rejections are marked handled here and surface when the consumer reaches them, in order.
 */
function prefetching<T>(iterator: AsyncIterator<T>, depth: number): AsyncIterator<T> {
  const queue: Promise<IteratorResult<T>>[] = [];
  const request = () => {
    const p = iterator.next();
    p.catch(() => {});
    queue.push(p);
  };
  return {
    next() {
      if (queue.length === 0) request();
      const head = queue.shift()!;
      // Ask for the following pages only once this one arrived and was not the last.
      return head.then((result) => {
        if (!result.done) while (queue.length < depth) request();
        return result;
      });
    },
    async return() {
      await iterator.return?.();
      return { done: true, value: undefined };
    },
  };
}

/** A request abandoned after `retry.attemptTimeoutMs`: transient, like the SDK's own TimeoutError. */
class AttemptTimeout extends Error {
  override readonly name = 'TimeoutError';
  constructor(ms: number) {
    super(`no answer within ${ms} ms (retry.attemptTimeoutMs)`);
  }
}

/** `promise`, or an AttemptTimeout after `ms`; `onTimeout` then aborts the request behind it. */
function withTimeout<T>(promise: Promise<T>, ms: number, onTimeout: () => void): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      onTimeout();
      reject(new AttemptTimeout(ms));
    }, ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/** An AbortController for one attempt, aborted with the stream too; `release` unhooks it. */
function attemptController(signal: AbortSignal): { controller: AbortController; release: () => void } {
  const controller = new AbortController();
  const onAbort = () => controller.abort(signal.reason);
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });
  return { controller, release: () => signal.removeEventListener('abort', onAbort) };
}

interface Resume {
  nextToken: string | undefined;
  emitted: number;
}

/**
 * After a failed request: throws the NfwError to end with (not transient, or the stall budget is spent),
 * or announces the retry and waits it out.
 */
async function* backoff(
  error: unknown,
  policy: RetryPolicy,
  operation: RetryInfo['operation'],
  state: SourceState,
  resume: Resume,
): AsyncGenerator<PageItem, void> {
  if (state.signal.aborted) throw error;
  const decision = isTransient(error) ? policy.failed(Date.now()) : undefined;
  if (decision === undefined || !decision.retry) {
    throw sdkError(error, operation, {
      ...resume,
      attempts: decision?.attempt ?? 1,
      stalledMs: decision?.stalledMs ?? 0,
    });
  }
  const { code, statusCode, text } = describeSdkError(error);
  yield {
    type: 'retry',
    info: {
      operation,
      attempt: decision.attempt,
      delayMs: decision.delayMs,
      code,
      ...(statusCode === undefined ? {} : { statusCode }),
      message: text,
      stalledMs: decision.stalledMs,
    },
  };
  await sleep(decision.delayMs, state.signal);
}

function invalidResponse(field: string, message: string, value: unknown, emitted: number): NfwError {
  return new NfwError('NFW_INVALID_RESPONSE', `ListFlowOperationResults: ${message}`, {
    field,
    value,
    emitted,
  });
}

/**
 * The one paging loop: pages of ListFlowOperationResults with their records normalized, and the
 * warnings, retries and summary changes between them. `pages()` and `flowResults()` both read it.
 */
export async function* pageItems(
  client: NetworkFirewallClient,
  input: FlowResultsInput,
  opts: ApiOptions,
  state: SourceState,
): AsyncGenerator<PageItem> {
  const normalize = createFlowNormalizer();
  const start = decodeStartingToken(opts.startingToken);
  /** Token that requests the next page to read; `skip` flows of that page were already read. */
  let requestToken = start.nextToken;
  let skip = start.skip;
  /** What resumes exactly after everything emitted so far. */
  let resume = opts.startingToken;
  let remaining = opts.maxItems;
  let pageIndex = 0;
  let warned = false;
  let statusWarned = false;
  const deadline = Date.now() + opts.waitTimeout;
  let pollDelay = opts.pollInterval;
  const policy = new RetryPolicy(opts.retry, Date.now());
  const resumePoint = (): Resume => ({ nextToken: resume, emitted: state.summary.emitted });
  const pageSize = opts.pageSize ?? MAX_PAGE_SIZE;
  // The service never hands out a token twice: one seen again would page in a circle.
  const usedTokens = new Set<string>();
  if (requestToken !== undefined) usedTokens.add(requestToken);
  let emptyPages = 0;

  for (;;) {
    // `paginate` mutates its input object: give it a fresh copy per run.
    const request: ListFlowOperationResultsCommandInput = { ...input };
    if (opts.pageSize !== undefined) request.MaxResults = opts.pageSize;
    const { ListFlowOperationResultsCommand } = await loadSdk();
    // One controller per paginator: leaving it (a retry, a timeout, the end) aborts its requests in flight.
    const attempt = attemptController(state.signal);
    const paginator = paginateFlowResults(
      {
        client,
        Command: ListFlowOperationResultsCommand,
        ...(opts.pageSize === undefined ? {} : { pageSize: opts.pageSize }),
        startingToken: requestToken,
        withCommand: rawFlowsFor(client),
      },
      request,
      { abortSignal: attempt.controller.signal },
    );
    const pages = prefetching(paginator[Symbol.asyncIterator](), opts.prefetch);
    let restart = false;
    let failure: { error: unknown } | undefined;
    try {
      for (;;) {
        let next: IteratorResult<ListFlowOperationResultsCommandOutput>;
        try {
          next = await withTimeout(pages.next(), opts.retry.attemptTimeoutMs, () =>
            attempt.controller.abort(new AttemptTimeout(opts.retry.attemptTimeoutMs)),
          );
        } catch (error) {
          failure = { error };
          break;
        }
        policy.succeeded(Date.now());
        if (next.done) return;
        // The next page's request was just started (prefetch): let it reach the socket before this page
        // is processed. Its SDK middleware chain interleaves with our work in the same thread, so without
        // this turn every request left after the previous page's processing (measured: about 0.7 ms a
        // page at 50 ms latency, 1.4% of the paging time).
        if (opts.prefetch > 0) await new Promise<void>((resolve) => setImmediate(resolve));
        const page = next.value;
        const rawStatus: unknown = page.FlowOperationStatus;
        const status = rawStatus === undefined || rawStatus === null ? null : String(rawStatus);
        const statusMessage = page.StatusMessage ?? null;
        if (status === 'FAILED') {
          throw new NfwError(
            'NFW_OPERATION_FAILED',
            `flow operation ${input.FlowOperationId} FAILED: ${statusMessage ?? '(no status message)'}`,
            { value: statusMessage, emitted: state.summary.emitted },
          );
        }
        if (status === 'IN_PROGRESS') {
          if (!opts.wait) {
            throw new NfwError(
              'NFW_OPERATION_IN_PROGRESS',
              `flow operation ${input.FlowOperationId} is still IN_PROGRESS (wait is off)`,
              { value: status },
            );
          }
          yield* waitForOperation(client, input, opts, state, deadline, pollDelay, policy, resumePoint);
          pollDelay = Math.min(pollDelay * 1.5, MAX_POLL_INTERVAL);
          restart = true; // re-read this page now that the operation is done
          break;
        }
        if (status === 'COMPLETED_WITH_ERRORS' && !warned) {
          warned = true;
          yield {
            type: 'warning',
            warning: {
              code: 'NFW_OPERATION_INCOMPLETE',
              message: `flow operation ${input.FlowOperationId} COMPLETED_WITH_ERRORS: ${statusMessage ?? ''}`,
              page: pageIndex,
            },
          };
        }
        if ((status === null || !KNOWN_STATUSES.has(status)) && !statusWarned) {
          // Never taken for COMPLETED: the records may not be the whole state table.
          statusWarned = true;
          yield { type: 'summary', patch: { incomplete: true } };
          yield {
            type: 'warning',
            warning: {
              code: 'NFW_OPERATION_INCOMPLETE',
              message: `flow operation ${input.FlowOperationId}: ${status === null ? 'the response has no FlowOperationStatus' : `unknown FlowOperationStatus ${describeValue(status)}`}; the flows may be incomplete`,
              page: pageIndex,
            },
          };
        }
        const emitted = state.summary.emitted;
        const all: unknown = page.Flows ?? [];
        if (!Array.isArray(all)) {
          throw invalidResponse('Flows', `Flows is not an array: ${describeValue(all)}`, all, emitted);
        }
        if (all.length > pageSize) {
          throw invalidResponse(
            'Flows',
            `${all.length} flows on one page, more than MaxResults ${pageSize}`,
            all.length,
            emitted,
          );
        }
        const token = page.NextToken;
        if (token !== undefined) {
          if (usedTokens.has(token)) {
            throw invalidResponse(
              'NextToken',
              `NextToken ${describeValue(token)} was already used in this operation: paging on would go in a circle`,
              token,
              emitted,
            );
          }
          usedTokens.add(token);
          emptyPages = all.length === 0 ? emptyPages + 1 : 0;
          if (emptyPages > opts.maxEmptyPages) {
            throw invalidResponse(
              'Flows',
              `${emptyPages} pages in a row without flows, each with a new NextToken (the limit is maxEmptyPages ${opts.maxEmptyPages})`,
              emptyPages,
              emitted,
            );
          }
        }
        const context = contextOf(page, input);
        let flows: unknown[] = skip > 0 ? all.slice(skip) : all;
        let after = page.NextToken;
        let cut = false;
        if (flows.length > remaining) {
          // maxItems: keep the first `remaining` flows of this page; the rest stay for the resume token.
          cut = true;
          after = encodeResumeToken(requestToken, skip + remaining);
          flows = flows.slice(0, remaining);
        }
        remaining -= flows.length;
        const truncated = remaining === 0 && (cut || after !== undefined);
        const records: FlowRecord[] = [];
        const rejects: RejectedRecord[] = [];
        const failures: NfwError[] = [];
        for (let i = 0; i < flows.length; i++) {
          const raw = flows[i];
          try {
            records.push(normalize(raw, context));
          } catch (error) {
            if (!isNfwError(error)) throw error;
            failures.push(error);
            rejects.push(rejectedRecord(error, raw, pageIndex, i));
          }
        }
        yield {
          type: 'page',
          page: {
            index: pageIndex,
            records,
            rejects,
            flows,
            nextToken: after,
            status,
            statusMessage,
            context,
            truncated,
          },
          failures,
        };
        pageIndex++;
        resume = after;
        requestToken = page.NextToken;
        skip = 0;
        if (truncated) {
          yield { type: 'summary', patch: { truncated: true, resumeToken: after } };
          return;
        }
      }
    } finally {
      attempt.release();
      // Not awaited: a request that never settles must not hold the stream (its abort ends real ones).
      attempt.controller.abort();
      pages.return?.().catch(() => {});
    }
    if (failure !== undefined) {
      // The same request again: the paginator restarts at the token of the page that did not arrive.
      yield* backoff(failure.error, policy, 'ListFlowOperationResults', state, resumePoint());
      continue;
    }
    if (!restart) return;
  }
}

async function* waitForOperation(
  client: NetworkFirewallClient,
  input: FlowResultsInput,
  opts: ApiOptions,
  state: SourceState,
  deadline: number,
  firstDelay: number,
  policy: RetryPolicy,
  resumePoint: () => Resume,
): AsyncGenerator<PageItem, void> {
  let delay = firstDelay;
  for (;;) {
    const left = deadline - Date.now();
    if (left <= 0) {
      throw new NfwError(
        'NFW_WAIT_TIMEOUT',
        `flow operation ${input.FlowOperationId} was still IN_PROGRESS when waitTimeout ran out`,
        { field: 'waitTimeout' },
      );
    }
    await sleep(Math.min(delay, left), state.signal);
    delay = Math.min(delay * 1.5, MAX_POLL_INTERVAL);
    let out: { FlowOperationStatus?: string; StatusMessage?: string } | undefined;
    while (out === undefined) {
      const { DescribeFlowOperationCommand } = await loadSdk();
      const attempt = attemptController(state.signal);
      let failure: unknown;
      try {
        out = await withTimeout(
          client.send(new DescribeFlowOperationCommand({ ...input }), {
            abortSignal: attempt.controller.signal,
          }),
          opts.retry.attemptTimeoutMs,
          () => attempt.controller.abort(new AttemptTimeout(opts.retry.attemptTimeoutMs)),
        );
        policy.succeeded(Date.now());
      } catch (error) {
        failure = error;
      } finally {
        attempt.release();
      }
      if (out === undefined) yield* backoff(failure, policy, 'DescribeFlowOperation', state, resumePoint());
    }
    const status = out.FlowOperationStatus;
    const message = out.StatusMessage;
    if (status === 'FAILED') {
      throw new NfwError(
        'NFW_OPERATION_FAILED',
        `flow operation ${input.FlowOperationId} FAILED: ${message ?? '(no status message)'}`,
        { value: message ?? null, emitted: state.summary.emitted },
      );
    }
    if (status !== 'IN_PROGRESS') return;
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
