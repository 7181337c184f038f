/**
 * `--every DURATION`: the interval of a capture schedule, in whole seconds as cron and `watch -n` count
 * them: `90` (seconds), `30s`, `5m`, `1h`, `1d`, or a sum of those in decreasing units (`1h30m`).
 */
import { UsageError } from '../usage-error.js';

const UNIT_SECONDS: Record<string, number> = { d: 86_400, h: 3_600, m: 60, s: 1 };
const UNIT_ORDER = 'dhms';
/** The shortest interval: capture_time values have a resolution of one second. */
export const MIN_EVERY_SECONDS = 1;
/** The longest: AWS keeps a flow operation for about 12 hours, a diff needs the previous one. */
export const MAX_EVERY_SECONDS = 86_400;

/** The interval in milliseconds (a whole number of seconds); a UsageError naming the flag otherwise. */
export function parseEvery(value: string, flag = '--every'): number {
  const text = value.trim();
  const refuse = (reason: string): never => {
    throw new UsageError(flag, value, reason, 'e.g. 30s, 5m, 1h, 1h30m, or a number of seconds');
  };
  let seconds = 0;
  if (/^\d{1,6}$/.test(text)) seconds = Number(text);
  else {
    const parts = [...text.matchAll(/(\d{1,6})([dhms])/g)];
    if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text) refuse('is not a duration');
    let last = -1;
    for (const [, amount, unit] of parts) {
      const rank = UNIT_ORDER.indexOf(unit!);
      if (rank <= last) refuse('lists its units out of order or twice');
      last = rank;
      seconds += Number(amount) * UNIT_SECONDS[unit!]!;
    }
  }
  if (seconds < MIN_EVERY_SECONDS) refuse(`must be at least ${MIN_EVERY_SECONDS}s`);
  if (seconds > MAX_EVERY_SECONDS) refuse('must be at most 24h (AWS keeps flow operations about 12 hours)');
  return seconds * 1000;
}
