import { describe, expect, test } from 'vitest';
import { loadScenarios, scenarioFiles } from './registry.js';
import { median, nodeMajor, sectionKey, updateBenchmarks } from './report.js';
import { parseArgs } from './run.js';
import { isMeasured } from './scenario.js';

// Keeps the benchmark working: every case of every scenario runs at a tiny size, in process.
const scenarios = await loadScenarios();

describe('bench smoke', () => {
  test('every file in bench/scenarios is a scenario with a unique name', () => {
    expect(scenarios).toHaveLength(scenarioFiles().length);
    expect(new Set(scenarios.map((s) => s.name)).size).toBe(scenarios.length);
  });

  for (const scenario of scenarios) {
    describe(scenario.name, () => {
      test('case names are unique and baselines exist', () => {
        const names = scenario.cases.map((c) => c.name);
        expect(new Set(names).size).toBe(names.length);
        for (const c of scenario.cases) if (c.baseline !== undefined) expect(names).toContain(c.baseline);
      });
      for (const benchCase of scenario.cases) {
        test(`${benchCase.name} runs at a tiny size`, async () => {
          const work = await benchCase.prepare(benchCase.items?.(200) ?? 200);
          const value = await work();
          expect(value).toBeDefined();
          if (isMeasured(value)) expect(value.check).toBeDefined();
        });
      }
      test('targets name cases of the scenario and yield a number', () => {
        const names = scenario.cases.map((c) => c.name);
        for (const target of scenario.targets ?? []) {
          const seen: string[] = [];
          const { value, text } = target.measure((name) => {
            seen.push(name);
            // Plausible medians: the case's own item count at the default size, time growing with it.
            const items = scenario.cases.find((c) => c.name === name)?.items?.(scenario.defaultSize) ?? 200;
            return { items, ms: 10 + items / 1000, cpuMs: 10 + items / 1000, maxRssMiB: 50 };
          });
          expect(Number.isFinite(value)).toBe(true);
          expect(text).not.toBe('');
          for (const name of seen) expect(names).toContain(name);
        }
      });
    });
  }

  test('parseArgs and the BENCHMARKS.md updater', () => {
    expect(parseArgs(['parse-address', '--runs', '5', '--no-write'])).toEqual({
      names: ['parse-address'],
      runs: 5,
      size: undefined,
      write: false,
    });
    expect(() => parseArgs(['--runs', '0'])).toThrow();
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    const first = updateBenchmarks(
      undefined,
      new Map([['b', '<!-- scenario:b -->\nB1\n<!-- /scenario:b -->']]),
    );
    const second = updateBenchmarks(first, new Map([['a', '<!-- scenario:a -->\nA\n<!-- /scenario:a -->']]));
    expect(second).toContain('B1');
    expect(second.indexOf('scenario:a')).toBeLessThan(second.indexOf('scenario:b'));
    const third = updateBenchmarks(second, new Map([['b', '<!-- scenario:b -->\nB2\n<!-- /scenario:b -->']]));
    expect(third).toContain('B2');
    expect(third).not.toContain('B1');
    expect(third).toContain('\nA\n');
  });

  test('sections are kept per Node major version; an older unversioned section takes its Machine line’s', () => {
    const old = '<!-- scenario:x -->\n## x\n\nMachine: m. Node v20.20.2. Command: `c`.\n<!-- /scenario:x -->';
    const node24 =
      '<!-- scenario:x@node24 -->\n## x (Node 24)\n\nMachine: m. Node v24.21.0. Command: `c`.\n<!-- /scenario:x@node24 -->';
    const both = updateBenchmarks(
      updateBenchmarks(undefined, new Map([['x', old]])),
      new Map([['x@node24', node24]]),
    );
    expect(both).toContain('<!-- scenario:x@node20 -->\n## x (Node 20)\n');
    expect(both).toContain('<!-- /scenario:x@node20 -->');
    expect(both.indexOf('scenario:x@node20')).toBeLessThan(both.indexOf('scenario:x@node24'));
    expect(sectionKey('x', nodeMajor('v24.21.0'))).toBe('x@node24');
    const rerun = updateBenchmarks(
      both,
      new Map([['x@node20', old.replaceAll('scenario:x', 'scenario:x@node20')]]),
    );
    expect(rerun.match(/scenario:x@node20 -->/g)).toHaveLength(2);
    expect(rerun).toContain('scenario:x@node24 -->');
  });
});
