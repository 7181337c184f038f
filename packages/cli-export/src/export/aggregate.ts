/**
 * `--group-by KEYS` and `--top N --by M --key K [--mask P]`: the aggregate an export writes instead of
 * raw flows, validated up front (core's option errors become usage errors naming our flags).
 */
import type { Transform } from 'node:stream';
import { type ColumnSpec, groupBy, isNfwError, type TopTalkersOptions, topTalkers } from '@nfw-flows/core';
import { groupByColumns, topTalkersColumns } from '@nfw-flows/core/engine';
import { UsageError } from '../usage-error.js';

export type Aggregate =
  | { kind: 'group'; keys: string[]; mask?: number | { v4: number; v6: number } }
  | { kind: 'top'; options: TopTalkersOptions };

export type Metric = 'bytes' | 'packets' | 'flows';

/** `--mask 24` or `--mask 24,64` (IPv4, IPv6 prefix lengths). */
export function parseMask(value: string | undefined): number | { v4: number; v6: number } | undefined {
  if (value === undefined) return undefined;
  const m = /^(\d{1,3})(?:,(\d{1,3}))?$/.exec(value.trim());
  if (!m)
    throw new UsageError('--mask', value, 'is not a prefix length', 'e.g. 24, or 24,64 for IPv4 and IPv6');
  const v4 = Number(m[1]);
  if (m[2] === undefined) {
    if (v4 > 128) throw new UsageError('--mask', value, 'must be at most 32 (IPv4) or 128 (IPv6)');
    return v4;
  }
  const v6 = Number(m[2]);
  if (v4 > 32 || v6 > 128) throw new UsageError('--mask', value, 'must be IPv4 <= 32 and IPv6 <= 128');
  return { v4, v6 };
}

function rethrow(flag: string, value: unknown, error: unknown): never {
  if (isNfwError(error, 'NFW_INVALID_OPTION')) {
    throw new UsageError(
      flag,
      value,
      error.message,
      flag === '--group-by'
        ? 'keys: source, destination, ip, sourcePort, destinationPort, protocol, availabilityZone..., with /prefix for addresses, e.g. source/24,64,destinationPort'
        : 'keys: source, destination, ip, pair, sourcePort, destinationPort, protocol, e.g. source/24,64',
    );
  }
  throw error;
}

export function groupAggregate(
  keys: string[],
  mask: number | { v4: number; v6: number } | undefined,
): Aggregate {
  const agg: Aggregate = { kind: 'group', keys, ...(mask === undefined ? {} : { mask }) };
  try {
    groupByColumns({ keys, ...(mask === undefined ? {} : { mask }) });
  } catch (error) {
    rethrow('--group-by', keys.join(','), error);
  }
  return agg;
}

export function topAggregate(options: TopTalkersOptions): Aggregate {
  try {
    topTalkersColumns(options);
  } catch (error) {
    rethrow(
      error && isNfwError(error) && error.field?.endsWith('.mask') ? '--mask' : '--key',
      options.key,
      error,
    );
  }
  return { kind: 'top', options };
}

export function aggregateTransform(agg: Aggregate): Transform & { columns: ColumnSpec[] } {
  if (agg.kind === 'group')
    return groupBy({ keys: agg.keys, ...(agg.mask === undefined ? {} : { mask: agg.mask }) });
  return topTalkers(agg.options);
}

export function describeAggregate(agg: Aggregate | null): string | null {
  if (agg === null) return null;
  return JSON.stringify(agg);
}
