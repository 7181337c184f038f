import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY, normalizeRetryOptions, RetryPolicy } from '../../src/source/retry-policy.js';

const opts = { stallTimeoutMs: 10_000, baseDelayMs: 100, maxDelayMs: 1000, attemptTimeoutMs: 5000 };

describe('RetryPolicy', () => {
  test.prop([fc.array(fc.double({ min: 0, max: 0.999999, noNaN: true }), { minLength: 1, maxLength: 20 })])(
    'full jitter: each delay is below min(maxDelay, base * 2^(n-1))',
    (draws) => {
      let i = 0;
      const policy = new RetryPolicy(opts, 0, () => draws[i++ % draws.length]!);
      for (let n = 1; n <= draws.length; n++) {
        const d = policy.failed(0);
        expect(d.retry).toBe(true);
        if (!d.retry) return;
        expect(d.attempt).toBe(n);
        expect(d.delayMs).toBeGreaterThanOrEqual(0);
        expect(d.delayMs).toBeLessThan(Math.min(1000, 100 * 2 ** (n - 1)));
      }
    },
  );

  it('the cap doubles up to maxDelay (random just below 1)', () => {
    const policy = new RetryPolicy(opts, 0, () => 0.9999999);
    const delays = Array.from({ length: 6 }, () => {
      const d = policy.failed(0);
      return d.retry ? d.delayMs : -1;
    });
    expect(delays).toEqual([99, 199, 399, 799, 999, 999]);
  });

  it('gives up once nothing succeeded for the stall budget, and never waits past it', () => {
    const policy = new RetryPolicy(opts, 1000, () => 0.9999999);
    expect(policy.failed(10_500)).toMatchObject({ retry: true, delayMs: 99, stalledMs: 9500 });
    const late = policy.failed(10_950);
    expect(late).toMatchObject({ retry: true, delayMs: 50 });
    expect(policy.failed(11_000)).toEqual({ retry: false, attempt: 3, stalledMs: 10_000 });
  });

  it('a success starts the stall clock and the backoff over', () => {
    const policy = new RetryPolicy(opts, 0, () => 0.9999999);
    policy.failed(9000);
    policy.failed(9500);
    policy.succeeded(9900);
    expect(policy.failed(19_000)).toMatchObject({ retry: true, attempt: 1, delayMs: 99 });
  });

  it('stallTimeoutMs 0 never retries', () => {
    const policy = new RetryPolicy({ ...opts, stallTimeoutMs: 0 }, 0);
    expect(policy.failed(0)).toEqual({ retry: false, attempt: 1, stalledMs: 0 });
  });
});

describe('normalizeRetryOptions', () => {
  it('defaults, and partial options over the defaults', () => {
    expect(normalizeRetryOptions(undefined)).toEqual(DEFAULT_RETRY);
    expect(normalizeRetryOptions({ stallTimeoutMs: 5 })).toEqual({ ...DEFAULT_RETRY, stallTimeoutMs: 5 });
  });

  it.each([
    [null, 'retry'],
    [{ stallTimeoutMs: -1 }, 'retry.stallTimeoutMs'],
    [{ baseDelayMs: 1.5 }, 'retry.baseDelayMs'],
    [{ attemptTimeoutMs: 0 }, 'retry.attemptTimeoutMs'],
    [{ maxDelayMs: 10, baseDelayMs: 20 }, 'retry.maxDelayMs'],
    [{ stallTimeout: 5 }, 'retry.stallTimeout'],
  ])('%j is NFW_INVALID_OPTION naming %s', (value, field) => {
    expect(() => normalizeRetryOptions(value)).toThrow(
      expect.objectContaining({ code: 'NFW_INVALID_OPTION', field }),
    );
  });
});
