/**
 * The pure parts of `capture --every`: the duration parser, the cron-like tick computation with its
 * missed ticks, and the capture_time partition value.
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { durationMs } from '../src/options.js';
import { captureTimeValue, parseCaptureTime } from '../src/schedule/capture-time.js';
import { nextTick, tickTime } from '../src/schedule/next-tick.js';
import { MAX_EVERY_SECONDS, parseEvery } from '../src/schedule/parse-every.js';
import { UsageError } from '../src/usage-error.js';

const UNITS = [
  ['d', 86_400],
  ['h', 3_600],
  ['m', 60],
  ['s', 1],
] as const;

function usageErrorOf(value: string): UsageError | undefined {
  try {
    parseEvery(value);
  } catch (error) {
    return error as UsageError;
  }
  return undefined;
}

describe('parseEvery', () => {
  test.prop([
    fc.subarray([0, 1, 2, 3], { minLength: 1 }),
    fc.array(fc.integer({ min: 0, max: 99 }), { minLength: 4, maxLength: 4 }),
  ])('units in decreasing order add up; a bare number is seconds', (used, amounts) => {
    const text = used.map((u) => `${amounts[u]}${UNITS[u]![0]}`).join('');
    const seconds = used.reduce((t, u) => t + amounts[u]! * UNITS[u]![1], 0);
    if (seconds >= 1 && seconds <= MAX_EVERY_SECONDS) {
      expect(parseEvery(text)).toBe(seconds * 1000);
      expect(parseEvery(String(seconds))).toBe(seconds * 1000);
    } else {
      const e = usageErrorOf(text);
      expect(e).toBeInstanceOf(UsageError);
      expect([e!.flag, e!.value, e!.code]).toEqual(['--every', text, 'NFW_INVALID_OPTION']);
    }
  });

  test.prop([fc.string({ maxLength: 12 })])(
    'anything else is a usage error naming --every and the value',
    (text) => {
      const e = usageErrorOf(text);
      if (e === undefined) return; // a valid duration
      expect([e.flag, e.value, e.code]).toEqual(['--every', text, 'NFW_INVALID_OPTION']);
    },
  );

  test.each(['', '0', '0s', '5x', '1m1h', '1h1h', '-5s', '1.5m', '25h', '5 m', 'm', '1e3'])(
    'refuses %j',
    (text) => {
      expect(usageErrorOf(text)).toBeInstanceOf(UsageError);
    },
  );

  test.each([
    ['30s', 30_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['1h30m', 5_400_000],
    ['90', 90_000],
    ['1d', 86_400_000],
  ])('%s is %d ms', (text, ms) => {
    expect(parseEvery(text)).toBe(ms);
  });
});

describe('durationMs (the one duration syntax of every flag)', () => {
  test.each([
    ['0.5s', 500],
    ['200ms', 200],
    ['1m30s', 90_000],
    ['1h0m500ms', 3_600_500],
    ['2.5', 2_500],
  ])('%s is %d ms for the timeouts', (text, ms) => {
    expect(durationMs('--stall-timeout', text)).toBe(ms);
  });

  test.each(['soon', '1s1m', '5ms1s', '1.5.0s', ''])('refuses %j naming the flag', (text) => {
    expect(() => durationMs('--stall-timeout', text)).toThrow(
      expect.objectContaining({ flag: '--stall-timeout', value: text, code: 'NFW_INVALID_OPTION' }),
    );
  });
});

describe('nextTick', () => {
  const schedule = fc.record({
    start: fc.integer({ min: 0, max: 2 ** 40 }),
    interval: fc.integer({ min: 1, max: 10_000 }),
    previous: fc.integer({ min: 0, max: 1000 }),
    elapsed: fc.integer({ min: 0, max: 50_000 }),
  });

  test.prop([schedule])(
    'the next tick is due at or after now (or is the one right after); missed ones are exactly those due before now',
    ({ start, interval, previous, elapsed }) => {
      // The previous round started at its due time and ended `elapsed` later.
      const now = tickTime(start, interval, previous) + elapsed;
      const { tick, missed } = nextTick(start, interval, previous, now);
      expect(tick).toBeGreaterThan(previous);
      expect(tickTime(start, interval, tick)).toBeGreaterThanOrEqual(now);
      // Only the first tick not yet due: any later one would skip a tick still to come.
      if (tick > previous + 1) expect(tickTime(start, interval, tick - 1)).toBeLessThan(now);
      expect(missed).toEqual(Array.from({ length: tick - previous - 1 }, (_, i) => previous + 1 + i));
      for (const m of missed) expect(tickTime(start, interval, m)).toBeLessThan(now);
      // No drift: the due time depends on the tick number only.
      expect(tickTime(start, interval, tick) - start).toBe(tick * interval);
    },
  );

  test.prop([schedule])(
    'a round shorter than the interval misses nothing',
    ({ start, interval, previous, elapsed }) => {
      const now = tickTime(start, interval, previous) + (elapsed % interval);
      expect(nextTick(start, interval, previous, now)).toEqual({ tick: previous + 1, missed: [] });
    },
  );

  test.prop([
    fc.integer({ min: 0, max: 2 ** 40 }),
    fc.integer({ min: 1, max: 10_000 }),
    fc.integer({ min: 0, max: 10 ** 6 }),
  ])('the first tick runs at once, however late', (start, interval, late) => {
    expect(nextTick(start, interval, -1, start + late)).toEqual({ tick: 0, missed: [] });
  });
});

describe('capture_time values', () => {
  test.prop([fc.integer({ min: 0, max: 253402300798 })])(
    'ISO 8601 basic UTC to the second: round trips, no characters Hive escapes, text order is time order',
    (seconds) => {
      const value = captureTimeValue(seconds * 1000 + 999);
      expect(value).toMatch(/^\d{8}T\d{6}Z$/);
      expect(parseCaptureTime(value)).toBe(seconds * 1000);
      const later = captureTimeValue((seconds + 1) * 1000);
      expect(value < later).toBe(true);
    },
  );

  test('an example', () => {
    expect(captureTimeValue(Date.UTC(2026, 11, 4, 11, 15, 0, 500))).toBe('20261204T111500Z');
    expect(parseCaptureTime('20261304T111500Z')).toBeNull();
  });
});
