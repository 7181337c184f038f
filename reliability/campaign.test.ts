/**
 * A fast seeded slice of the fault campaign (the full one is `pnpm reliability`): library-level runs
 * through every fault alone and mixed, and a few CLI runs with SIGKILL + --resume. Each run must end
 * as its scenario requires with every row exactly once.
 */
import { describe, expect, test } from 'vitest';
import { ALL_FAULTS, compareRows, deriveScenario, runScenario, summarize } from './campaign.js';
import { CLI_BUILT, CLI_PATH } from './cli-runner.js';

const SEED = 20260101;

describe('scenario derivation', () => {
  test('is a pure function of (seed, index)', () => {
    for (let i = 0; i < 50; i++) expect(deriveScenario(SEED, i)).toEqual(deriveScenario(SEED, i));
    expect(deriveScenario(SEED, 30)).not.toEqual(deriveScenario(SEED + 1, 30));
  });

  test('the first runs take each fault alone, later runs mix them', () => {
    const first = Array.from({ length: ALL_FAULTS.length + 1 }, (_, i) => deriveScenario(SEED, i).faults);
    expect(first).toEqual([[], ...ALL_FAULTS.map((f) => [f])]);
    const mixed = Array.from({ length: 200 }, (_, i) => deriveScenario(SEED, i)).filter(
      (s) => s.faults.length > 1,
    );
    expect(mixed.length).toBeGreaterThan(50);
    for (const f of ALL_FAULTS) expect(mixed.some((s) => s.faults.includes(f))).toBe(true);
  });

  test('compareRows counts lost and duplicated rows by multiset', () => {
    expect(compareRows(['a', 'b', 'b', 'c'], ['a', 'b', 'c', 'c'])).toEqual({
      lost: 1,
      duplicated: 1,
      inOrder: false,
    });
    expect(compareRows(['a', 'b'], ['a', 'b'])).toEqual({ lost: 0, duplicated: 0, inOrder: true });
  });
});

describe('library-level fault runs (flowResults + real SDK client + emulator)', () => {
  test('24 seeded runs: every row exactly once, or the expected terminal error', {
    timeout: 90_000,
  }, async () => {
    const results = [];
    for (let i = 0; i < 24; i++) {
      const s = deriveScenario(SEED, i, { level: 'library' });
      // Keep CI fast: the stall scenarios cost 2 s each; cap sizes.
      if (s.flows > 1500) s.flows = 1500;
      results.push(await runScenario(s));
    }
    for (const r of results)
      expect({ index: r.index, faults: r.faults, violations: r.violations }).toEqual({
        index: r.index,
        faults: r.faults,
        violations: [],
      });
    const total = summarize(results).at(-1)!;
    expect(total.lost).toBe(0);
    expect(total.duplicated).toBe(0);
    expect(total.injected).toBeGreaterThan(0);
  });
});

describe('CLI-level fault runs (built nfw-flows, SIGKILL then --resume)', () => {
  // `pnpm test` builds first; a checkout without a build says so here rather than failing obscurely.
  test('the CLI is built', () => {
    expect(CLI_BUILT, 'run `pnpm build` first').toBe(true);
  });

  test('4 seeded CLI runs with kills and network faults', { timeout: 100_000 }, async () => {
    const picked: number[] = [];
    for (let i = 20; picked.length < 4; i++) {
      const s = deriveScenario(SEED, i, { level: 'cli' });
      if (s.faults.includes('kill') && !s.faults.includes('stall') && s.flows <= 1200) picked.push(i);
    }
    // Both output kinds: NDJSON (text) and Arrow (its header carries the status).
    expect(new Set(picked.map((i) => deriveScenario(SEED, i, { level: 'cli' }).format))).toEqual(
      new Set(['ndjson', 'arrow']),
    );
    for (const i of picked) {
      const r = await runScenario(deriveScenario(SEED, i, { level: 'cli' }), { cliPath: CLI_PATH });
      // Strict: no stale temporary after success, a file under the final name after a kill only if
      // complete, and every --resume recovers.
      const violations = r.violations;
      expect({ index: i, violations }).toEqual({ index: i, violations: [] });
      expect(r.lost + r.duplicated).toBe(0);
    }
  });
});
