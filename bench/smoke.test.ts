import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { loadScenarios, scenarioFiles } from './registry.js';
import { MAX_FINDINGS, median, nodeMajor, sectionKey, updateBenchmarks } from './report.js';
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

  test('findings are standing ones: at most five, no dates or run log', () => {
    for (const scenario of scenarios) {
      const findings = scenario.findings ?? [];
      expect(findings.length, scenario.name).toBeLessThanOrEqual(MAX_FINDINGS);
      for (const text of [scenario.description, ...findings]) {
        expect(text, scenario.name).not.toMatch(/\b20\d\d-\d\d-\d\d\b|\b\d\d:\d\d\b|\bsession \w*\d/i);
      }
    }
  });

  test('BENCHMARKS.md says what the definitions say (after editing one: tsx bench/run.ts --render)', () => {
    const text = readFileSync(new URL('../BENCHMARKS.md', import.meta.url), 'utf8');
    expect(updateBenchmarks(text, new Map(), scenarios)).toBe(text);
  });

  test('parseArgs and the BENCHMARKS.md updater', () => {
    expect(parseArgs(['parse-address', '--runs', '5', '--no-write'])).toEqual({
      names: ['parse-address'],
      runs: 5,
      size: undefined,
      write: false,
      render: false,
    });
    expect(parseArgs(['--render']).render).toBe(true);
    expect(() => parseArgs(['--runs', '0'])).toThrow();
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    const section = (key: string, body: string) =>
      `<!-- scenario:${key} -->\n${body}\n<!-- /scenario:${key} -->`;
    const texts = [
      { name: 'a', description: 'About a.', findings: ['A limit.'] },
      { name: 'b', description: 'About b.' },
    ];
    const first = updateBenchmarks(undefined, new Map([['b@node20', section('b@node20', 'B1')]]), texts);
    expect(first).toContain('## a\n\nAbout a.\n\nNot measured yet.\n\n### Findings\n\n- A limit.');
    const second = updateBenchmarks(first, new Map([['a@node24', section('a@node24', 'A')]]), texts);
    expect(second).toContain('B1');
    expect(second.indexOf('scenario:a@node24')).toBeLessThan(second.indexOf('scenario:b@node20'));
    // The definition's text replaces what the file said; measured sections of other runs stay.
    const edited = [{ ...texts[0]!, findings: ['A new limit.'] }, texts[1]!];
    const third = updateBenchmarks(second, new Map([['b@node20', section('b@node20', 'B2')]]), edited);
    expect(third).toContain('B2');
    expect(third).not.toContain('B1');
    expect(third).toContain('\nA\n');
    expect(third).toContain('- A new limit.');
    expect(third).not.toContain('- A limit.');
  });

  test('sections are kept per Node major version, in version order', () => {
    const texts = [{ name: 'x', description: 'About x.' }];
    const node24 = '<!-- scenario:x@node24 -->\n### Node 24\n<!-- /scenario:x@node24 -->';
    const node20 = '<!-- scenario:x@node20 -->\n### Node 20\n<!-- /scenario:x@node20 -->';
    const both = updateBenchmarks(
      updateBenchmarks(undefined, new Map([['x@node24', node24]]), texts),
      new Map([['x@node20', node20]]),
      texts,
    );
    expect(both.indexOf('### Node 20')).toBeLessThan(both.indexOf('### Node 24'));
    expect(sectionKey('x', nodeMajor('v24.21.0'))).toBe('x@node24');
    const rerun = updateBenchmarks(both, new Map([['x@node20', node20]]), texts);
    expect(rerun.match(/scenario:x@node20 -->/g)).toHaveLength(2);
    expect(rerun).toContain('scenario:x@node24 -->');
    expect(rerun).toBe(both);
  });
});
