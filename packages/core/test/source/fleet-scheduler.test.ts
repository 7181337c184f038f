import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { FleetScheduler, runScheduled } from '../../src/engine.js';

describe('FleetScheduler', () => {
  it('starts the first scope of each free queue, up to the concurrency', () => {
    const s = new FleetScheduler(['a', 'a', 'b', 'c'], 2);
    expect(s.take()).toEqual([0, 2]);
    expect(s.take()).toEqual([]);
    s.release(0); // a's operation ended: a is free, but both slots are still taken
    expect(s.take()).toEqual([]);
    s.finish(0, true);
    expect(s.take()).toEqual([1]);
    expect(s.counts()).toEqual({ waiting: 1, running: 2, exporting: 0, done: 1, failed: 0 });
    s.finish(2, false);
    expect(s.take()).toEqual([3]);
    s.finish(1, true);
    s.finish(3, true);
    expect(s.finished()).toBe(true);
    expect(s.counts()).toEqual({ waiting: 0, running: 0, exporting: 0, done: 3, failed: 1 });
  });

  it('lets the next scope of a queue start once the previous operation ended, while it is still read', () => {
    const s = new FleetScheduler(['a', 'a'], 4);
    expect(s.take()).toEqual([0]);
    s.release(0);
    expect(s.take()).toEqual([1]);
    expect(s.state(0)).toBe('exporting');
  });

  it('skips scopes a resumed run already holds', () => {
    const s = new FleetScheduler(['a', 'a'], 1);
    s.skip(0);
    expect(s.take()).toEqual([1]);
  });

  it('refuses a concurrency below 1 with NFW_INVALID_OPTION', () => {
    expect(() => new FleetScheduler(['a'], 0)).toThrow(
      expect.objectContaining({ code: 'NFW_INVALID_OPTION' }),
    );
  });

  test.prop([
    fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 12 }),
    fc.integer({ min: 1, max: 5 }),
    fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }),
    fc.integer({ min: 0, max: 1000 }),
  ])(
    'never runs two operations of one queue or more scopes than the concurrency at once',
    async (queues, concurrency, fails, seed) => {
      const scheduler = new FleetScheduler(
        queues.map((q) => `q${q}`),
        concurrency,
      );
      const holding = new Set<string>();
      let active = 0;
      let maxActive = 0;
      let step = seed;
      const tick = () => {
        step = (step * 7 + 3) % 5;
        return new Promise<void>((resolve) => setTimeout(resolve, step));
      };
      const seen: number[] = [];
      await runScheduled(scheduler, undefined, async (i, release) => {
        const q = `q${queues[i]}`;
        expect(holding.has(q)).toBe(false);
        holding.add(q);
        active++;
        maxActive = Math.max(maxActive, active);
        seen.push(i);
        try {
          await tick();
          if (fails[i]) throw new Error('scope failed');
          holding.delete(q);
          release();
          await tick();
        } finally {
          holding.delete(q);
          active--;
        }
      });
      expect(maxActive).toBeLessThanOrEqual(concurrency);
      expect([...seen].sort((a, b) => a - b)).toEqual(queues.map((_, i) => i));
      const c = scheduler.counts();
      expect(c.failed).toBe(queues.filter((_, i) => fails[i]).length);
      expect(c.done + c.failed).toBe(queues.length);
      // Within a queue, scopes start in the order given.
      for (const q of new Set(queues)) {
        const order = seen.filter((i) => queues[i] === q);
        expect(order).toEqual([...order].sort((a, b) => a - b));
      }
    },
  );
});
