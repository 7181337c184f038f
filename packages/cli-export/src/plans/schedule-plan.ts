/**
 * The plan of `capture --every`: the interval, the number of rounds and the diff, checked before the
 * first request. Each round is a `capture --partitioned` into `<out>/capture_time=<value>/`, so the
 * capture's own flags are checked by its plan (export-plan.ts) as for a single capture.
 */
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import * as o from '../options.js';
import { isS3Url } from '../output/s3-target.js';
import { parseEvery } from '../schedule/parse-every.js';
import { SCHEDULE_LOG } from '../schedule/schedule-log.js';
import { UsageError } from '../usage-error.js';
import { booleanFlag, type Flags, flagName, stringFlag } from './flag-values.js';

export interface SchedulePlan {
  /** The cadence in milliseconds (whole seconds). */
  everyMs: number;
  /** Rounds to run (missed ones included), or null: until Ctrl-C / SIGTERM. */
  count: number | null;
  /** Write the diff of each round against the previous successful one under `<root>/_diff/`. */
  diff: boolean;
  /** The dataset directory (absolute). */
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
  if (isS3Url(out))
    throw new UsageError('--out', out, 'must be a local directory with --every', 'sync it to S3 afterwards');
  const diff = booleanFlag(flags, 'diff');
  if (diff && everyMs > DIFF_MAX_EVERY_MS)
    throw new UsageError(
      '--diff',
      undefined,
      `needs --every 12h or less (${every} given)`,
      'AWS keeps a flow operation about 12 hours, and the diff reads the previous round again',
    );
  const root = path.resolve(out);
  checkScheduleRoot(out, root);
  return { everyMs, count, diff, root, quiet: booleanFlag(flags, 'quiet') };
}

/**
 * A schedule writes into a new or empty directory, or adds rounds to a dataset of an earlier schedule
 * (one holding its log); never into someone else's directory or a single export's partitions.
 */
function checkScheduleRoot(raw: string, root: string): void {
  let entries: string[];
  try {
    if (!statSync(root).isDirectory())
      throw new UsageError('--out', raw, 'is not a directory', 'a schedule writes a directory');
    entries = readdirSync(root);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  if (entries.length > 0 && !entries.includes(SCHEDULE_LOG))
    throw new UsageError(
      '--out',
      raw,
      `is a directory without ${SCHEDULE_LOG}, not the dataset of a capture schedule`,
      'choose a new or empty directory',
    );
}
