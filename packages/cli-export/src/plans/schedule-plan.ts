/**
 * The plan of `capture --every`: the interval, the number of rounds and the diff, checked before the
 * first request. Each round is a `capture --partitioned` into `<out>/capture_time=<value>/`, so the
 * capture's own flags are checked by its plan (export-plan.ts) as for a single capture.
 */
import path from 'node:path';
import * as o from '../options.js';
import { isS3Url, parseS3Url } from '../output/s3-target.js';
import { parseEvery } from '../schedule/parse-every.js';
import { UsageError } from '../usage-error.js';
import { booleanFlag, type Flags, flagName, stringFlag } from './flag-values.js';

export interface SchedulePlan {
  /** The cadence in milliseconds (whole seconds). */
  everyMs: number;
  /** Rounds to run (missed ones included), or null: until Ctrl-C / SIGTERM. */
  count: number | null;
  /** Write the diff of each round against the previous successful one under `<root>/_diff/`. */
  diff: boolean;
  /** The dataset: an absolute directory, or an S3 prefix `s3://bucket/prefix/`. */
  root: string;
  quiet: boolean;
}

/** The longest interval --diff takes: the previous round's operation must still be kept by AWS. */
const DIFF_MAX_EVERY_MS = 12 * 3_600_000;

/** The flags a schedule takes over (removed from the flags of each round's capture). */
export const SCHEDULE_FLAGS = ['every', 'count', 'diff'] as const;

/** True when the flags ask for a schedule (any of --every, --count, --diff). */
export function isSchedule(flags: Flags): boolean {
  return SCHEDULE_FLAGS.some((k) => flags[k] !== undefined);
}

export function schedulePlan(flags: Flags): SchedulePlan {
  const every = stringFlag(flags, 'every');
  if (every === undefined) {
    const other = SCHEDULE_FLAGS.find((k) => flags[k] !== undefined)!;
    throw new UsageError(flagName(other), flags[other], 'needs --every', 'e.g. --every 5m --count 12');
  }
  const everyMs = parseEvery(every);
  const count =
    o.integer('--count', stringFlag(flags, 'count'), 1, 1_000_000, 'the number of rounds') ?? null;
  for (const flag of ['force', 'resume', 'rejects', 'startingToken'] as const) {
    if (flags[flag] !== undefined && flags[flag] !== false)
      throw new UsageError(
        flagName(flag),
        flags[flag] === true ? undefined : flags[flag],
        'cannot be combined with --every',
        flag === 'resume'
          ? 'a schedule adds rounds to its dataset; run it again to continue'
          : 'each round is a new capture in its own partition',
      );
  }
  if (!booleanFlag(flags, 'partitioned'))
    throw new UsageError(
      '--every',
      every,
      'needs --partitioned',
      'a schedule writes one partition per round',
    );
  const out = stringFlag(flags, 'out');
  if (out === undefined || out === '' || out === '-')
    throw new UsageError('--out', out, 'must be a directory with --every', 'e.g. --out flows/');
  const diff = booleanFlag(flags, 'diff');
  if (diff && everyMs > DIFF_MAX_EVERY_MS)
    throw new UsageError(
      '--diff',
      undefined,
      `needs --every 12h or less (${every} given)`,
      'AWS keeps a flow operation about 12 hours, and the diff reads the previous round again',
    );
  // The root's contents are checked when the schedule starts (dataset-root.ts: S3 needs a request).
  if (isS3Url(out)) parseS3Url('--out', out, true);
  const root = isS3Url(out) ? out : path.resolve(out);
  return { everyMs, count, diff, root, quiet: booleanFlag(flags, 'quiet') };
}
