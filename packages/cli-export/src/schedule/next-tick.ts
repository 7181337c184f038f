/**
 * The cadence of a capture schedule, as cron keeps it: tick k is due at `start + k * interval`, however
 * long rounds take, so the schedule never drifts. A round that overruns covers the ticks due while it
 * ran: those are missed (recorded, never queued up to run back to back).
 */

export interface NextTick {
  /** The tick to run next (its due time is `start + tick * interval`). */
  tick: number;
  /** Ticks after the previous one whose due time passed while it ran. */
  missed: number[];
}

/**
 * The tick after `previous` (-1 before the first) at `now`: the first whose due time has not passed,
 * or one due exactly now. Ticks due strictly before `now` are missed. Tick 0 always runs, however late:
 * `start` is the moment the schedule began, rounded down to the second.
 */
export function nextTick(start: number, interval: number, previous: number, now: number): NextTick {
  if (previous < 0) return { tick: 0, missed: [] };
  const due = Math.max(previous + 1, Math.ceil((now - start) / interval));
  const missed: number[] = [];
  for (let k = previous + 1; k < due; k++) missed.push(k);
  return { tick: due, missed };
}

/** The due time of tick `tick`. */
export function tickTime(start: number, interval: number, tick: number): number {
  return start + tick * interval;
}
