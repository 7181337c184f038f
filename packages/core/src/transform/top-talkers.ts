import type { Transform } from 'node:stream';
import type { ColumnSpec, FlowRecord, Row } from '../types.js';
import { aggregateTransform } from './aggregate-transform.js';
import { GroupStore } from './group-store.js';
import {
  type AddressMask,
  type CompiledKeys,
  compileKeys,
  invalidOption,
  keyColumns,
  type MaskOption,
  type NormalizedKey,
  normalizeMask,
  parseCompactKey,
} from './key-spec.js';
import { hashKey, KeyTable } from './key-table.js';
import { addU64, compareU64, u64ToBigInt, u64ToNumber } from './u64.js';

export type TopMetric = 'bytes' | 'packets' | 'flows';
export type TopKey = 'source' | 'destination' | 'ip' | 'pair' | 'sourcePort' | 'destinationPort' | 'protocol';

export interface TopTalkersOptions {
  /** The ranking metric (default `'bytes'`). */
  by?: TopMetric;
  /** What to rank: a TopKey, or its compact form with a roll-up prefix (`'source/24'`, `'ip/24,64'`, see parseCompactKey). */
  key: TopKey | string;
  /** Roll-up prefix for address keys (see MaskOption); not allowed when `key` already has a `/prefix`. */
  mask?: MaskOption;
  /** Rows to return (default 10; 0 = all). */
  n?: number;
  /** Bounded mode: keep at most this many keys (weighted Space-Saving). Absent = exact mode. */
  capacity?: number;
}

interface NormalizedTop {
  by: TopMetric;
  key: TopKey;
  keys: NormalizedKey[];
  n: number;
  capacity: number | null;
  /** The statistic's label, e.g. `source/24:bytes`. */
  statistic: string;
}

const TOP_KEYS = new Set<string>([
  'source',
  'destination',
  'ip',
  'pair',
  'sourcePort',
  'destinationPort',
  'protocol',
]);
const METRICS = new Set<string>(['bytes', 'packets', 'flows']);
const MAX_CAPACITY = 1 << 24;

function maskSuffix(mask: AddressMask | null): string {
  if (mask === null || (mask.v4 === 32 && mask.v6 === 128)) return '';
  if (mask.v6 === 128) return `/${mask.v4}`;
  if (mask.v4 === 32) return `/${mask.v6}`;
  return `/${mask.v4},${mask.v6}`;
}

function normalizeTop(options: unknown, field: string): NormalizedTop {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw invalidOption(field, options, 'expected an options object { key, by?, n?, mask?, capacity? }');
  }
  const { by = 'bytes', key, mask, n = 10, capacity, ...rest } = options as Record<string, unknown>;
  const extra = Object.keys(rest);
  if (extra.length > 0) throw invalidOption(`${field}.${extra[0]}`, options, 'unknown option');
  if (typeof by !== 'string' || !METRICS.has(by))
    throw invalidOption(`${field}.by`, by, 'expected bytes, packets or flows');
  if (typeof key !== 'string')
    throw invalidOption(`${field}.key`, key, `expected one of ${[...TOP_KEYS].join(', ')}`);
  const parsed = parseCompactKey(key, `${field}.key`);
  if (!TOP_KEYS.has(parsed.key))
    throw invalidOption(`${field}.key`, key, `expected one of ${[...TOP_KEYS].join(', ')}`);
  let addressMask = parsed.mask;
  if (mask !== undefined) {
    if (addressMask === null) throw invalidOption(`${field}.mask`, mask, 'only address keys take a mask');
    if (key.includes('/')) throw invalidOption(`${field}.mask`, mask, 'the key already has a /prefix');
    addressMask = normalizeMask(mask, `${field}.mask`);
  }
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) {
    throw invalidOption(`${field}.n`, n, 'expected an integer >= 0 (0 = all)');
  }
  if (
    capacity !== undefined &&
    (typeof capacity !== 'number' || !Number.isInteger(capacity) || capacity < 1 || capacity > MAX_CAPACITY)
  ) {
    throw invalidOption(`${field}.capacity`, capacity, `expected an integer 1..${MAX_CAPACITY}`);
  }
  const topKey = parsed.key as TopKey;
  const keys: NormalizedKey[] =
    topKey === 'pair'
      ? [
          { key: 'source', mask: addressMask },
          { key: 'destination', mask: addressMask },
        ]
      : [{ key: topKey, mask: addressMask }];
  return {
    by: by as TopMetric,
    key: topKey,
    keys,
    n,
    capacity: capacity === undefined ? null : (capacity as number),
    statistic: `${topKey}${maskSuffix(addressMask)}:${by}`,
  };
}

const METRIC_COLUMNS: ColumnSpec[] = [
  {
    name: 'flows',
    type: 'uint64',
    nullable: false,
    description: 'Flows of the key (an ip key counts a flow once per end)',
  },
  {
    name: 'packets',
    type: 'uint64',
    nullable: false,
    description: 'Sum of packet counts (null counts add 0)',
  },
  { name: 'bytes', type: 'uint64', nullable: false, description: 'Sum of byte counts (null counts add 0)' },
  {
    name: 'flows_share',
    type: 'float64',
    nullable: true,
    description: 'flows / all flows of the statistic; null when that total is 0',
  },
  {
    name: 'packets_share',
    type: 'float64',
    nullable: true,
    description: 'packets / all packets of the statistic',
  },
  { name: 'bytes_share', type: 'float64', nullable: true, description: 'bytes / all bytes of the statistic' },
  {
    name: 'error',
    type: 'uint64',
    nullable: false,
    description: 'Bounded mode: the most the ranking metric may overstate the true value (0 in exact mode)',
  },
];

const RANK_COLUMNS: ColumnSpec[] = [
  { name: 'rank', type: 'uint32', nullable: false, description: '1-based rank within the statistic' },
  {
    name: 'key',
    type: 'utf8',
    nullable: true,
    description: 'The key as text (pair: "source -> destination"); null for an absent port or protocol',
  },
];

const STATISTIC_COLUMN: ColumnSpec = {
  name: 'statistic',
  type: 'utf8',
  nullable: false,
  description: 'Which statistic the row belongs to, e.g. source/24:bytes',
};

function copy(columns: ColumnSpec[]): ColumnSpec[] {
  return columns.map((c) => ({ ...c }));
}

/**
 * Columns of topTalkers' rows: rank, key, the key's own columns (as in groupBy), metrics, shares, error.
 * For an array of options (several statistics in one pass): statistic, rank, key, metrics, shares,
 * error (no per-key columns).
 */
export function topTalkersColumns(options: TopTalkersOptions | readonly TopTalkersOptions[]): ColumnSpec[] {
  if (Array.isArray(options)) {
    normalizeStatistics(options);
    return [{ ...STATISTIC_COLUMN }, ...copy(RANK_COLUMNS), ...copy(METRIC_COLUMNS)];
  }
  const o = normalizeTop(options, 'topTalkers');
  return [...copy(RANK_COLUMNS), ...o.keys.flatMap(keyColumns), ...copy(METRIC_COLUMNS)];
}

function normalizeStatistics(options: unknown): NormalizedTop[] {
  if (!Array.isArray(options) || options.length === 0) {
    throw invalidOption('topTalkers', options, 'expected a non-empty array of top-talkers options');
  }
  return options.map((o, i) => normalizeTop(o, `topTalkers[${i}]`));
}

// ---- engines --------------------------------------------------------------------------------------

/** Totals of all records seen by one statistic (both ends for an ip key), for shares and the bound. */
class Totals {
  flows = 0;
  readonly hi = new Float64Array(2);
  readonly lo = new Float64Array(2);
  add(r: FlowRecord, times: number): void {
    for (let t = 0; t < times; t++) {
      this.flows += 1;
      if (r.packetCount !== null) addU64(this.hi, this.lo, 0, r.packetCount);
      if (r.byteCount !== null) addU64(this.hi, this.lo, 1, r.byteCount);
    }
  }
  get packets(): number {
    return u64ToNumber(this.hi[0]!, this.lo[0]!);
  }
  get bytes(): number {
    return u64ToNumber(this.hi[1]!, this.lo[1]!);
  }
}

interface Entry {
  flows: number;
  packetsHi: number;
  packetsLo: number;
  bytesHi: number;
  bytesLo: number;
  errorHi: number;
  errorLo: number;
}

/** A statistic engine: records in, ranked rows out. */
export interface TopEngine {
  readonly statistic: string;
  add(record: FlowRecord): void;
  rows(): Row[];
}

function makeRow(
  o: NormalizedTop,
  keys: CompiledKeys,
  table: KeyTable,
  g: number,
  rank: number,
  e: Entry,
  totals: Totals,
  withKeyColumns: boolean,
): Row {
  const row: Row = withKeyColumns ? { rank } : { statistic: o.statistic, rank };
  row.key = keys.text(table.keys, g);
  if (withKeyColumns) keys.decode(table.keys, g, row);
  const share = (value: number, total: number) => (total === 0 ? null : value / total);
  row.flows = BigInt(e.flows);
  row.packets = u64ToBigInt(e.packetsHi, e.packetsLo);
  row.bytes = u64ToBigInt(e.bytesHi, e.bytesLo);
  row.flows_share = share(e.flows, totals.flows);
  row.packets_share = share(u64ToNumber(e.packetsHi, e.packetsLo), totals.packets);
  row.bytes_share = share(u64ToNumber(e.bytesHi, e.bytesLo), totals.bytes);
  row.error = u64ToBigInt(e.errorHi, e.errorLo);
  return row;
}

/** Exact mode: a hash map of all groups, then a heap selection of the top n. O(groups) memory. */
class ExactTop implements TopEngine {
  readonly statistic: string;
  private readonly store: GroupStore;
  private readonly totals = new Totals();

  constructor(
    private readonly o: NormalizedTop,
    private readonly withKeyColumns: boolean,
  ) {
    this.statistic = o.statistic;
    this.store = new GroupStore(compileKeys(o.keys), { details: false });
  }

  add(r: FlowRecord): void {
    this.store.add(r);
    this.totals.add(r, this.store.keys.twoSided ? 2 : 1);
  }

  /** Ranked by the metric descending, ties by key ascending (see CompiledKeys.compare). */
  rows(): Row[] {
    const s = this.store;
    const by = this.o.by;
    const better =
      by === 'flows'
        ? (a: number, b: number) => s.flows[b]! - s.flows[a]! || s.compareKeys(a, b)
        : by === 'packets'
          ? (a: number, b: number) => compareU64(s.packetsHi, s.packetsLo, b, a) || s.compareKeys(a, b)
          : (a: number, b: number) => compareU64(s.bytesHi, s.bytesLo, b, a) || s.compareKeys(a, b);
    const selected = selectTop(s.size, this.o.n, better);
    return selected.map((g, i) =>
      makeRow(
        this.o,
        s.keys,
        s.table,
        g,
        i + 1,
        {
          flows: s.flows[g]!,
          packetsHi: s.packetsHi[g]!,
          packetsLo: s.packetsLo[g]!,
          bytesHi: s.bytesHi[g]!,
          bytesLo: s.bytesLo[g]!,
          errorHi: 0,
          errorLo: 0,
        },
        this.totals,
        this.withKeyColumns,
      ),
    );
  }
}

/**
 * The first n of 0..size-1 in the order `cmp` (negative: a ranks first); n = 0 means all.
 * Uses a heap of n (O(size log n)) when n is smaller than size, then sorts the selection.
 */
export function selectTop(size: number, n: number, cmp: (a: number, b: number) => number): number[] {
  if (n === 0 || n >= size) {
    const all = Array.from({ length: size }, (_, i) => i);
    return all.sort(cmp);
  }
  // Max-heap by rank position: the root is the worst of the selection so far.
  const heap: number[] = [];
  const worse = (a: number, b: number) => cmp(a, b) > 0;
  const siftUp = (i: number) => {
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!worse(heap[i]!, heap[p]!)) break;
      [heap[i], heap[p]] = [heap[p]!, heap[i]!];
      i = p;
    }
  };
  const siftDown = (i: number) => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && worse(heap[l]!, heap[m]!)) m = l;
      if (r < heap.length && worse(heap[r]!, heap[m]!)) m = r;
      if (m === i) return;
      [heap[i], heap[m]] = [heap[m]!, heap[i]!];
      i = m;
    }
  };
  for (let g = 0; g < size; g++) {
    if (heap.length < n) {
      heap.push(g);
      siftUp(heap.length - 1);
    } else if (cmp(g, heap[0]!) < 0) {
      heap[0] = g;
      siftDown(0);
    }
  }
  return heap.sort(cmp);
}

/**
 * Bounded mode: weighted Space-Saving over `capacity` counters with a min-heap. A new key, when
 * the summary is full, takes over the minimum counter m: its count becomes count(m) + weight and its
 * error count(m). So with W the statistic's total weight: every key whose true weight exceeds W/k is
 * in the summary, and count - error <= true weight <= count for every kept key. A record of weight 0
 * does not evict anything. The other metrics of a kept key count only the flows seen since it last
 * entered the summary (lower bounds).
 */
export class SpaceSavingTop implements TopEngine {
  readonly statistic: string;
  private readonly keys: CompiledKeys;
  private readonly table: KeyTable;
  private readonly scratch: Uint32Array;
  private readonly totals = new Totals();
  private readonly k: number;
  private readonly countHi: Float64Array;
  private readonly countLo: Float64Array;
  private readonly errorHi: Float64Array;
  private readonly errorLo: Float64Array;
  private readonly flows: Float64Array;
  private readonly packetsHi: Float64Array;
  private readonly packetsLo: Float64Array;
  private readonly bytesHi: Float64Array;
  private readonly bytesLo: Float64Array;
  /** heap[i] = group; position[group] = i. Min-heap on count. */
  private readonly heap: Int32Array;
  private readonly position: Int32Array;

  constructor(
    private readonly o: NormalizedTop,
    private readonly withKeyColumns: boolean,
  ) {
    this.statistic = o.statistic;
    const k = o.capacity!;
    this.k = k;
    this.keys = compileKeys(o.keys);
    this.table = new KeyTable(this.keys.width, k);
    this.scratch = new Uint32Array(this.keys.width);
    this.countHi = new Float64Array(k);
    this.countLo = new Float64Array(k);
    this.errorHi = new Float64Array(k);
    this.errorLo = new Float64Array(k);
    this.flows = new Float64Array(k);
    this.packetsHi = new Float64Array(k);
    this.packetsLo = new Float64Array(k);
    this.bytesHi = new Float64Array(k);
    this.bytesLo = new Float64Array(k);
    this.heap = new Int32Array(k);
    this.position = new Int32Array(k);
  }

  add(r: FlowRecord): void {
    this.addSide(r, 0);
    if (this.keys.twoSided) this.addSide(r, 1);
    this.totals.add(r, this.keys.twoSided ? 2 : 1);
  }

  private weight(r: FlowRecord): number {
    const by = this.o.by;
    if (by === 'flows') return 1;
    const v = by === 'bytes' ? r.byteCount : r.packetCount;
    return v === null ? 0 : v;
  }

  private addSide(r: FlowRecord, side: 0 | 1): void {
    const { scratch, table } = this;
    this.keys.encode(r, scratch, side);
    const hash = hashKey(scratch, scratch.length);
    const w = this.weight(r);
    let g = table.find(scratch, hash);
    if (g >= 0) {
      addU64(this.countHi, this.countLo, g, w);
      this.siftDown(this.position[g]!);
    } else if (table.size < this.k) {
      g = table.insert(scratch, hash);
      addU64(this.countHi, this.countLo, g, w);
      this.heap[g] = g;
      this.position[g] = g;
      this.siftUp(g);
    } else {
      if (w === 0) return;
      g = this.heap[0]!;
      this.errorHi[g] = this.countHi[g]!;
      this.errorLo[g] = this.countLo[g]!;
      addU64(this.countHi, this.countLo, g, w);
      table.rekey(g, scratch, hash);
      this.flows[g] = 0;
      this.packetsHi[g] = 0;
      this.packetsLo[g] = 0;
      this.bytesHi[g] = 0;
      this.bytesLo[g] = 0;
      this.siftDown(0);
    }
    this.flows[g]! += 1;
    if (r.packetCount !== null) addU64(this.packetsHi, this.packetsLo, g, r.packetCount);
    if (r.byteCount !== null) addU64(this.bytesHi, this.bytesLo, g, r.byteCount);
  }

  private less(a: number, b: number): boolean {
    return compareU64(this.countHi, this.countLo, a, b) < 0;
  }

  private swap(i: number, j: number): void {
    const { heap, position } = this;
    const a = heap[i]!;
    const b = heap[j]!;
    heap[i] = b;
    heap[j] = a;
    position[b] = i;
    position[a] = j;
  }

  private siftUp(i: number): void {
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(this.heap[i]!, this.heap[p]!)) return;
      this.swap(i, p);
      i = p;
    }
  }

  private siftDown(i: number): void {
    const n = this.table.size;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < n && this.less(this.heap[l]!, this.heap[m]!)) m = l;
      if (r < n && this.less(this.heap[r]!, this.heap[m]!)) m = r;
      if (m === i) return;
      this.swap(i, m);
      i = m;
    }
  }

  /** Kept keys by count descending, ties by key ascending; the first n (0 = all kept keys). */
  rows(): Row[] {
    const cmp = (a: number, b: number) =>
      compareU64(this.countHi, this.countLo, b, a) || this.keys.compare(this.table.keys, a, b);
    const selected = selectTop(this.table.size, this.o.n, cmp);
    const by = this.o.by;
    return selected.map((g, i) => {
      const e: Entry = {
        flows: this.flows[g]!,
        packetsHi: this.packetsHi[g]!,
        packetsLo: this.packetsLo[g]!,
        bytesHi: this.bytesHi[g]!,
        bytesLo: this.bytesLo[g]!,
        errorHi: this.errorHi[g]!,
        errorLo: this.errorLo[g]!,
      };
      // The ranking metric reports the summary's count (an overestimate by at most `error`).
      if (by === 'flows') e.flows = u64ToNumber(this.countHi[g]!, this.countLo[g]!);
      else if (by === 'packets') {
        e.packetsHi = this.countHi[g]!;
        e.packetsLo = this.countLo[g]!;
      } else {
        e.bytesHi = this.countHi[g]!;
        e.bytesLo = this.countLo[g]!;
      }
      return makeRow(this.o, this.keys, this.table, g, i + 1, e, this.totals, this.withKeyColumns);
    });
  }
}

function makeEngine(o: NormalizedTop, withKeyColumns: boolean): TopEngine {
  return o.capacity === null ? new ExactTop(o, withKeyColumns) : new SpaceSavingTop(o, withKeyColumns);
}

function addAll(records: Iterable<FlowRecord | readonly FlowRecord[]>, add: (r: FlowRecord) => void): void {
  for (const r of records) {
    if (Array.isArray(r)) for (const x of r as readonly FlowRecord[]) add(x);
    else add(r as FlowRecord);
  }
}

// ---- entry points -------------------------------------------------------------------------------

/** Sync form of topTalkers: ranked rows of all `records`; an array of options ranks each in one pass. */
export function topTalkersRows(
  records: Iterable<FlowRecord | readonly FlowRecord[]>,
  options: TopTalkersOptions | readonly TopTalkersOptions[],
): Row[] {
  if (Array.isArray(options)) {
    const engines = normalizeStatistics(options).map((o) => makeEngine(o, false));
    addAll(records, (r) => {
      for (let i = 0; i < engines.length; i++) engines[i]!.add(r);
    });
    return engines.flatMap((e) => e.rows());
  }
  const engine = makeEngine(normalizeTop(options, 'topTalkers'), true);
  addAll(records, (r) => engine.add(r));
  return engine.rows();
}

/**
 * Top talkers as a Transform (FlowRecord or FlowRecord[] in, ranked rows out when the input ends).
 * An array of options computes several statistics in one pass: the rows of each in option order,
 * tagged by `statistic`.
 */
export function topTalkers(
  options: TopTalkersOptions | readonly TopTalkersOptions[],
): Transform & { columns: ColumnSpec[] } {
  if (Array.isArray(options)) {
    const engines = normalizeStatistics(options).map((o) => makeEngine(o, false));
    return aggregateTransform(
      (r) => {
        for (let i = 0; i < engines.length; i++) engines[i]!.add(r);
      },
      () => engines.flatMap((e) => e.rows()),
      topTalkersColumns(options),
    );
  }
  const engine = makeEngine(normalizeTop(options, 'topTalkers'), true);
  return aggregateTransform(
    (r) => engine.add(r),
    () => engine.rows(),
    topTalkersColumns(options as TopTalkersOptions),
  );
}
