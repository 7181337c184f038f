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
}

export interface BenchCase {
  name: string;
  /** Name of another case of the same scenario that this one is compared to (speedup column). */
  baseline?: string;
  /**
   * Build the input (not timed) and return the work to time. The work processes `size` items and
   * returns something derived from its results, so nothing can be optimized away.
   */
  prepare(size: number): Promise<() => unknown> | (() => unknown);
}

/** Identity helper that gives scenario files type checking without a type annotation. */
export function defineScenario(scenario: Scenario): Scenario {
  return scenario;
}
