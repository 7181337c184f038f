/**
 * Runs one case of one scenario once and prints a JSON line with its timing and memory. bench/run.ts
 * starts one child per run, so peak RSS (maxRSS) belongs to that case alone.
 * Usage: node --expose-gc --import tsx bench/child.ts <scenario-file> <case-name> <size>
 */
import { loadScenario } from './registry.js';
import { isMeasured } from './scenario.js';

export interface ChildResult {
  ms: number;
  /** process.resourceUsage().maxRSS, in KiB: the peak of the whole child (input included). */
  maxRssKiB: number;
  /** User + system CPU of the work (all threads), or of the measured process. */
  cpuMs?: number;
  /** Shown in the table (e.g. the output size), from a Measured result. */
  detail?: string;
  /** Heap used by the input once it is built and garbage collected, before the timed work, in KiB. */
  inputHeapKiB: number;
  check: string;
  /** Set when the case could not run here (see Measured.skipped). */
  skipped?: string;
}

const [file, caseName, sizeText] = process.argv.slice(2);
if (!file || !caseName || !sizeText) throw new Error('usage: child.ts <scenario-file> <case-name> <size>');
const scenario = await loadScenario(file);
const benchCase = scenario.cases.find((c) => c.name === caseName);
if (!benchCase) throw new Error(`scenario ${scenario.name} has no case ${caseName}`);
const work = await benchCase.prepare(Number(sizeText));
(globalThis as { gc?: () => void }).gc?.(); // run.ts passes --expose-gc: measure the input, not its garbage
const inputHeapKiB = Math.round(process.memoryUsage().heapUsed / 1024);
const cpuStart = process.cpuUsage();
const start = process.hrtime.bigint();
const value = await work();
const ms = Number(process.hrtime.bigint() - start) / 1e6;
const cpu = process.cpuUsage(cpuStart);
const measured = isMeasured(value) ? value : undefined;
const result: ChildResult = {
  ms: measured?.ms ?? ms,
  maxRssKiB: measured?.maxRssKiB ?? process.resourceUsage().maxRSS,
  cpuMs: measured?.cpuMs ?? (cpu.user + cpu.system) / 1000,
  inputHeapKiB,
  check: String(measured ? measured.check : value),
  ...(measured?.detail === undefined ? {} : { detail: measured.detail }),
  ...(measured?.skipped === undefined ? {} : { skipped: measured.skipped }),
};
process.stdout.write(`${JSON.stringify(result)}\n`);
