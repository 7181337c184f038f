/**
 * The full reliability campaign: `pnpm reliability [--runs N] [--seed S] [--cli-every K] [--fuzz N]
 * [--file-rounds N] [--huge-mb N] [--no-write]`. Runs the fault matrix (library and CLI level), the
 * parser/normalizer fuzz, the file-source fuzz with memory figures, and the CLI checks; prints the
 * tables and rewrites the figures section of RELIABILITY.md. Exit 1 when a fault-matrix run lost or
 * duplicated a row or ended differently than its scenario requires.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs as parseNodeArgs } from 'node:util';
import { deriveScenario, type RunResult, runScenario, summarize } from './campaign.js';
import {
  badFlagChecks,
  type CheckResult,
  outputFaultChecks,
  permissionChecks,
  secretChecks,
  workDirectory,
} from './cli-checks.js';
import { CLI_BUILT, CLI_PATH } from './cli-runner.js';
import { dataLossChecks } from './data-loss-checks.js';
import { type FileCaseResult, fuzzFiles, hostileFiles } from './file-fuzz.js';
import { type FuzzTarget, fuzzParsers } from './fuzz.js';
import { checksTable, fileFuzzTable, fuzzTable, matrixTable, replaceFigures } from './report.js';

export interface CampaignArgs {
  runs: number;
  seed: number;
  cliEvery: number;
  fuzz: number;
  fileRounds: number;
  hugeMb: number;
  write: boolean;
}

export function parseArgs(argv: string[]): CampaignArgs {
  const { values } = parseNodeArgs({
    args: argv,
    options: {
      runs: { type: 'string', default: '200' },
      seed: { type: 'string', default: '1' },
      'cli-every': { type: 'string', default: '5' },
      fuzz: { type: 'string', default: '100000' },
      'file-rounds': { type: 'string', default: '25' },
      'huge-mb': { type: 'string', default: '100' },
      'no-write': { type: 'boolean', default: false },
    },
  });
  const int = (name: string, text: string, min: number) => {
    const n = Number(text);
    if (!/^\d+$/.test(text) || n < min)
      throw new Error(`--${name} must be an integer >= ${min}, got ${text}`);
    return n;
  };
  return {
    runs: int('runs', values.runs, 1),
    seed: int('seed', values.seed, 0),
    cliEvery: int('cli-every', values['cli-every'], 0),
    fuzz: int('fuzz', values.fuzz, 4),
    fileRounds: int('file-rounds', values['file-rounds'], 1),
    hugeMb: int('huge-mb', values['huge-mb'], 1),
    write: !values['no-write'],
  };
}

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const command = `pnpm reliability --runs ${args.runs} --seed ${args.seed} --cli-every ${args.cliEvery} --fuzz ${args.fuzz} --file-rounds ${args.fileRounds} --huge-mb ${args.hugeMb}`;
  const started = Date.now();
  const work = workDirectory();
  const cliEvery = CLI_BUILT ? args.cliEvery : 0;
  if (!CLI_BUILT)
    log('reliability: the CLI is not built (packages/cli-export/dist/cli.js): library-level runs only');

  // 1. Fault matrix.
  const results: RunResult[] = [];
  for (let i = 0; i < args.runs; i++) {
    const scenario = deriveScenario(args.seed, i, { cliEvery });
    const r = await runScenario(scenario, { cliPath: CLI_PATH, workDir: work });
    results.push(r);
    const mark = r.violations.length === 0 ? 'ok' : `VIOLATION ${r.violations.join('; ')}`;
    log(
      `run ${i} ${r.level} [${r.faults.join('+') || 'none'}] flows=${r.flows} page=${r.pageSize} -> ${r.outcome} ` +
        `written=${r.rowsWritten} attempts=${r.attempts} ${r.ms} ms ${mark}`,
    );
  }
  const matrixMs = Date.now() - started;

  // 2. Parser / normalizer fuzz.
  const fuzzStart = Date.now();
  const fuzz: FuzzTarget[] = fuzzParsers({ perTarget: Math.ceil(args.fuzz / 4), seed: args.seed });
  const fuzzMs = Date.now() - fuzzStart;
  log(`fuzz: ${fuzz.reduce((n, t) => n + t.inputs, 0)} inputs in ${fuzzMs} ms`);

  // 3. File fuzz and hostile files.
  const fileStart = Date.now();
  const files: FileCaseResult[] = await fuzzFiles({ seed: args.seed, rounds: args.fileRounds, flows: 400 });
  const hostile = await hostileFiles({ depth: 10_000, hugeBytes: args.hugeMb * 1_000_000 });
  const fileMs = Date.now() - fileStart;
  log(`file fuzz: ${files.length} mutated files + ${hostile.length} hostile in ${fileMs} ms`);

  // 4. CLI checks.
  const checks: CheckResult[] = [];
  if (CLI_BUILT) {
    checks.push(...(await badFlagChecks(CLI_PATH, work)));
    checks.push(...(await outputFaultChecks(CLI_PATH, work)));
    checks.push(...(await secretChecks(CLI_PATH, work)));
    checks.push(...(await permissionChecks(CLI_PATH, work)));
    checks.push(...(await dataLossChecks(CLI_PATH, work)));
  }
  rmSync(work, { recursive: true, force: true });

  const totalMs = Date.now() - started;
  const sections = [
    `Command: \`${command}\` (Node ${process.version}, ${new Date().toISOString().slice(0, 10)}; total ${(totalMs / 1000).toFixed(0)} s).`,
    '',
    `### Fault matrix (${results.length} runs: ${results.filter((r) => r.level === 'library').length} library-level, ${results.filter((r) => r.level === 'cli').length} CLI-level; ${(matrixMs / 1000).toFixed(0)} s)`,
    '',
    matrixTable(summarize(results)),
    '',
    violationsText(results),
    '',
    `### Parser and normalizeFlow fuzz (${(fuzzMs / 1000).toFixed(1)} s)`,
    '',
    fuzzTable(fuzz),
    '',
    `### File-source fuzz (${files.length} mutated files, ${hostile.length} hostile inputs; ${(fileMs / 1000).toFixed(1)} s)`,
    '',
    fileFuzzTable(files, hostile),
    '',
    `### CLI checks (${checks.length})`,
    '',
    checks.length === 0 ? 'Not run: the CLI was not built.' : checksTable(checks),
  ];
  const text = sections.join('\n');
  process.stdout.write(`${text}\n`);
  mkdirSync(fileURLToPath(new URL('./out/', import.meta.url)), { recursive: true });
  writeFileSync(
    fileURLToPath(new URL('./out/results.json', import.meta.url)),
    JSON.stringify({ args, results, fuzz, files, hostile, checks }, null, 1),
  );
  if (args.write) {
    const path = fileURLToPath(new URL('../RELIABILITY.md', import.meta.url));
    writeFileSync(path, replaceFigures(readFileSync(path, 'utf8'), text));
    log('reliability: figures written to RELIABILITY.md');
  }
  const bad = results.filter((r) => r.violations.length > 0).length;
  return bad === 0 ? 0 : 1;
}

function violationsText(results: readonly RunResult[]): string {
  const bad = results.filter((r) => r.violations.length > 0);
  if (bad.length === 0) return 'Every run ended as its scenario requires; no row lost or duplicated.';
  return [
    `${bad.length} runs violated an invariant:`,
    '',
    ...bad
      .slice(0, 20)
      .map((r) => `- run ${r.index} (${r.level}, ${r.faults.join('+')}): ${r.violations.join('; ')}`),
  ].join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(
        `reliability: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
      process.exitCode = 2;
    },
  );
}
