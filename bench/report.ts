import os from 'node:os';
import type { ChildResult } from './child.js';
import type { CaseStats, Scenario } from './scenario.js';

export interface CaseResult {
  caseName: string;
  baseline: string | undefined;
  size: number;
  runs: ChildResult[];
}

export interface ScenarioResult {
  scenario: Scenario;
  cases: CaseResult[];
}

export interface RunInfo {
  command: string;
  date: Date;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function machineLine(): string {
  const cpus = os.cpus();
  const memory = (os.totalmem() / 2 ** 30).toFixed(1);
  return `${cpus[0]?.model ?? 'unknown CPU'} (${cpus.length} cores), ${memory} GiB RAM, ${os.type()} ${os.release()} ${os.arch()}`;
}

function fixed(value: number, digits: number): string {
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** The markdown table of one scenario: one row per case, medians of its runs. */
export function scenarioTable(result: ScenarioResult): string {
  const { scenario } = result;
  const medians = new Map(result.cases.map((c) => [c.caseName, median(c.runs.map((r) => r.ms))]));
  const lines = [
    `| case | N | runs | median time | CPU time | per ${scenario.unit} | ${scenario.unit} throughput | speedup | peak RSS | input heap | detail |`,
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
  ];
  for (const c of result.cases) {
    const skipped = c.runs.find((r) => r.skipped !== undefined)?.skipped;
    if (skipped !== undefined) {
      lines.push(
        `| ${c.caseName} | ${c.size.toLocaleString('en-US')} | 0 | skipped |  |  |  |  |  |  | ${skipped} |`,
      );
      continue;
    }
    const ms = medians.get(c.caseName)!;
    const baseline = c.baseline === undefined ? undefined : medians.get(c.baseline);
    const speedup = baseline === undefined ? '' : `${fixed(baseline / ms, 1)}x vs ${c.baseline}`;
    const peak = Math.max(...c.runs.map((r) => r.maxRssKiB)) / 1024;
    const input = median(c.runs.map((r) => r.inputHeapKiB)) / 1024;
    const cpus = c.runs.flatMap((r) => (r.cpuMs === undefined ? [] : [r.cpuMs]));
    const cpu = cpus.length === 0 ? '' : `${fixed(median(cpus), 0)} ms`;
    const detail = c.runs.at(-1)?.detail ?? '';
    lines.push(
      `| ${c.caseName} | ${c.size.toLocaleString('en-US')} | ${c.runs.length} | ${fixed(ms, 1)} ms | ${cpu} | ${fixed((ms * 1e6) / c.size, 0)} ns | ${fixed((c.size / ms) * 1000, 0)}/s | ${speedup} | ${fixed(peak, 0)} MiB | ${fixed(input, 0)} MiB | ${detail} |`,
    );
  }
  return lines.join('\n');
}

/** Medians of a case for targets; throws for a name that is not a case of the scenario. */
export function caseStats(result: ScenarioResult, caseName: string): CaseStats {
  const c = result.cases.find((x) => x.caseName === caseName);
  if (!c) throw new Error(`${result.scenario.name}: a target names unknown case ${caseName}`);
  if (c.runs.some((r) => r.skipped !== undefined)) {
    return { items: c.size, ms: Number.NaN, cpuMs: Number.NaN, maxRssMiB: Number.NaN };
  }
  const cpus = c.runs.flatMap((r) => (r.cpuMs === undefined ? [] : [r.cpuMs]));
  return {
    items: c.size,
    ms: median(c.runs.map((r) => r.ms)),
    cpuMs: cpus.length === 0 ? Number.NaN : median(cpus),
    maxRssMiB: Math.max(...c.runs.map((r) => r.maxRssKiB)) / 1024,
  };
}

/** The verdict table of the scenario's targets (empty string when it has none). */
export function verdictTable(result: ScenarioResult): string {
  const targets = result.scenario.targets ?? [];
  if (targets.length === 0) return '';
  const lines = ['| target | measured | verdict |', '| --- | --- | --- |'];
  for (const t of targets) {
    const { value, text } = t.measure((name) => caseStats(result, name));
    const met = (t.max === undefined || value <= t.max) && (t.min === undefined || value >= t.min);
    // A case skipped on this machine (NaN medians) leaves its target unjudged, not met or missed.
    const verdict = Number.isNaN(value)
      ? 'skipped (see the table)'
      : met
        ? 'met'
        : `**not met**${t.whenMissed ? `: ${t.whenMissed}` : ''}`;
    lines.push(`| ${t.target} | ${text} | ${verdict} |`);
  }
  return lines.join('\n');
}

/** The Node major version of this process (sections are kept per scenario and Node major). */
export const nodeMajor = (version = process.version): number => Number(/^v?(\d+)/.exec(version)![1]);

/** Key of a scenario's section in BENCHMARKS.md: one per scenario and Node major version. */
export const sectionKey = (scenario: string, major = nodeMajor()): string => `${scenario}@node${major}`;

/**
 * The measured part of a scenario in BENCHMARKS.md: machine, table and verdicts of one run on one Node
 * major, between markers that the next run on that Node major replaces.
 */
export function scenarioSection(result: ScenarioResult, info: RunInfo): string {
  const name = sectionKey(result.scenario.name);
  const verdicts = verdictTable(result);
  return [
    `<!-- scenario:${name} -->`,
    `### Node ${nodeMajor()}`,
    '',
    `Machine: ${machineLine()}. Node ${process.version}. Command: \`${info.command}\`. Date: ${info.date.toISOString()}.`,
    `Load average (1 min) when the scenario finished: ${os.loadavg()[0]!.toFixed(1)}.`,
    '',
    scenarioTable(result),
    ...(verdicts === '' ? [] : ['', 'Targets (judged on the medians above):', '', verdicts]),
    `<!-- /scenario:${name} -->`,
  ].join('\n');
}

/** What BENCHMARKS.md takes from a scenario's definition (rewritten on every run, measured or not). */
export type ScenarioText = Pick<Scenario, 'name' | 'description' | 'findings'>;

/** Standing findings a scenario may list: the limit that keeps BENCHMARKS.md a reference, not a log. */
export const MAX_FINDINGS = 5;

const HEADER = `# Benchmarks

Generated by \`pnpm bench\` (all scenarios) or \`tsx bench/run.ts <scenario>...\` (only those); numbers are
measured here, never asserted in tests. Each scenario has:

- its description and its **findings**, written from its definition in \`bench/scenarios/\` (\`description\`,
  \`findings\`) on every run. Edit them there, then \`tsx bench/run.ts --render\` rewrites this file without
  measuring anything (\`bench/smoke.test.ts\` fails while the two disagree). A scenario keeps at most
  ${MAX_FINDINGS} standing findings: what limits it now, and what was tried and should not be tried again; no
  run log and no dates (history is in git);
- one measured section per Node major (between \`<!-- scenario:NAME@nodeN -->\` markers): the machine, the
  table of cases and the targets with their verdicts, as the last run on that Node major left them.

Each run is a fresh child process; times are the median of the runs, peak RSS the largest \`maxRSS\` of the
runs (the whole process, input included); "input heap" is the JS heap in use once the input is built and
garbage collected, before the timed work; "CPU time" is user + system CPU of the work (all threads); cases
marked "separate process" are measured from outside (GNU time: wall, CPU, peak RSS of that process, start-up
included). In-process cases carry the benchmark child's tsx loader and TypeScript sources (about 34 MiB of
RSS), so peak RSS targets are judged on the same pipeline run as a plain \`node\` script on the built
packages. Other work on the machine skews wall times: compare ratios within a section (cases are run
interleaved), CPU time and peak RSS.
`;

const SECTION = /<!-- scenario:([\w.-]+)@node(\d+) -->[\s\S]*?<!-- \/scenario:\1@node\2 -->/g;

/**
 * BENCHMARKS.md with these measured sections replaced (or added) and the others kept, under the text of
 * every scenario's definition. Sections of a scenario that no longer has a definition are kept.
 */
export function updateBenchmarks(
  previous: string | undefined,
  sections: Map<string, string>,
  scenarios: readonly ScenarioText[],
): string {
  const kept = new Map<string, string>();
  for (const match of previous?.matchAll(SECTION) ?? []) kept.set(`${match[1]}@node${match[2]}`, match[0]);
  for (const [key, section] of sections) kept.set(key, section);
  const byName = new Map<string, Array<{ major: number; text: string }>>();
  for (const [key, text] of kept) {
    const [name, node] = key.split('@node') as [string, string];
    byName.set(name, [...(byName.get(name) ?? []), { major: Number(node), text }]);
  }
  const names = [...new Set([...scenarios.map((s) => s.name), ...byName.keys()])].sort();
  const entries = names.map((name) => {
    const scenario = scenarios.find((s) => s.name === name);
    const measured = (byName.get(name) ?? []).sort((a, b) => a.major - b.major).map((s) => s.text);
    const findings = scenario?.findings ?? [];
    return [
      `## ${name}`,
      ...(scenario ? ['', scenario.description] : []),
      ...measured.flatMap((text) => ['', text]),
      ...(measured.length === 0 ? ['', 'Not measured yet.'] : []),
      ...(findings.length === 0 ? [] : ['', '### Findings', '', ...findings.map((f) => `- ${f}`)]),
    ].join('\n');
  });
  return `${HEADER}\n${entries.join('\n\n')}\n`;
}
