/**
 * `--every DURATION`: the interval of a capture schedule, in whole seconds as cron and `watch -n` count
 * them, in the CLI's one duration syntax (`90`, `30s`, `5m`, `1h30m`, `1d`).
 */
import { durationMs } from '../options.js';
import { UsageError } from '../usage-error.js';

/** The shortest interval: capture_time values have a resolution of one second. */
export const MIN_EVERY_SECONDS = 1;
/** The longest: a day (a --diff needs the previous operation, which AWS keeps about 12 hours). */
export const MAX_EVERY_SECONDS = 86_400;

/** The interval in milliseconds (a whole number of seconds); a UsageError naming the flag otherwise. */
export function parseEvery(value: string, flag = '--every'): number {
  const ms = durationMs(flag, value, { wholeSeconds: true })!;
  const refuse = (reason: string): never => {
    throw new UsageError(flag, value, reason, 'e.g. 30s, 5m, 1h, 1h30m, or a number of seconds');
  };
  if (ms < MIN_EVERY_SECONDS * 1000) refuse(`must be at least ${MIN_EVERY_SECONDS}s`);
  if (ms > MAX_EVERY_SECONDS * 1000) refuse('must be at most 24h (AWS keeps flow operations about 12 hours)');
  return ms;
}
