import type { FlowRecord } from '../types.js';
import type { CompiledKeys } from './key-spec.js';
import { hashKey, KeyTable } from './key-table.js';
import { addU64, grow } from './u64.js';

/**
 * The exact group-by engine (no I/O): packed key -> dense group index, with metrics in parallel
 * typed arrays that grow by doubling. Used by groupBy and by the exact mode of topTalkers.
 *
 * Null counters: packets/bytes sums skip nulls and count them in `packetsNull`/`bytesNull`; ages
 * skip nulls in min/max/mean and count them in `ageNull`.
 */
export class GroupStore {
  readonly keys: CompiledKeys;
  readonly table: KeyTable;
  private readonly scratch: Uint32Array;
  flows: Float64Array;
  packetsHi: Float64Array;
  packetsLo: Float64Array;
  packetsNull: Float64Array;
  bytesHi: Float64Array;
  bytesLo: Float64Array;
  bytesNull: Float64Array;
  ageMin: Float64Array;
  ageMax: Float64Array;
  ageSum: Float64Array;
  ageNull: Float64Array;

  /** False for top talkers: null counts and ages are not kept (saves 6 arrays per group). */
  readonly details: boolean;

  constructor(keys: CompiledKeys, options: { details: boolean; initialGroups?: number }) {
    const initialGroups = options.initialGroups ?? 1024;
    this.details = options.details;
    this.keys = keys;
    this.table = new KeyTable(keys.width, initialGroups);
    this.scratch = new Uint32Array(keys.width);
    const n = this.table.capacity;
    const d = this.details ? n : 0;
    this.flows = new Float64Array(n);
    this.packetsHi = new Float64Array(n);
    this.packetsLo = new Float64Array(n);
    this.packetsNull = new Float64Array(d);
    this.bytesHi = new Float64Array(n);
    this.bytesLo = new Float64Array(n);
    this.bytesNull = new Float64Array(d);
    this.ageMin = new Float64Array(d).fill(Number.POSITIVE_INFINITY);
    this.ageMax = new Float64Array(d).fill(Number.NEGATIVE_INFINITY);
    this.ageSum = new Float64Array(d);
    this.ageNull = new Float64Array(d);
  }

  get size(): number {
    return this.table.size;
  }

  /** Count one record (twice for a two-sided `ip` key: once per end). */
  add(r: FlowRecord): void {
    this.addSide(r, 0);
    if (this.keys.twoSided) this.addSide(r, 1);
  }

  private addSide(r: FlowRecord, side: 0 | 1): void {
    const { scratch, table } = this;
    this.keys.encode(r, scratch, side);
    const hash = hashKey(scratch, scratch.length);
    let g = table.find(scratch, hash);
    if (g < 0) {
      g = table.insert(scratch, hash);
      if (table.capacity > this.flows.length) this.growMetrics(table.capacity);
    }
    this.flows[g]! += 1;
    const packets = r.packetCount;
    const bytes = r.byteCount;
    if (!this.details) {
      if (packets !== null) addU64(this.packetsHi, this.packetsLo, g, packets);
      if (bytes !== null) addU64(this.bytesHi, this.bytesLo, g, bytes);
      return;
    }
    if (packets === null) this.packetsNull[g]! += 1;
    else addU64(this.packetsHi, this.packetsLo, g, packets);
    if (bytes === null) this.bytesNull[g]! += 1;
    else addU64(this.bytesHi, this.bytesLo, g, bytes);
    const age = r.ageSeconds;
    if (age === null) this.ageNull[g]! += 1;
    else {
      if (age < this.ageMin[g]!) this.ageMin[g] = age;
      if (age > this.ageMax[g]!) this.ageMax[g] = age;
      this.ageSum[g]! += age;
    }
  }

  private growMetrics(n: number): void {
    this.flows = grow(this.flows, n);
    this.packetsHi = grow(this.packetsHi, n);
    this.packetsLo = grow(this.packetsLo, n);
    this.bytesHi = grow(this.bytesHi, n);
    this.bytesLo = grow(this.bytesLo, n);
    if (!this.details) return;
    this.packetsNull = grow(this.packetsNull, n);
    this.bytesNull = grow(this.bytesNull, n);
    this.ageMin = grow(this.ageMin, n, Number.POSITIVE_INFINITY);
    this.ageMax = grow(this.ageMax, n, Number.NEGATIVE_INFINITY);
    this.ageSum = grow(this.ageSum, n);
    this.ageNull = grow(this.ageNull, n);
  }

  /** Order of groups a and b by packed key, ascending. */
  compareKeys(a: number, b: number): number {
    return this.keys.compare(this.table.keys, a, b);
  }
}
