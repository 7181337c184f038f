/** The plan of `top`: the source, the ranking and how the table is printed. */
import type { TopTalkersOptions } from '@nfw-flows/core';
import type { ClientFlags } from '../client.js';
import type { ApiSource, FileSource } from '../commands/export.js';
import { type Aggregate, parseMask, topAggregate } from '../export/aggregate.js';
import * as o from '../options.js';
import { UsageError } from '../usage-error.js';
import { metric } from './aggregate-flags.js';
import { apiSource } from './api-source.js';
import { clientFlags } from './client-flags.js';
import { fileSource } from './file-source.js';
import { booleanFlag, type Flags, stringFlag } from './flag-values.js';

export interface TopPlan {
  source: ApiSource | FileSource;
  clientFlags: ClientFlags;
  options: TopTalkersOptions;
  json: boolean;
  quiet: boolean;
}

export function topPlan(flags: Flags): TopPlan {
  const n = o.integer('-n', stringFlag(flags, 'n'), 0, 1_000_000, 'rows to print, 0 = all') ?? 10;
  const mask = parseMask(stringFlag(flags, 'mask'));
  const aggregate = topAggregate({
    n,
    by: metric(stringFlag(flags, 'by')),
    key: stringFlag(flags, 'key') ?? 'source',
    ...(mask === undefined ? {} : { mask }),
  });
  // topAggregate checks the key and mask; its result is always the 'top' kind.
  const { options } = aggregate as Extract<Aggregate, { kind: 'top' }>;
  const input = stringFlag(flags, 'input');
  let source: ApiSource | FileSource;
  if (input !== undefined) {
    if (flags.allOperations !== undefined)
      throw new UsageError('--input', input, 'cannot be combined with --all-operations');
    source = fileSource(flags, input);
  } else {
    source = apiSource(flags, 'top');
  }
  return {
    source,
    clientFlags: source.kind === 'api' ? clientFlags(flags) : {},
    options,
    json: booleanFlag(flags, 'json'),
    quiet: booleanFlag(flags, 'quiet'),
  };
}
