import type { Transform } from 'node:stream';
import type { ColumnSpec, FlowRecord, Row } from '../types.js';
import { aggregateTransform } from './aggregate-transform.js';
import { GroupStore } from './group-store.js';
import {
  compileKeys,
  invalidOption,
  type KeyOption,
  keyColumns,
  type MaskOption,
  type NormalizedKey,
  normalizeKeys,
  normalizeMask,
} from './key-spec.js';
import { compareU64, u64ToBigInt } from './u64.js';

export interface GroupByOptions {
  /** One key or several: names (`'source'`, `'destinationPort'`, `'protocol'`, `'availabilityZone'`...), compact forms (`'source/24'`, `'ip/24,64'`) or `{ key, mask }`. */
  keys: KeyOption | KeyOption[];
  /** Default roll-up prefix for address keys without their own (default: none, /32 and /128). */
  mask?: MaskOption;
}

interface NormalizedGroupBy {
  keys: NormalizedKey[];
}

/** Metric columns of a group-by row, after the key columns. */
export const GROUP_METRIC_COLUMNS: readonly ColumnSpec[] = Object.freeze([
  {
    name: 'flows',
    type: 'uint64',
    nullable: false,
    description: 'Flows in the group (an ip key counts a flow once per end)',
  },
  {
    name: 'packets',
    type: 'uint64',
    nullable: true,
    description: 'Sum of the known packet counts; null when none is known',
  },
  {
    name: 'packets_null_count',
    type: 'uint64',
    nullable: false,
    description: 'Flows whose packet count is null (not in packets)',
  },
  {
    name: 'bytes',
    type: 'uint64',
    nullable: true,
    description: 'Sum of the known byte counts; null when none is known',
  },
  {
    name: 'bytes_null_count',
    type: 'uint64',
    nullable: false,
    description: 'Flows whose byte count is null (not in bytes)',
  },
  { name: 'age_min', type: 'uint32', nullable: true, description: 'Smallest known age in seconds' },
  { name: 'age_max', type: 'uint32', nullable: true, description: 'Largest known age in seconds' },
  { name: 'age_mean', type: 'float64', nullable: true, description: 'Mean of the known ages in seconds' },
  { name: 'age_null_count', type: 'uint64', nullable: false, description: 'Flows whose age is null' },
] satisfies ColumnSpec[]);

function normalizeGroupBy(options: unknown): NormalizedGroupBy {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw invalidOption('groupBy', options, 'expected an options object { keys, mask? }');
  }
  const { keys, mask, ...rest } = options as { keys?: unknown; mask?: unknown };
  const extra = Object.keys(rest);
  if (extra.length > 0) throw invalidOption(`groupBy.${extra[0]}`, options, 'unknown option');
  const defaultMask = normalizeMask(mask, 'groupBy.mask');
  return { keys: normalizeKeys(keys, 'groupBy.keys', defaultMask) };
}

/** The column schema of groupBy's rows: key columns in key order, then GROUP_METRIC_COLUMNS. */
export function groupByColumns(options: GroupByOptions): ColumnSpec[] {
  return columnsOf(normalizeGroupBy(options));
}

function columnsOf(options: NormalizedGroupBy): ColumnSpec[] {
  return [...options.keys.flatMap(keyColumns), ...GROUP_METRIC_COLUMNS.map((c) => ({ ...c }))];
}

/** Engine: feed records with `add`, then `rows()` once. No I/O. */
export class GroupByEngine {
  readonly columns: ColumnSpec[];
  private readonly store: GroupStore;

  constructor(options: GroupByOptions) {
    const normalized = normalizeGroupBy(options);
    this.columns = columnsOf(normalized);
    this.store = new GroupStore(compileKeys(normalized.keys), { details: true });
  }

  add(record: FlowRecord): void {
    this.store.add(record);
  }

  /** One row per group, by bytes descending (null-only groups count as 0), then by key ascending. */
  rows(): Row[] {
    const s = this.store;
    const order = Array.from({ length: s.size }, (_, i) => i);
    order.sort((a, b) => compareU64(s.bytesHi, s.bytesLo, b, a) || s.compareKeys(a, b));
    return order.map((g) => {
      const row: Row = {};
      s.keys.decode(s.table.keys, g, row);
      const flows = s.flows[g]!;
      const knownPackets = flows - s.packetsNull[g]!;
      const knownBytes = flows - s.bytesNull[g]!;
      const knownAges = flows - s.ageNull[g]!;
      row.flows = BigInt(flows);
      row.packets = knownPackets === 0 ? null : u64ToBigInt(s.packetsHi[g]!, s.packetsLo[g]!);
      row.packets_null_count = BigInt(s.packetsNull[g]!);
      row.bytes = knownBytes === 0 ? null : u64ToBigInt(s.bytesHi[g]!, s.bytesLo[g]!);
      row.bytes_null_count = BigInt(s.bytesNull[g]!);
      row.age_min = knownAges === 0 ? null : s.ageMin[g]!;
      row.age_max = knownAges === 0 ? null : s.ageMax[g]!;
      row.age_mean = knownAges === 0 ? null : s.ageSum[g]! / knownAges;
      row.age_null_count = BigInt(s.ageNull[g]!);
      return row;
    });
  }
}

/** Sync form: group an iterable of records (or of record arrays) and return the rows. */
export function groupByRows(
  records: Iterable<FlowRecord | readonly FlowRecord[]>,
  options: GroupByOptions,
): Row[] {
  const engine = new GroupByEngine(options);
  for (const r of records) {
    if (Array.isArray(r)) for (const x of r as readonly FlowRecord[]) engine.add(x);
    else engine.add(r as FlowRecord);
  }
  return engine.rows();
}

/**
 * A Transform (object mode): FlowRecord (or FlowRecord[]) in, one Row per group out when the input
 * ends. `.columns` is the row schema. Options are validated here, before any record.
 */
export function groupBy(options: GroupByOptions): Transform & { columns: ColumnSpec[] } {
  const engine = new GroupByEngine(options);
  return aggregateTransform(
    (r) => engine.add(r),
    () => engine.rows(),
    engine.columns,
  );
}
