import { fc } from '@fast-check/vitest';
import type { FlowRecord } from '../../src/types.js';
import { record } from './records.js';

/**
 * Generated before/after captures for the diff tests: base flows that continue, end, restart or
 * have their counters go down, fresh flows, and extra flows sharing a base flow's key in either capture.
 */

export const T0 = Date.UTC(2026, 11, 4, 5, 0, 0, 250);

export type Fate = 'continuing' | 'ended' | 'restarted' | 'reset';
export const fate = fc.constantFrom<Fate>('continuing', 'ended', 'restarted', 'reset');

export const captureAt = (r: FlowRecord, ms: number, op: string): FlowRecord => ({
  ...r,
  flowOperationId: op,
  flowRequestTimestamp: new Date(ms),
});

export const capturePair = fc
  .record({
    base: fc.array(record(), { maxLength: 40 }),
    fates: fc.array(fate, { minLength: 40, maxLength: 40 }),
    growth: fc.array(fc.integer({ min: 0, max: 1_000_000 }), { minLength: 40, maxLength: 40 }),
    fresh: fc.array(record(), { maxLength: 20 }),
    intervalMs: fc.integer({ min: 0, max: 4_000_000 }),
    // Extra flows with the key of a base flow, in either capture.
    dupes: fc.array(
      fc.record({
        from: fc.nat(),
        toBefore: fc.boolean(),
        age: fc.option(fc.integer({ min: 0, max: 5000 })),
        bytes: fc.integer({ min: 0, max: 10_000 }),
      }),
      { maxLength: 12 },
    ),
  })
  .map(({ base, fates, growth, fresh, intervalMs, dupes }) => {
    const interval = intervalMs / 1000;
    const before = base.map((r) => captureAt(r, T0, 'op-before'));
    const after: FlowRecord[] = [];
    base.forEach((r, i) => {
      const f = fates[i]!;
      const g = growth[i]!;
      const grow = (v: number | null) => (v === null ? null : Math.min(v + g, Number.MAX_SAFE_INTEGER));
      const a = captureAt(r, T0 + intervalMs, 'op-after');
      if (f === 'ended') return;
      if (f === 'continuing') {
        a.ageSeconds =
          r.ageSeconds === null ? null : Math.min(r.ageSeconds + Math.floor(interval), 2 ** 32 - 1);
        a.packetCount = grow(r.packetCount);
        a.byteCount = grow(r.byteCount);
      } else if (f === 'restarted') {
        a.ageSeconds = Math.floor(g % Math.max(1, interval));
        a.packetCount = g % 1000;
        a.byteCount = g;
      } else {
        a.ageSeconds =
          r.ageSeconds === null ? null : Math.min(r.ageSeconds + Math.floor(interval), 2 ** 32 - 1);
        a.packetCount = r.packetCount === null ? null : Math.floor(r.packetCount / 2);
        a.byteCount = r.byteCount === null ? null : Math.floor(r.byteCount / 3);
      }
      after.push(a);
    });
    for (const r of fresh) after.push(captureAt(r, T0 + intervalMs, 'op-after'));
    if (base.length > 0) {
      for (const d of dupes) {
        const r = base[d.from % base.length]!;
        const copy = { ...r, ageSeconds: d.age, byteCount: d.bytes, packetCount: d.bytes >> 4 };
        if (d.toBefore) before.push(captureAt(copy, T0, 'op-before'));
        else after.push(captureAt(copy, T0 + intervalMs, 'op-after'));
      }
    }
    return { before, after, fates: fates.slice(0, base.length), interval };
  });
