/** The paging, waiting and retry flags of an API read, checked once. */
import type { RetryOptions } from '@nfw-flows/core';
import { DEFAULT_TIMEOUT_MS } from '../client.js';
import type { ApiReadOptions } from '../export/run-job.js';
import * as o from '../options.js';
import { UsageError } from '../usage-error.js';
import { booleanFlag, type Flags, stringFlag } from './flag-values.js';

/** setTimeout's limit. */
export const MAX_TIMER_MS = 2 ** 31 - 1;
/** The library's default largest backoff (retry.maxDelayMs). */
const DEFAULT_MAX_DELAY_MS = 20_000;

export function readOptions(flags: Flags): ApiReadOptions {
  const r: ApiReadOptions = { wait: flags.wait !== false, strict: booleanFlag(flags, 'strict') };
  const pageSize = o.integer(
    '--page-size',
    stringFlag(flags, 'pageSize'),
    1,
    100,
    'ListFlowOperationResults returns at most 100 flows per page',
  );
  if (pageSize !== undefined) r.pageSize = pageSize;
  const maxItems = o.integer('--max-items', stringFlag(flags, 'maxItems'), 1, Number.MAX_SAFE_INTEGER);
  if (maxItems !== undefined) r.maxItems = maxItems;
  const token = stringFlag(flags, 'startingToken');
  if (token !== undefined) {
    if (token === '')
      throw new UsageError('--starting-token', token, 'is empty', 'the NextToken printed by a previous run');
    r.startingToken = token;
  }
  const waitTimeout = o.durationMs('--wait-timeout', stringFlag(flags, 'waitTimeout'));
  if (waitTimeout !== undefined) r.waitTimeoutMs = waitTimeout;
  const poll = o.durationMs('--poll-interval', stringFlag(flags, 'pollInterval'));
  if (poll !== undefined) r.pollIntervalMs = poll;
  r.retry = retryOptions(flags);
  return r;
}

/**
 * --stall-timeout and the backoff, plus the attempt timeout: one API call (the SDK's own attempts
 * included) that runs longer than twice the connect and read timeouts is abandoned and retried, so a
 * server that drips its answer cannot hold the export (the read timeout only measures silences).
 */
function retryOptions(flags: Flags): RetryOptions {
  const ms = (flag: string, key: string): number | undefined => {
    const value = o.durationMs(flag, stringFlag(flags, key));
    if (value !== undefined && value > MAX_TIMER_MS)
      throw new UsageError(flag, stringFlag(flags, key), 'is too long', 'at most 24 days');
    return value;
  };
  const retry: RetryOptions = {};
  const stall = ms('--stall-timeout', 'stallTimeout');
  if (stall !== undefined) retry.stallTimeoutMs = stall;
  const base = ms('--retry-base-delay', 'retryBaseDelay');
  if (base !== undefined) retry.baseDelayMs = base;
  const max = ms('--retry-max-delay', 'retryMaxDelay');
  if (max !== undefined) retry.maxDelayMs = max;
  if ((max ?? DEFAULT_MAX_DELAY_MS) < (base ?? 0))
    throw new UsageError(
      '--retry-max-delay',
      stringFlag(flags, 'retryMaxDelay'),
      'is below --retry-base-delay',
    );
  const connect = ms('--cli-connect-timeout', 'cliConnectTimeout') ?? DEFAULT_TIMEOUT_MS;
  const read = ms('--cli-read-timeout', 'cliReadTimeout') ?? DEFAULT_TIMEOUT_MS;
  if (connect > 0 && read > 0) retry.attemptTimeoutMs = Math.min(2 * (connect + read), MAX_TIMER_MS);
  return retry;
}
