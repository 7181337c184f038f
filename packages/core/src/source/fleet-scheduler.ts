import { NfwError } from '../errors.js';

/** Where a scope is in a fleet capture. */
export type ScopeState = 'waiting' | 'running' | 'exporting' | 'done' | 'failed';

export interface SchedulerCounts {
  waiting: number;
  /** Operations started and not yet ended (they hold their firewall and zone). */
  running: number;
  /** Operations ended, results still being read. */
  exporting: number;
  done: number;
  failed: number;
}

/**
 * The scheduling engine of a fleet capture, without I/O: scopes wait in one queue per (firewall,
 * Availability Zone), because the service runs one flow operation at a time per firewall and zone.
 * `take()` hands out the scopes that may start now: the first waiting scope of each free queue, in the
 * order given, while fewer than `concurrency` scopes are running or exporting. A scope holds its queue
 * from start until `release` (its operation ended) and its concurrency slot until `finish`.
 */
export class FleetScheduler {
  readonly #queues: string[];
  readonly #states: ScopeState[];
  readonly #busy = new Set<string>();
  readonly #holding: boolean[];
  readonly #concurrency: number;
  #active = 0;

  constructor(queues: readonly string[], concurrency: number) {
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new NfwError('NFW_INVALID_OPTION', `concurrency must be an integer >= 1, got ${concurrency}`, {
        field: 'concurrency',
        value: concurrency,
      });
    }
    this.#queues = [...queues];
    this.#states = this.#queues.map(() => 'waiting');
    this.#holding = this.#queues.map(() => false);
    this.#concurrency = concurrency;
  }

  /** Indexes of the scopes to start now; they are `running` from here on. */
  take(): number[] {
    const started: number[] = [];
    for (let i = 0; i < this.#states.length && this.#active < this.#concurrency; i++) {
      if (this.#states[i] !== 'waiting' || this.#busy.has(this.#queues[i]!)) continue;
      this.#states[i] = 'running';
      this.#busy.add(this.#queues[i]!);
      this.#holding[i] = true;
      this.#active++;
      started.push(i);
    }
    return started;
  }

  /** The scope's operation ended (or never started): its queue may start the next scope. */
  release(index: number): void {
    this.#check(index, ['running']);
    this.#states[index] = 'exporting';
    this.#free(index);
  }

  /** The scope is done (`ok`) or failed; frees its queue (if still held) and its concurrency slot. */
  finish(index: number, ok: boolean): void {
    this.#check(index, ['running', 'exporting']);
    this.#free(index);
    this.#states[index] = ok ? 'done' : 'failed';
    this.#active--;
  }

  /** Settle a scope before the run: done (a resumed export already holds it) or failed (never startable). */
  skip(index: number, ok = true): void {
    this.#check(index, ['waiting']);
    this.#states[index] = ok ? 'done' : 'failed';
  }

  state(index: number): ScopeState {
    return this.#states[index]!;
  }

  counts(): SchedulerCounts {
    const c: SchedulerCounts = { waiting: 0, running: 0, exporting: 0, done: 0, failed: 0 };
    for (const s of this.#states) c[s]++;
    return c;
  }

  /** True once every scope is done or failed. */
  finished(): boolean {
    return this.#states.every((s) => s === 'done' || s === 'failed');
  }

  #free(index: number): void {
    if (!this.#holding[index]) return;
    this.#holding[index] = false;
    this.#busy.delete(this.#queues[index]!);
  }

  #check(index: number, allowed: ScopeState[]): void {
    const state = this.#states[index];
    if (state === undefined || !allowed.includes(state)) {
      throw new Error(`scope ${index} is ${state ?? 'unknown'}, expected ${allowed.join(' or ')}`);
    }
  }
}

/**
 * Run `fn` for every scope under a FleetScheduler: each call starts when the scheduler lets its scope
 * start, gets a `release` to call when its operation ended, and finishes the scope when it settles
 * (resolved: done, rejected: failed). One scope's failure never stops the others. Resolves when every
 * scope is settled; aborting `signal` stops starting new scopes (the running ones see the signal).
 */
export async function runScheduled(
  scheduler: FleetScheduler,
  signal: AbortSignal | undefined,
  fn: (index: number, release: () => void) => Promise<void>,
  onChange?: () => void,
): Promise<void> {
  const running = new Set<Promise<void>>();
  const launch = () => {
    if (signal?.aborted) return;
    for (const i of scheduler.take()) {
      let released = false;
      const release = () => {
        if (released || scheduler.state(i) !== 'running') return;
        released = true;
        scheduler.release(i);
        onChange?.();
        launch();
      };
      const p: Promise<void> = (async () => fn(i, release))().then(
        () => scheduler.finish(i, true),
        () => scheduler.finish(i, false),
      );
      const tracked = p.finally(() => {
        running.delete(tracked);
        onChange?.();
        launch();
      });
      running.add(tracked);
    }
    onChange?.();
  };
  launch();
  while (running.size > 0) await Promise.race(running);
}
