/**
 * The fault campaign engine. `deriveScenario(seed, index)` is a pure function: the same seed and run
 * index give the same scenario (faults, sizes, page size, kill points) on every machine. `runScenario`
 * executes it against a fresh emulator, either at the library level (flowResults with the real SDK
 * client, riding out network faults with its retry policy and resuming after an abort from the last
 * page boundary; an NFW_PAGINATION_FAILED is a violation) or at the CLI
 * level (the built `nfw-flows export`, SIGKILL then `--resume`), and returns one result row: rows in
 * the capture, rows the emulator sent, rows written, lost, duplicated, and every violated invariant.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ndjsonLineFormatter } from '../packages/core/src/engine.js';
import {
  encodeArrow,
  type FlowContext,
  type FlowRecord,
  flowResults,
  isNfwError,
  normalizeFlow,
} from '../packages/core/src/index.js';
import {
  type Emulator,
  type FaultOptions,
  type OperationInfo,
  type OperationSpec,
  startEmulator,
} from '../packages/fixtures/src/index.js';
import { type CliRun, runCli, SECRETS } from './cli-runner.js';
import { createRandom } from './random.js';
import { createClient } from './sdk.js';

/** Faults a scenario can combine. Network faults are rates/schedules of the emulator; status faults
 *  set the operation's outcome; `kill` interrupts the consumer (abort) or the CLI process (SIGKILL). */
export const NETWORK_FAULTS = ['throttle', 'error', 'reset', 'cut', 'stall'] as const;
export const STATUS_FAULTS = ['inProgressTimeout', 'failed', 'completedWithErrors'] as const;
export type FaultName = (typeof NETWORK_FAULTS)[number] | (typeof STATUS_FAULTS)[number] | 'kill';
export const ALL_FAULTS: readonly FaultName[] = [...NETWORK_FAULTS, ...STATUS_FAULTS, 'kill'];

/** Rates from the issue: throttling 1 in 5, 5xx 1 in 7, reset 1 in 13; cut bodies 1 in 10. */
export const RATES = { throttle: 1 / 5, error: 1 / 7, reset: 1 / 13, cut: 1 / 10 } as const;
export const STALL_MS = 2000;

export type Level = 'library' | 'cli';

export interface Scenario {
  seed: number;
  index: number;
  level: Level;
  /** 'single': one fault alone (or none); 'mixed': a random combination. */
  mode: 'single' | 'mixed' | 'clean';
  faults: FaultName[];
  flows: number;
  pageSize: number;
  prefetch: number;
  /** Request numbers (1-based, ListFlowOperationResults) that stall for STALL_MS. */
  stallRequests: number[];
  /** Client request timeout: below STALL_MS the stall becomes a TimeoutError (retried); above, a delay. */
  requestTimeoutMs: number;
  /** Library: records read before each abort. CLI: result pages served (since the attempt began) before
   *  each SIGKILL; a negative value -t means "after t ms" (a kill during startup). */
  kills: number[];
  faultSeed: number;
  /** CLI output format: NDJSON (the line spool) or Arrow (the Arrow spool), every other CLI run. */
  format: CliFormat;
}

export type CliFormat = 'ndjson' | 'arrow';

export interface RunResult {
  index: number;
  level: Level;
  mode: Scenario['mode'];
  faults: FaultName[];
  flows: number;
  pageSize: number;
  /** What ended the run: 'complete' (all rows), or the expected terminal error code. */
  outcome: string;
  attempts: number;
  /** Faults the emulator injected (by kind) plus kills performed. */
  injected: Record<string, number>;
  /** Rows a correct run returns: the operation's flows, or 0 when the scenario must fail. */
  rowsCapture: number;
  /** Rows in result pages the emulator fully sent (re-sent pages counted again). */
  rowsSent: number;
  rowsWritten: number;
  lost: number;
  duplicated: number;
  violations: string[];
  ms: number;
}

export interface ScenarioOptions {
  /** Make every `cliEvery`-th run a CLI run (0: library only). */
  cliEvery?: number;
  /** Force one level. */
  level?: Level;
}

/** The scenario of run `index` under `seed`: a pure function of its arguments. */
export function deriveScenario(seed: number, index: number, options: ScenarioOptions = {}): Scenario {
  const rng = createRandom(seed, index);
  const level: Level =
    options.level ??
    (options.cliEvery && index % options.cliEvery === options.cliEvery - 1 ? 'cli' : 'library');
  const singles: (FaultName | 'none')[] = ['none', ...ALL_FAULTS];
  let mode: Scenario['mode'];
  let faults: FaultName[];
  // The first runs of a campaign walk through each fault alone; then mixed runs, with some singles.
  if (index < singles.length || rng.chance(0.25)) {
    const one = index < singles.length ? singles[index]! : rng.pick(singles);
    faults = one === 'none' ? [] : [one];
    mode = one === 'none' ? 'clean' : 'single';
  } else {
    mode = 'mixed';
    faults = NETWORK_FAULTS.filter((f) => (f === 'stall' ? rng.chance(0.25) : rng.chance(0.6)));
    if (rng.chance(0.3)) faults.push(rng.pick(STATUS_FAULTS));
    if (rng.chance(level === 'cli' ? 0.7 : 0.5)) faults.push('kill');
    if (faults.length === 0) faults.push(rng.pick(NETWORK_FAULTS));
  }
  const pageSize = rng.pick([1, 3, 10, 37, 50, 99, 100, rng.int(1, 100)]);
  const maxPages = level === 'cli' ? 40 : 150;
  let flows = rng.pick([
    0,
    1,
    pageSize,
    pageSize + 1,
    rng.int(1, 2500),
    rng.int(1, 2500),
    rng.int(100, 6000),
  ]);
  if (Math.ceil(flows / pageSize) > maxPages)
    flows = pageSize * rng.int(1, maxPages) - rng.int(0, pageSize - 1);
  const pages = Math.max(1, Math.ceil(flows / pageSize));
  const stallRequests = faults.includes('stall') ? [rng.int(1, pages)] : [];
  const kills: number[] = [];
  if (faults.includes('kill')) {
    const n = rng.int(1, 3);
    for (let k = 0; k < n; k++) {
      if (level === 'library') kills.push(rng.int(0, flows));
      else kills.push(rng.chance(0.2) ? -rng.int(50, 700) : rng.int(0, pages));
    }
    if (level === 'library') kills.sort((a, b) => a - b);
  }
  return {
    seed,
    index,
    level,
    mode,
    faults,
    flows,
    pageSize,
    prefetch: rng.pick([0, 1, 1, 2, 5]),
    stallRequests,
    requestTimeoutMs: rng.chance(0.6) ? 800 : 5000,
    kills,
    faultSeed: rng.int(1, 2 ** 31 - 1),
    // From the index alone (the random stream of earlier campaigns is unchanged).
    format: Math.floor(index / (options.cliEvery || 1)) % 2 === 0 ? 'ndjson' : 'arrow',
  };
}

const FIREWALL_ARN = 'arn:aws:network-firewall:us-east-1:123456789012:firewall/reliability';
const AZ = 'us-east-1a';

function operationSpec(s: Scenario): OperationSpec {
  const spec: OperationSpec = { firewallArn: FIREWALL_ARN, availabilityZone: AZ, flows: s.flows };
  if (s.faults.includes('failed')) {
    spec.status = 'FAILED';
    spec.statusMessage = 'Flow operation failed (injected)';
  } else if (s.faults.includes('completedWithErrors')) {
    spec.status = 'COMPLETED_WITH_ERRORS';
    spec.statusMessage = 'Some flows could not be captured (injected)';
  }
  if (s.faults.includes('inProgressTimeout')) spec.completeAfterMs = Number.POSITIVE_INFINITY;
  return spec;
}

export function faultOptions(s: Scenario): FaultOptions {
  const f: FaultOptions = { seed: s.faultSeed };
  if (s.faults.includes('throttle')) f.throttleRate = RATES.throttle;
  if (s.faults.includes('error')) f.errorRate = RATES.error;
  if (s.faults.includes('reset')) f.resetRate = RATES.reset;
  if (s.faults.includes('cut')) f.cutBodyRate = RATES.cut;
  if (s.stallRequests.length > 0) {
    f.stallMs = STALL_MS;
    f.failRequests = s.stallRequests.map((request) => ({ request, kind: 'stall' as const }));
  }
  return f;
}

/** The terminal outcome a scenario must end with. */
export function expectedOutcome(s: Scenario): string {
  if (s.faults.includes('failed')) return 'NFW_OPERATION_FAILED';
  if (s.faults.includes('inProgressTimeout')) return 'NFW_WAIT_TIMEOUT';
  return 'complete';
}

/** Canonical line of a record: the NDJSON line of schema v1 (every column, exact counters). */
const canonicalLine = ndjsonLineFormatter().format;

export function contextOf(op: OperationInfo): FlowContext {
  return {
    firewallArn: op.firewallArn,
    availabilityZone: op.availabilityZone ?? null,
    vpcEndpointId: op.vpcEndpointId ?? null,
    vpcEndpointAssociationArn: op.vpcEndpointAssociationArn ?? null,
    flowOperationId: op.flowOperationId,
    flowRequestTimestamp: new Date(Math.round(op.timestamp * 1000)),
  };
}

/** What a clean run returns: every flow of the operation, normalized independently of the stream. */
export function expectedLines(op: OperationInfo, outcome: string): string[] {
  if (outcome !== 'complete') return [];
  const context = contextOf(op);
  const lines: string[] = [];
  for (let i = 0; i < op.flows.count; i++)
    lines.push(canonicalLine(normalizeFlow(op.flows.flowAt(i), context)));
  return lines;
}

/**
 * A row of an Arrow file as a line: its JSON (counters as decimal text). Expected rows of an Arrow
 * output are the records toArrow writes, read back the same way: the comparison is about which rows
 * are there (lost, duplicated, order), the values themselves are the serializer tests' concern.
 */
const fromCore = createRequire(new URL('../packages/core/package.json', import.meta.url));
export function arrowLines(bytes: Uint8Array): string[] {
  const arrow = fromCore('apache-arrow') as {
    tableFromIPC(b: Uint8Array): { toArray(): { toJSON(): Record<string, unknown> }[] };
  };
  return arrow
    .tableFromIPC(bytes)
    .toArray()
    .map((r) => JSON.stringify(r.toJSON(), (_k, v) => (typeof v === 'bigint' ? v.toString() : v)));
}

/** expectedLines, or for an Arrow output the rows of an Arrow file of the same records. */
export function expectedRows(op: OperationInfo, outcome: string, format: CliFormat): string[] {
  if (format === 'ndjson' || outcome !== 'complete') return expectedLines(op, outcome);
  const context = contextOf(op);
  const records: FlowRecord[] = [];
  for (let i = 0; i < op.flows.count; i++) records.push(normalizeFlow(op.flows.flowAt(i), context));
  return arrowLines(Buffer.concat([...encodeArrow(records, { format: 'file' })]));
}

/** The rows of a CLI output file as lines (see expectedRows). */
function writtenRows(file: string, format: CliFormat): string[] {
  if (format === 'arrow') return arrowLines(readFileSync(file));
  const text = readFileSync(file, 'utf8');
  return text === '' ? [] : text.split(/(?<=\n)/);
}

/** Lost and duplicated rows by multiset difference, plus whether the order is the API's. */
export function compareRows(
  expected: readonly string[],
  written: readonly string[],
): { lost: number; duplicated: number; inOrder: boolean } {
  const counts = new Map<string, number>();
  for (const line of expected) counts.set(line, (counts.get(line) ?? 0) + 1);
  let duplicated = 0;
  for (const line of written) {
    const left = counts.get(line) ?? 0;
    if (left > 0) counts.set(line, left - 1);
    else duplicated++;
  }
  let lost = 0;
  for (const left of counts.values()) lost += left;
  const inOrder = expected.length === written.length && expected.every((line, i) => line === written[i]);
  return { lost, duplicated, inOrder };
}

function injectedOf(emulator: Emulator, kills: number): Record<string, number> {
  const { latency: _latency, ...faults } = emulator.stats().faults;
  return { ...faults, kill: kills };
}

export interface RunContext {
  /** Absolute path of the built CLI entry (packages/cli-export/bin/nfw-flows.js). */
  cliPath?: string;
  /** Directory for CLI outputs (a fresh subdirectory per run). */
  workDir?: string;
}

export async function runScenario(s: Scenario, ctx: RunContext = {}): Promise<RunResult> {
  const started = Date.now();
  const emulator = await startEmulator({ seed: s.seed ^ s.index, operations: [operationSpec(s)] });
  try {
    emulator.setFaults(faultOptions(s));
    const op = emulator.operations()[0]!;
    const outcome = expectedOutcome(s);
    const expected = expectedRows(op, outcome, s.level === 'cli' ? s.format : 'ndjson');
    const run =
      s.level === 'library' ? await runLibrary(s, emulator, op) : await runCliScenario(s, emulator, op, ctx);
    const { lost, duplicated, inOrder } = compareRows(expected, run.written);
    const violations = [...run.violations];
    if (run.outcome !== outcome) violations.push(`ended with ${run.outcome}, expected ${outcome}`);
    if (!inOrder && lost === 0 && duplicated === 0) violations.push('rows out of API order');
    if (lost > 0) violations.push(`${lost} rows lost`);
    if (duplicated > 0) violations.push(`${duplicated} rows duplicated`);
    const stats = emulator.stats();
    return {
      index: s.index,
      level: s.level,
      mode: s.mode,
      faults: s.faults,
      flows: s.flows,
      pageSize: s.pageSize,
      outcome: run.outcome,
      attempts: run.attempts,
      injected: injectedOf(emulator, run.kills),
      rowsCapture: expected.length,
      rowsSent: stats.flowsServed,
      rowsWritten: run.written.length,
      lost,
      duplicated,
      violations,
      ms: Date.now() - started,
    };
  } finally {
    await emulator.close();
  }
}

interface Execution {
  outcome: string;
  written: string[];
  attempts: number;
  kills: number;
  violations: string[];
}

const MAX_ATTEMPTS = 200;

/** A tiny backoff keeps runs fast; the stall budget stays the default. */
const FAST_BACKOFF = { baseDelayMs: 1, maxDelayMs: 10 };
const FAST_BACKOFF_FLAGS = ['--retry-base-delay', '1ms', '--retry-max-delay', '10ms'];

/**
 * A careful library consumer: it keeps records only up to the last page boundary it has fully read
 * (the 'page' event fires when the page's records are pushed, which may be before the consumer read
 * them, so the boundary is the `emitted` count at that event), and resumes from that page's nextToken
 * after NFW_PAGINATION_FAILED or an abort (our "kill").
 */
async function runLibrary(s: Scenario, emulator: Emulator, op: OperationInfo): Promise<Execution> {
  const client = await createClient(emulator.endpoint, {
    maxAttempts: 3,
    requestTimeoutMs: s.requestTimeoutMs,
  });
  const written: string[] = [];
  const violations: string[] = [];
  let token: string | undefined;
  /** A committed page with no nextToken was the last one: resuming from `undefined` would start over. */
  let finished = false;
  let kills = 0;
  let killIndex = 0;
  let attempts = 0;
  try {
    for (;;) {
      attempts++;
      if (attempts > MAX_ATTEMPTS) {
        violations.push(`no completion after ${MAX_ATTEMPTS} attempts`);
        return { outcome: 'gave up', written, attempts, kills, violations };
      }
      const controller = new AbortController();
      const stream = flowResults(
        client,
        { FirewallArn: op.firewallArn, FlowOperationId: op.flowOperationId, AvailabilityZone: AZ },
        {
          pageSize: s.pageSize,
          prefetch: s.prefetch,
          signal: controller.signal,
          waitTimeout: 300,
          pollInterval: 20,
          // The default stall budget (5 minutes) with a tiny backoff: faults at full rates are ridden out.
          retry: FAST_BACKOFF,
          ...(token === undefined ? {} : { startingToken: token }),
        },
      );
      const pending: string[] = [];
      const marks: { emitted: number; nextToken: string | undefined }[] = [];
      let read = 0;
      let incomplete = false;
      let warned = false;
      stream.on('page', (info) =>
        marks.push({ emitted: stream.summary().emitted, nextToken: info.nextToken }),
      );
      stream.on('warning', (w) => {
        if (w.code === 'NFW_OPERATION_INCOMPLETE') warned = true;
      });
      stream.on('reject', (r) => violations.push(`record rejected: ${r.code} ${String(r.field)}`));
      stream.on('summary', (sum) => {
        incomplete = sum.incomplete;
      });
      const commit = () => {
        while (marks.length > 0 && marks[0]!.emitted <= read) {
          const mark = marks.shift()!;
          const take = mark.emitted - (read - pending.length);
          written.push(...pending.splice(0, take));
          token = mark.nextToken;
          if (token === undefined) finished = true;
        }
      };
      try {
        for await (const record of stream as AsyncIterable<FlowRecord>) {
          pending.push(canonicalLine(record));
          read++;
          commit();
          while (killIndex < s.kills.length && written.length + pending.length >= s.kills[killIndex]!) {
            killIndex++;
            kills++;
            controller.abort(new Error('campaign kill'));
          }
        }
        commit();
        if (pending.length > 0) violations.push(`${pending.length} records after the last page event`);
        if (s.faults.includes('completedWithErrors') && (!incomplete || (!warned && attempts === 1))) {
          violations.push('COMPLETED_WITH_ERRORS not reported (summary.incomplete / warning)');
        }
        return { outcome: 'complete', written, attempts, kills, violations };
      } catch (error) {
        commit();
        if (!isNfwError(error)) {
          violations.push(`non-NfwError thrown: ${String(error)}`);
          return { outcome: 'crash', written, attempts, kills, violations };
        }
        if (finished) return { outcome: 'complete', written, attempts, kills, violations };
        if (error.code === 'NFW_ABORTED') continue;
        if (error.code === 'NFW_PAGINATION_FAILED') {
          // Network faults are transient and pages keep arriving: the retry policy must ride them out.
          violations.push(`NFW_PAGINATION_FAILED under transient faults: ${error.message}`);
          if (error.nextToken !== token)
            violations.push(`error nextToken ${error.nextToken} != last page token ${token}`);
          if (error.emitted !== read)
            violations.push(`error emitted ${error.emitted} != records read ${read}`);
          continue;
        }
        return { outcome: error.code, written, attempts, kills, violations };
      }
    }
  } finally {
    client.destroy();
  }
}

/** Every file under `dir` (recursive), as paths relative to it. */
function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (sub: string) => {
    for (const name of readdirSync(path.join(dir, sub))) {
      const rel = path.join(sub, name);
      if (statSync(path.join(dir, rel)).isDirectory()) walk(rel);
      else out.push(rel);
    }
  };
  walk('');
  return out.sort();
}

/** Fails when a distinctive fake credential appears in any output or file of the run. */
export function secretLeaks(texts: string[], dir: string): string[] {
  const leaks: string[] = [];
  const check = (where: string, text: string) => {
    for (const secret of SECRETS) if (text.includes(secret)) leaks.push(`${where} contains a credential`);
  };
  for (const [i, t] of texts.entries()) check(`output ${i}`, t);
  for (const file of listFiles(dir)) check(file, readFileSync(path.join(dir, file), 'latin1'));
  return leaks;
}

async function runCliScenario(
  s: Scenario,
  emulator: Emulator,
  op: OperationInfo,
  ctx: RunContext,
): Promise<Execution> {
  if (ctx.cliPath === undefined) throw new Error('CLI scenario without cliPath');
  const dir = mkdtempSync(path.join(ctx.workDir ?? tmpdir(), `run-${s.index}-`));
  const name = `flows.${s.format}`;
  const statusName = `${name}.nfw-status.json`;
  const out = path.join(dir, name);
  const violations: string[] = [];
  const args = [
    'export',
    '--endpoint-url',
    emulator.endpoint,
    '--region',
    'us-east-1',
    '--firewall-arn',
    op.firewallArn,
    '--flow-operation-id',
    op.flowOperationId,
    '--availability-zone',
    AZ,
    '--page-size',
    String(s.pageSize),
    '--out',
    out,
    '--format',
    s.format,
    '--wait-timeout',
    '1',
    '--poll-interval',
    '100ms',
    ...FAST_BACKOFF_FLAGS,
  ];
  let kills = 0;
  let attempts = 0;
  try {
    for (;;) {
      attempts++;
      if (attempts > 40) {
        violations.push('no completion after 40 CLI attempts');
        return { outcome: 'gave up', written: [], attempts, kills, violations };
      }
      const kill = kills < s.kills.length ? s.kills[kills]! : undefined;
      const pagesBefore = emulator.stats().pages;
      const run: CliRun = await runCli(ctx.cliPath, attempts === 1 ? args : [...args, '--resume'], {
        cwd: dir,
        killWhen:
          kill === undefined
            ? undefined
            : kill < 0
              ? { afterMs: -kill }
              : { poll: () => emulator.stats().pages - pagesBefore >= kill },
      });
      violations.push(...secretLeaks([run.stdout, run.stderr], dir));
      if (run.killed) kills++;
      const files = listFiles(dir);
      const finished = run.exitCode === 0 || run.exitCode === 3;
      if (!finished) {
        if (run.killed) {
          // The data file's rename is the commit point: after a kill, a file under the final name
          // must be the complete data (its status file, if any, saying what the exit would have).
          if (files.includes(name)) {
            const rows = writtenRows(out, s.format);
            const { lost, duplicated } = compareRows(expectedRows(op, expectedOutcome(s), s.format), rows);
            if (lost + duplicated > 0)
              violations.push(
                `an incomplete file under the final name after SIGKILL (${lost} lost, ${duplicated} duplicated)`,
              );
            if (files.includes(statusName)) {
              const code = s.faults.includes('completedWithErrors') ? 3 : 0;
              violations.push(...statusFileViolations(path.join(dir, statusName), code, s.faults));
            }
          } else if (files.includes(statusName))
            violations.push('a status file without its data after SIGKILL');
        } else if (files.includes(name) || files.includes(statusName))
          violations.push(`a file under the final name after exit ${run.exitCode}`);
        if (!run.killed) {
          const lines = run.stderr
            .trim()
            .split('\n')
            .filter((l) => l.startsWith('nfw-flows'));
          if (run.exitCode !== 1)
            violations.push(`exit ${run.exitCode} (expected 1 on failure): ${lines.at(-1) ?? ''}`);
          if (!s.faults.includes('failed') && !s.faults.includes('inProgressTimeout'))
            violations.push(
              `exit ${run.exitCode} under transient faults (expected to ride them out): ${lines.at(-1) ?? ''}`,
            );
          if (lines.length === 0) violations.push('failure without an nfw-flows error line on stderr');
          const last = run.stderr.trim().split('\n').at(-1) ?? '';
          if (/NFW_OPERATION_FAILED|FAILED:/.test(last) && s.faults.includes('failed'))
            return { outcome: 'NFW_OPERATION_FAILED', written: [], attempts, kills, violations };
          if (/NFW_WAIT_TIMEOUT/.test(last) && s.faults.includes('inProgressTimeout'))
            return { outcome: 'NFW_WAIT_TIMEOUT', written: [], attempts, kills, violations };
        }
        continue;
      }
      if (run.exitCode === 3 && !s.faults.includes('completedWithErrors'))
        violations.push('exit 3 without COMPLETED_WITH_ERRORS');
      if (run.exitCode === 0 && s.faults.includes('completedWithErrors'))
        violations.push('exit 0 for COMPLETED_WITH_ERRORS (expected 3)');
      const leftovers = files.filter((f) => f !== name && f !== statusName);
      if (leftovers.length > 0) violations.push(`files left after success: ${leftovers.join(', ')}`);
      violations.push(...statusFileViolations(path.join(dir, statusName), run.exitCode, s.faults));
      if (!files.includes(name)) {
        violations.push(`exit ${run.exitCode} but no output file`);
        return { outcome: 'complete', written: [], attempts, kills, violations };
      }
      return { outcome: 'complete', written: writtenRows(out, s.format), attempts, kills, violations };
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface SummaryRow {
  group: string;
  runs: number;
  injected: number;
  rowsCapture: number;
  rowsSent: number;
  rowsWritten: number;
  lost: number;
  duplicated: number;
  violations: number;
}

/** The table of the report: one row per fault (runs that include it), per level, and a total. */
export function summarize(results: readonly RunResult[]): SummaryRow[] {
  const row = (group: string, rs: readonly RunResult[], faultKey?: string): SummaryRow => ({
    group,
    runs: rs.length,
    injected: rs.reduce(
      (n, r) =>
        n +
        Object.entries(r.injected)
          .filter(([k]) => faultKey === undefined || k === faultKey)
          .reduce((m, [, v]) => m + v, 0),
      0,
    ),
    rowsCapture: rs.reduce((n, r) => n + r.rowsCapture, 0),
    rowsSent: rs.reduce((n, r) => n + r.rowsSent, 0),
    rowsWritten: rs.reduce((n, r) => n + r.rowsWritten, 0),
    lost: rs.reduce((n, r) => n + r.lost, 0),
    duplicated: rs.reduce((n, r) => n + r.duplicated, 0),
    violations: rs.filter((r) => r.violations.length > 0).length,
  });
  const rows: SummaryRow[] = [];
  const kindOf: Partial<Record<FaultName, string>> = {
    throttle: 'throttle',
    error: 'error',
    reset: 'reset',
    cut: 'cut',
    stall: 'stall',
    kill: 'kill',
  };
  rows.push(
    row(
      'no fault (control)',
      results.filter((r) => r.faults.length === 0),
    ),
  );
  for (const f of ALL_FAULTS) {
    const alone = results.filter((r) => r.faults.length === 1 && r.faults[0] === f);
    const mixed = results.filter((r) => r.faults.length > 1 && r.faults.includes(f));
    const key = kindOf[f];
    // Status faults inject one per run (the operation's outcome).
    const fix = (r: SummaryRow, rs: RunResult[]) => (key === undefined ? { ...r, injected: rs.length } : r);
    rows.push(fix(row(`${f} alone`, alone, key ?? '-'), alone));
    rows.push(fix(row(`${f} mixed`, mixed, key ?? '-'), mixed));
  }
  for (const level of ['library', 'cli'] as const) {
    const rs = results.filter((r) => r.level === level);
    const statusFaults = rs.filter((r) =>
      r.faults.some((f) => (STATUS_FAULTS as readonly string[]).includes(f)),
    ).length;
    const total = row(`all ${level} runs`, rs);
    rows.push({ ...total, injected: total.injected + statusFaults });
  }
  const statusAll = results.filter((r) =>
    r.faults.some((f) => (STATUS_FAULTS as readonly string[]).includes(f)),
  ).length;
  const total = row('total', results);
  rows.push({ ...total, injected: total.injected + statusAll });
  return rows;
}

/** The status file must exist after success and say what the exit code says: complete exactly on exit 0. */
function statusFileViolations(file: string, exitCode: number | null, faults: readonly string[]): string[] {
  let status: { complete?: unknown; status?: unknown };
  try {
    status = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    return [`no readable status file after exit ${exitCode}: ${(error as Error).message}`];
  }
  const out: string[] = [];
  if (status.complete !== (exitCode === 0))
    out.push(`status file complete=${status.complete} on exit ${exitCode}`);
  const expected = faults.includes('completedWithErrors') ? 'COMPLETED_WITH_ERRORS' : 'COMPLETED';
  if (status.status !== expected) out.push(`status file says ${status.status}, expected ${expected}`);
  return out;
}
