/**
 * A benchmark scenario: a file in bench/scenarios/ whose default export is a Scenario. bench/run.ts
 * finds every file there, runs each case in its own child process (so peak RSS is per case) several
 * times, and reports the median. bench/smoke.test.ts runs every case at a tiny size.
 */
export interface Scenario {
  /** Name used on the command line and in BENCHMARKS.md (`parse-address`). */
  name: string;
  /** One or two sentences: what is measured and on what input. */
  description: string;
  /** Items per run by default (the N of the table). */
  defaultSize: number;
  /** What one item is, for "per item" columns (`address`, `flow`). */
  unit: string;
  cases: BenchCase[];
  /** Promised figures, judged from the medians of this run (the verdict table of BENCHMARKS.md). */
  targets?: Target[];
  /**
   * At most five standing findings, rendered under the scenario's tables in BENCHMARKS.md: what limits
   * it now, and what was tried and should not be tried again. No dates or run log (history is in git).
   */
  findings?: string[];
}

export interface BenchCase {
  name: string;
  /** Name of another case of the same scenario that this one is compared to (speedup column). */
  baseline?: string;
  /** Items this case processes, from the scenario size (default: the size itself), e.g. a scaling series. */
  items?: (size: number) => number;
  /** Run at most this many times (a long case, e.g. the largest size of a series). */
  maxRuns?: number;
  /**
   * Build the input (not timed) and return the work to time. The work processes `size` items and
   * returns something derived from its results, so nothing can be optimized away. `size` is the case's
   * items. The work may be async (it is awaited) and may return a Measured.
   */
  prepare(size: number): Promise<() => unknown> | (() => unknown);
}

/**
 * What a work function returns when the work ran in another process (a CLI run measured from
 * outside): its figures replace the ones of the benchmark child. `detail` is shown in the table.
 */
export interface Measured {
  check: unknown;
  ms?: number;
  cpuMs?: number;
  maxRssKiB?: number;
  detail?: string;
  /** Why the case could not run here (a peer tool not installed): listed as skipped, not timed. */
  skipped?: string;
}

export function isMeasured(value: unknown): value is Measured {
  return typeof value === 'object' && value !== null && 'check' in value;
}

/** The medians of one case, as targets see them. */
export interface CaseStats {
  items: number;
  ms: number;
  cpuMs: number;
  /** Largest peak RSS of the runs. */
  maxRssMiB: number;
}

export interface Target {
  /** What is promised, as printed ("library time <= 1.5x JSON.parse"). */
  target: string;
  /** The measured figure; `stats` throws for an unknown case name. */
  measure(stats: (caseName: string) => CaseStats): { value: number; text: string };
  /** Met when value <= max (and/or value >= min). */
  max?: number;
  min?: number;
  /** Printed in the verdict when missed: the cause found by profiling. */
  whenMissed?: string;
}

/** Identity helper that gives scenario files type checking without a type annotation. */
export function defineScenario(scenario: Scenario): Scenario {
  return scenario;
}
