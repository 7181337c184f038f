/**
 * CI slice of the file-source fuzz: mutated real capture files and hostile inputs (smaller than in the
 * campaign) give NFW_INVALID_INPUT with an offset, keep counts exact and memory bounded.
 */
import { Readable } from 'node:stream';
import { describe, expect, test } from 'vitest';
import { baseFile, fuzzFiles, hostileFiles, judge, readSource } from './file-fuzz.js';

describe('file source under mutated input', () => {
  test('every mutant of every shape meets the invariants', { timeout: 60_000 }, async () => {
    const results = await fuzzFiles({ seed: 11, rounds: 3, flows: 150 });
    expect(results.length).toBeGreaterThan(80);
    const bad = results.filter((r) => r.violations.length > 0);
    expect(bad.map((r) => `${r.name} ${r.mutation}: ${r.violations.join('; ')}`)).toEqual([]);
    const truncations = results.filter((r) => r.mutation.startsWith('truncate'));
    expect(truncations.every((r) => r.code === 'NFW_INVALID_INPUT' && typeof r.offset === 'number')).toBe(
      true,
    );
  });

  test('a truncated file never reads as complete, and its records before the cut are counted', async () => {
    const base = baseFile('jsonl', 120, 4);
    const clean = await readSource(Readable.from([base]));
    expect(clean.lines).toHaveLength(120);
    for (const cut of [1, 100, base.length >> 1, base.length - 3]) {
      const r = judge(
        'jsonl',
        `truncate@${cut}`,
        'invalid-input',
        await readSource(Readable.from([base.subarray(0, cut)])),
        clean.lines,
      );
      expect(r.violations).toEqual([]);
      expect(r.code).toBe('NFW_INVALID_INPUT');
      expect(r.emitted).toBeLessThanOrEqual(120);
    }
  });

  test('hostile inputs: 10K-deep nesting and an 8 MB string, bounded memory', {
    timeout: 60_000,
  }, async () => {
    const results = await hostileFiles({ depth: 10_000, hugeBytes: 8_000_000 });
    for (const r of results) {
      expect(r.violations).toEqual([]);
      expect(r.code).toBe('NFW_INVALID_INPUT');
      expect(r.peakHeapGrowth).toBeLessThan(64 * 2 ** 20);
    }
  });
});
