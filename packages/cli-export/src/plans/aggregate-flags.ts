/** The aggregate an export writes instead of raw flows: --group-by, or --top with --by, --key, --mask. */
import { type Aggregate, groupAggregate, type Metric, parseMask, topAggregate } from '../export/aggregate.js';
import * as o from '../options.js';
import { UsageError } from '../usage-error.js';
import { type Flags, listFlag, stringFlag } from './flag-values.js';

/** The aggregate the flags ask for, or null for raw flows. */
export function aggregateFlags(flags: Flags): Aggregate | null {
  const groupKeys = o.splitKeys(listFlag(flags, 'groupBy'));
  const top = stringFlag(flags, 'top');
  const mask = parseMask(stringFlag(flags, 'mask'));
  if (groupKeys.length > 0 && top !== undefined)
    throw new UsageError(
      '--top',
      top,
      'cannot be combined with --group-by',
      'export one aggregate at a time',
    );
  if (groupKeys.length > 0) return groupAggregate(groupKeys, mask);
  if (top !== undefined) {
    const n = o.integer('--top', top, 0, 1_000_000, 'number of rows, 0 = all')!;
    return topAggregate({
      n,
      by: metric(stringFlag(flags, 'by')),
      key: stringFlag(flags, 'key') ?? 'source',
      ...(mask === undefined ? {} : { mask }),
    });
  }
  if (mask !== undefined)
    throw new UsageError('--mask', stringFlag(flags, 'mask'), 'applies to --group-by or --top only');
  return null;
}

/** --by: what top talkers are ranked by. */
export function metric(value: string | undefined): Metric {
  const v = value ?? 'bytes';
  if (v !== 'bytes' && v !== 'packets' && v !== 'flows')
    throw new UsageError('--by', value, 'is not a metric', 'one of bytes, packets, flows');
  return v;
}
