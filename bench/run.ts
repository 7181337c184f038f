/**
 * Benchmark runner: `tsx bench/run.ts [scenario...] [--runs N] [--size N] [--no-write] [--render]`.
 * Runs every case of the chosen scenarios (default: all of bench/scenarios/) in fresh child processes,
 * prints a table per scenario and updates BENCHMARKS.md. `--render` measures nothing: it rewrites
 * BENCHMARKS.md from the kept sections and the scenario definitions (descriptions, findings).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ChildResult } from './child.js';
import { loadScenario, loadScenarios, scenarioFiles } from './registry.js';
import {
  type ScenarioResult,
  scenarioSection,
  scenarioTable,
  sectionKey,
  updateBenchmarks,
  verdictTable,
} from './report.js';

interface Options {
  names: string[];
  runs: number;
  size: number | undefined;
  write: boolean;
  render: boolean;
}

export function parseArgs(argv: readonly string[]): Options {
  const options: Options = {
    names: [],
    runs: 3,
    size: undefined,
    write: true,
    render: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--runs' || arg === '--size') {
      const value = Number(argv[++i]);
      if (!Number.isInteger(value) || value < 1) throw new Error(`${arg} needs a positive integer`);
      if (arg === '--runs') options.runs = value;
      else options.size = value;
    } else if (arg === '--no-write') options.write = false;
    else if (arg === '--render') options.render = true;
    else if (arg.startsWith('--')) throw new Error(`unknown option ${arg}`);
    else options.names.push(arg);
  }
  return options;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const options = parseArgs(argv);
  if (options.runs < 3 && options.write && !options.render)
    console.warn('note: BENCHMARKS.md asks for at least 3 runs per case');
  const all = await loadScenarios();
  const scenarios = options.render ? [] : await loadScenarios(options.names);
  const files = new Map<string, string>();
  for (const file of scenarioFiles()) files.set((await loadScenario(file)).name, file);
  const childPath = fileURLToPath(new URL('./child.ts', import.meta.url));
  const command = `tsx bench/run.ts${argv.length > 0 ? ` ${argv.join(' ')}` : ''}`;
  const sections = new Map<string, string>();
  for (const scenario of scenarios) {
    const size = options.size ?? scenario.defaultSize;
    const result: ScenarioResult = {
      scenario,
      cases: scenario.cases.map((c) => ({
        caseName: c.name,
        baseline: c.baseline,
        size: c.items?.(size) ?? size,
        runs: [],
      })),
    };
    // Runs are interleaved (run 1 of every case, then run 2, ...) so that a case compared with its
    // baseline sees the same machine load.
    for (let run = 0; run < options.runs; run++) {
      for (const [index, benchCase] of scenario.cases.entries()) {
        if (run >= (benchCase.maxRuns ?? Number.POSITIVE_INFINITY)) continue;
        const out = execFileSync(
          process.execPath,
          [
            '--expose-gc',
            '--import',
            'tsx',
            childPath,
            files.get(scenario.name)!,
            benchCase.name,
            String(result.cases[index]!.size),
          ],
          { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 << 20 },
        );
        const child = JSON.parse(out.trim().split('\n').at(-1)!) as ChildResult;
        result.cases[index]!.runs.push(child);
        process.stderr.write(
          `${scenario.name} / ${benchCase.name}: run ${run + 1} ${child.ms.toFixed(1)} ms${child.cpuMs === undefined ? '' : `, CPU ${child.cpuMs.toFixed(0)} ms`}, peak RSS ${(child.maxRssKiB / 1024).toFixed(0)} MiB\n`,
        );
      }
    }
    console.log(`\n${scenario.name} (N = ${size.toLocaleString('en-US')})\n${scenarioTable(result)}\n`);
    const verdicts = verdictTable(result);
    if (verdicts !== '') console.log(`${verdicts}\n`);
    sections.set(sectionKey(scenario.name), scenarioSection(result, { command, date: new Date() }));
  }
  if (options.write) {
    const path = fileURLToPath(new URL('../BENCHMARKS.md', import.meta.url));
    writeFileSync(
      path,
      updateBenchmarks(existsSync(path) ? readFileSync(path, 'utf8') : undefined, sections, all),
    );
    console.log(`wrote ${path}`);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}
