import { describeValue, NfwError } from '../errors.js';

/**
 * How `flowResults` rides out transient faults (throttling, 5xx, resets, timeouts, cut or unparseable
 * bodies). Each attempt is one `client.send` (with the SDK's own retries inside it); when it fails
 * transiently, the same request (the same NextToken) is sent again after a capped exponential backoff
 * with full jitter, until no page has arrived for `stallTimeoutMs`.
 */
export interface RetryOptions {
  /** Give up when no request has succeeded for this long, in ms; 0 never retries (default 300000). */
  stallTimeoutMs?: number;
  /** Backoff cap of the first retry, doubling per consecutive failure, in ms (default 500). */
  baseDelayMs?: number;
  /** Largest backoff cap, in ms (default 20000). */
  maxDelayMs?: number;
  /**
   * An attempt that has not settled after this long is abandoned (its request aborted) and counts as a
   * transient failure, in ms (default 120000): a `send` that never settles cannot hang the stream.
   */
  attemptTimeoutMs?: number;
}

export type NormalizedRetry = Required<RetryOptions>;

export const DEFAULT_RETRY: NormalizedRetry = {
  stallTimeoutMs: 300_000,
  baseDelayMs: 500,
  maxDelayMs: 20_000,
  attemptTimeoutMs: 120_000,
};

const MAX_MS = 2 ** 31 - 1;

export function normalizeRetryOptions(value: unknown): NormalizedRetry {
  if (value === undefined) return { ...DEFAULT_RETRY };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new NfwError('NFW_INVALID_OPTION', `retry must be an object, got ${describeValue(value)}`, {
      field: 'retry',
      value,
    });
  }
  const v = value as Record<string, unknown>;
  const out = { ...DEFAULT_RETRY };
  for (const key of Object.keys(v)) {
    if (!(key in DEFAULT_RETRY)) {
      throw new NfwError('NFW_INVALID_OPTION', `retry.${key} is not a retry option`, {
        field: `retry.${key}`,
        value: v[key],
      });
    }
    const n = v[key];
    if (n === undefined) continue;
    const min = key === 'attemptTimeoutMs' ? 1 : 0;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > MAX_MS) {
      throw new NfwError(
        'NFW_INVALID_OPTION',
        `retry.${key} must be an integer ${min}..${MAX_MS} (ms), got ${describeValue(n)}`,
        { field: `retry.${key}`, value: n },
      );
    }
    out[key as keyof NormalizedRetry] = n;
  }
  if (out.maxDelayMs < out.baseDelayMs) {
    throw new NfwError('NFW_INVALID_OPTION', 'retry.maxDelayMs must be at least retry.baseDelayMs', {
      field: 'retry.maxDelayMs',
      value: out.maxDelayMs,
    });
  }
  return out;
}

export type RetryDecision =
  /** Wait `delayMs`, then send the same request again; `attempt` counts consecutive failures from 1. */
  | { retry: true; attempt: number; delayMs: number; stalledMs: number }
  /** The stall budget is spent: give up with the last error. */
  | { retry: false; attempt: number; stalledMs: number };

/**
 * The backoff engine, without I/O: the caller reports successes and failures with the time, and gets
 * the delay of the next attempt (full jitter: uniform in [0, min(maxDelay, base * 2^(n-1))), never past
 * the stall deadline) or the verdict to give up.
 */
export class RetryPolicy {
  readonly #options: NormalizedRetry;
  readonly #random: () => number;
  #lastProgress: number;
  #failures = 0;

  constructor(options: NormalizedRetry, now: number, random: () => number = Math.random) {
    this.#options = options;
    this.#random = random;
    this.#lastProgress = now;
  }

  /** A request succeeded: the stall clock and the backoff start over. */
  succeeded(now: number): void {
    this.#lastProgress = now;
    this.#failures = 0;
  }

  failed(now: number): RetryDecision {
    const attempt = ++this.#failures;
    const stalledMs = Math.max(0, now - this.#lastProgress);
    const left = this.#options.stallTimeoutMs - stalledMs;
    if (left <= 0) return { retry: false, attempt, stalledMs };
    const { baseDelayMs, maxDelayMs } = this.#options;
    // 2^30 already exceeds any cap; larger exponents would only overflow to Infinity.
    const cap = Math.min(maxDelayMs, baseDelayMs * 2 ** Math.min(attempt - 1, 30));
    const delayMs = Math.min(Math.floor(this.#random() * cap), left);
    return { retry: true, attempt, delayMs, stalledMs };
  }
}
