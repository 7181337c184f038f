import { Readable } from 'node:stream';
import type { RecordBatch } from 'apache-arrow';
import { describeValue, NfwError } from '../errors.js';
import { formatIPv4, formatIPv6 } from '../parse/address-build.js';
import { protocolByNumber } from '../parse/protocol.js';
import type { ColumnSpec, FlowRecord, ParsedAddress, PortRange, Row } from '../types.js';
import { DiffBatchWriter } from './flow-diff-batches.js';
import {
  AGE_NULL,
  BYTES_NULL,
  DUPLICATE,
  FlowDiffTable,
  KEY_WIDTH,
  PACKETS_NULL,
  PAIRED,
  RESTARTED,
} from './flow-diff-table.js';
import { invalidOption } from './key-spec.js';
import { hashKey } from './key-table.js';

/**
 * Churn and rates between two captures of the same firewall: every flow of the "before" and the
 * "after" capture is matched on its key (addresses with prefixes, port ranges, protocol and the scope:
 * firewall, Availability Zone, VPC endpoint, association) and becomes one change row: `continuing`
 * (with the counter deltas over the interval between the two FlowRequestTimestamps), `new` or `ended`.
 * Both captures are held in FlowDiffTables (typed arrays, about 90 bytes per flow); the engine does
 * no I/O.
 */

/** What happened to a flow between the two captures. */
export type FlowChange = 'new' | 'ended' | 'continuing';

/** A record as the diff reads it: a FlowRecord, whose counters may also be bigints up to 2^64-1. */
export type DiffRecord = Omit<FlowRecord, 'packetCount' | 'byteCount'> & {
  packetCount: number | bigint | null;
  byteCount: number | bigint | null;
};

export interface FlowDiffOptions {
  /** Stream form: stop reading both inputs and fail with `NFW_ABORTED`. */
  signal?: AbortSignal;
  /**
   * Stream form: carry Arrow RecordBatches of the change rows (schema DIFF_COLUMNS; 4096 rows each
   * when `true`, else this many) instead of row objects. toArrow and toParquet with DIFF_COLUMNS
   * write them as they are, to the same bytes as the rows; no row object is made.
   */
  batches?: boolean | number;
}

export interface FlowDiffSummary {
  before: number;
  after: number;
  new: number;
  ended: number;
  continuing: number;
  /** Matched keys whose after-flow began after the before capture: counted once, as one ended and one new row. */
  restarted: number;
  /** Continuing rows whose packet or byte count went down. */
  counterResets: number;
  /** Flows whose key an earlier flow of the same capture already had (paired oldest first). */
  duplicatesBefore: number;
  duplicatesAfter: number;
}

const uint = (name: string, type: 'uint8' | 'uint16' | 'uint32', nullable: boolean, description: string) =>
  ({ name, type, nullable, description }) as ColumnSpec;

/**
 * The change-row schema (contract: names, types, nullability, order) for every output format. The
 * key columns are named as in schema v1; `_before`/`_after` columns are null on the side a flow is
 * missing from.
 */
export const DIFF_COLUMNS: readonly ColumnSpec[] = Object.freeze([
  { name: 'change', type: 'utf8', nullable: false, description: '`new`, `ended` or `continuing`' },
  { name: 'firewall_arn', type: 'utf8', nullable: false, description: 'ARN of the firewall' },
  {
    name: 'availability_zone',
    type: 'utf8',
    nullable: true,
    description: 'Availability Zone of the captures',
  },
  {
    name: 'vpc_endpoint_id',
    type: 'utf8',
    nullable: true,
    description: 'Firewall endpoint ID of the captures',
  },
  {
    name: 'vpc_endpoint_association_arn',
    type: 'utf8',
    nullable: true,
    description: 'VPC endpoint association ARN of the captures',
  },
  {
    name: 'source_address',
    type: 'utf8',
    nullable: false,
    description: 'Source address: canonical IPv4/IPv6 text, `address/prefix` unless a host prefix',
  },
  uint('source_ip_version', 'uint8', false, '4 or 6'),
  uint('source_prefix_length', 'uint8', false, 'Prefix length of the source (32/128 for a host)'),
  uint('source_port_from', 'uint16', true, 'First source port (ANY -> 0; null when absent)'),
  uint('source_port_to', 'uint16', true, 'Last source port (ANY -> 65535; null when absent)'),
  {
    name: 'destination_address',
    type: 'utf8',
    nullable: false,
    description: 'Destination address, as for source',
  },
  uint('destination_ip_version', 'uint8', false, '4 or 6'),
  uint('destination_prefix_length', 'uint8', false, 'Prefix length of the destination'),
  uint('destination_port_from', 'uint16', true, 'First destination port'),
  uint('destination_port_to', 'uint16', true, 'Last destination port'),
  uint('protocol', 'uint8', true, 'IANA protocol number (6 = TCP)'),
  { name: 'protocol_name', type: 'utf8', nullable: true, description: 'IANA protocol keyword, e.g. TCP' },
  {
    name: 'flow_operation_id_before',
    type: 'utf8',
    nullable: true,
    description: 'Flow operation of the before capture (null for a new flow)',
  },
  {
    name: 'flow_operation_id_after',
    type: 'utf8',
    nullable: true,
    description: 'Flow operation of the after capture (null for an ended flow)',
  },
  {
    name: 'flow_request_timestamp_before',
    type: 'timestamp_ms',
    nullable: true,
    description: 'FlowRequestTimestamp of the before capture of this scope',
  },
  {
    name: 'flow_request_timestamp_after',
    type: 'timestamp_ms',
    nullable: true,
    description: 'FlowRequestTimestamp of the after capture of this scope',
  },
  {
    name: 'interval_seconds',
    type: 'float64',
    nullable: true,
    description: 'After minus before FlowRequestTimestamp, in seconds (null when either is unknown)',
  },
  uint('age_seconds_before', 'uint32', true, 'Age of the flow in the before capture'),
  uint('age_seconds_after', 'uint32', true, 'Age of the flow in the after capture'),
  {
    name: 'packet_count_before',
    type: 'uint64',
    nullable: true,
    description: 'Packets in the before capture',
  },
  { name: 'packet_count_after', type: 'uint64', nullable: true, description: 'Packets in the after capture' },
  { name: 'byte_count_before', type: 'uint64', nullable: true, description: 'Bytes in the before capture' },
  { name: 'byte_count_after', type: 'uint64', nullable: true, description: 'Bytes in the after capture' },
  {
    name: 'delta_packets',
    type: 'uint64',
    nullable: true,
    description:
      'continuing: after minus before (null when a count is unknown or went down); new: the after count; ended: null',
  },
  { name: 'delta_bytes', type: 'uint64', nullable: true, description: 'As delta_packets, for bytes' },
  {
    name: 'packets_per_second',
    type: 'float64',
    nullable: true,
    description:
      'continuing: delta_packets / interval_seconds; new: packet count / its age; null when unknown or over 0 s',
  },
  {
    name: 'bytes_per_second',
    type: 'float64',
    nullable: true,
    description: 'As packets_per_second, for bytes',
  },
  uint('counter_reset', 'uint8', false, '1 when a continuing flow’s packet or byte count went down, else 0'),
  uint(
    'restarted',
    'uint8',
    false,
    '1 on both rows of a key whose after-flow began after the before capture (the old flow ended, a new one began)',
  ),
  uint('duplicate_key', 'uint8', false, '1 when the key occurs more than once in either capture'),
] satisfies ColumnSpec[]);

// ---- key packing --------------------------------------------------------------------------------

const PORT_NONE = 0;
const PORT_RANGE = 1;
const PORT_ANY = 2;

/** Context: the response metadata shared by many flows, interned. */
export interface Context {
  firewallArn: string;
  availabilityZone: string | null;
  vpcEndpointId: string | null;
  vpcEndpointAssociationArn: string | null;
  flowOperationId: string;
  /** The request timestamp (a shared Date) and its epoch ms, NaN when absent. */
  timestamp: Date | null;
  ms: number;
  scope: number;
}

function addressWords(a: ParsedAddress, field: string, out: Uint32Array, o: number): void {
  const b = a?.bytes;
  if (b === undefined || b === null || b.length !== 16 || (a.family !== 4 && a.family !== 6)) {
    throw new NfwError('NFW_INVALID_RECORD', `Invalid ${field}: ${describeValue(a)}`, { field, value: a });
  }
  for (let w = 0; w < 4; w++) {
    const i = 4 * w;
    out[o + w] = ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0;
  }
}

function portState(p: PortRange | null): number {
  return p === null || p === undefined ? PORT_NONE : p.any ? PORT_ANY : PORT_RANGE;
}

function portWord(p: PortRange | null): number {
  return p === null || p === undefined ? 0 : ((p.from << 16) | p.to) >>> 0;
}

const TWO32 = 4294967296;
const MAX_U64 = (1n << 64n) - 1n;

/** A counter as u64 halves in `out[0..1]`; false when null. Throws for anything but a u64 value. */
function counterHalves(value: unknown, field: string, out: Float64Array): boolean {
  if (value === null || value === undefined) return false;
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value) || value < 0) throw badCounter(field, value);
    const hi = Math.floor(value / TWO32);
    out[0] = hi;
    out[1] = value - hi * TWO32;
    return true;
  }
  if (typeof value === 'bigint') {
    if (value < 0n || value > MAX_U64) throw badCounter(field, value);
    out[0] = Number(value >> 32n);
    out[1] = Number(value & 0xffffffffn);
    return true;
  }
  throw badCounter(field, value);
}

function badCounter(field: string, value: unknown): NfwError {
  return new NfwError(
    'NFW_INVALID_RECORD',
    `Invalid ${field} ${describeValue(value)}: not an integer 0..2^64-1`,
    {
      field,
      value,
    },
  );
}

/** u64 halves -> a number when exact, else a bigint. */
function u64Value(hi: number, lo: number): number | bigint {
  return hi < 0x200000 ? hi * TWO32 + lo : (BigInt(hi) << 32n) + BigInt(lo);
}

const toBig = (v: number | bigint): bigint => (typeof v === 'bigint' ? v : BigInt(v));
const toNum = (v: number | bigint): number => (typeof v === 'bigint' ? Number(v) : v);

/** Engine: `addBefore` every flow of the before capture and `addAfter` every flow of the after one, then `rows()` once. */
export class FlowDiffEngine {
  readonly columns: ColumnSpec[] = DIFF_COLUMNS.map((c) => ({ ...c }));
  // The tables, contexts and the cursor's current change are read by the batch writer (flow-diff-batches.ts).
  readonly before = new FlowDiffTable();
  readonly after = new FlowDiffTable();
  readonly contexts: Context[] = [];
  private readonly contextIds = new Map<string, number>();
  private readonly scopeIds = new Map<string, number>();
  /** Per scope and side: the first request timestamp seen, and the range seen (ms). */
  readonly scopeTimes: { first: [number, number]; min: [number, number]; max: [number, number] }[] = [];
  private lastRecordContext: DiffRecord | null = null;
  private lastContextId = 0;
  private lastSide: 0 | 1 = 0;
  private readonly key = new Uint32Array(KEY_WIDTH);
  private readonly halves = new Float64Array(2);
  private readonly counts: FlowDiffSummary = {
    before: 0,
    after: 0,
    new: 0,
    ended: 0,
    continuing: 0,
    restarted: 0,
    counterResets: 0,
    duplicatesBefore: 0,
    duplicatesAfter: 0,
  };
  private started = false;
  // The cursor (see step()): where it is, and the change row it is on.
  private phase: 0 | 1 | 2 = 0;
  private nextAfter = 0;
  private nextBefore = 0;
  private grouped: Uint8Array = new Uint8Array(0);
  private group: { afters: number[]; partner: number[]; k: number } | null = null;
  /** The current change: its kind, flow indices (-1 on the side it is missing from) and flags. */
  change: FlowChange = 'new';
  beforeFlow = -1;
  afterFlow = -1;
  restarted = false;
  duplicate = false;
  counterReset = false;
  /** The packed key of the current change. */
  readonly rowKey = new Uint32Array(KEY_WIDTH);

  addBefore(record: DiffRecord): void {
    this.add(record, 0);
  }

  addAfter(record: DiffRecord): void {
    this.add(record, 1);
  }

  summary(): FlowDiffSummary {
    return {
      ...this.counts,
      before: this.before.size,
      after: this.after.size,
      duplicatesBefore: this.before.duplicates,
      duplicatesAfter: this.after.duplicates,
    };
  }

  private add(r: DiffRecord, side: 0 | 1): void {
    if (this.started) throw invalidOption('record', 'added', 'flows were added after rows() began');
    if (r === null || typeof r !== 'object') {
      throw new NfwError('NFW_INVALID_RECORD', `Invalid record ${describeValue(r)}`, { value: r });
    }
    const context = this.contextOf(r, side);
    const key = this.key;
    addressWords(r.source, 'source', key, 0);
    addressWords(r.destination, 'destination', key, 4);
    const p = r.protocol;
    key[8] =
      (r.source.family === 6 ? 1 : 0) |
      ((r.source.prefixLength & 0xff) << 1) |
      ((r.destination.family === 6 ? 1 : 0) << 9) |
      ((r.destination.prefixLength & 0xff) << 10) |
      (portState(r.sourcePort) << 18) |
      (portState(r.destinationPort) << 20) |
      ((p === null || p === undefined ? 0 : 1) << 22);
    key[9] = portWord(r.sourcePort);
    key[10] = portWord(r.destinationPort);
    key[11] =
      ((p === null || p === undefined ? 0 : p.number & 0xff) | (this.contexts[context]!.scope << 8)) >>> 0;
    let flags = 0;
    const h = this.halves;
    let ph = 0;
    let pl = 0;
    let bh = 0;
    let bl = 0;
    if (counterHalves(r.packetCount, 'packetCount', h)) {
      ph = h[0]!;
      pl = h[1]!;
    } else flags |= PACKETS_NULL;
    if (counterHalves(r.byteCount, 'byteCount', h)) {
      bh = h[0]!;
      bl = h[1]!;
    } else flags |= BYTES_NULL;
    const age = r.ageSeconds;
    if (age === null || age === undefined) flags |= AGE_NULL;
    else if (!Number.isInteger(age) || age < 0 || age >= TWO32) {
      throw new NfwError('NFW_INVALID_RECORD', `Invalid ageSeconds ${describeValue(age)}`, {
        field: 'ageSeconds',
        value: age,
      });
    }
    const table = side === 0 ? this.before : this.after;
    table.add(key, hashKey(key, KEY_WIDTH), ph, pl, bh, bl, age ?? 0, context, flags);
  }

  /** The interned context of a record; records of one page share theirs, so the last one is checked first. */
  private contextOf(r: DiffRecord, side: 0 | 1): number {
    const last = this.lastRecordContext;
    const ms = r.flowRequestTimestamp instanceof Date ? r.flowRequestTimestamp.getTime() : Number.NaN;
    if (
      last !== null &&
      last.firewallArn === r.firewallArn &&
      last.availabilityZone === r.availabilityZone &&
      last.vpcEndpointId === r.vpcEndpointId &&
      last.vpcEndpointAssociationArn === r.vpcEndpointAssociationArn &&
      last.flowOperationId === r.flowOperationId &&
      Object.is(this.contexts[this.lastContextId]!.ms, ms) &&
      this.lastSide === side
    ) {
      return this.lastContextId;
    }
    if (typeof r.firewallArn !== 'string') {
      throw new NfwError('NFW_INVALID_RECORD', `Invalid firewallArn ${describeValue(r.firewallArn)}`, {
        field: 'firewallArn',
        value: r.firewallArn,
      });
    }
    const az = r.availabilityZone ?? null;
    const vpce = r.vpcEndpointId ?? null;
    const assoc = r.vpcEndpointAssociationArn ?? null;
    const scopeKey = JSON.stringify([r.firewallArn, az, vpce, assoc]);
    let scope = this.scopeIds.get(scopeKey);
    if (scope === undefined) {
      scope = this.scopeIds.size;
      if (scope >= 1 << 24) throw invalidOption('scopes', scope, 'more than 2^24 scopes');
      this.scopeIds.set(scopeKey, scope);
      this.scopeTimes.push({
        first: [Number.NaN, Number.NaN],
        min: [Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY],
        max: [Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY],
      });
    }
    const times = this.scopeTimes[scope]!;
    if (!Number.isNaN(ms)) {
      if (Number.isNaN(times.first[side])) times.first[side] = ms;
      times.min[side] = Math.min(times.min[side], ms);
      times.max[side] = Math.max(times.max[side], ms);
    }
    const contextKey = `${scopeKey}\u0000${r.flowOperationId}\u0000${ms}`;
    let id = this.contextIds.get(contextKey);
    if (id === undefined) {
      id = this.contexts.length;
      this.contexts.push({
        firewallArn: r.firewallArn,
        availabilityZone: az,
        vpcEndpointId: vpce,
        vpcEndpointAssociationArn: assoc,
        flowOperationId: String(r.flowOperationId),
        timestamp: Number.isNaN(ms) ? null : new Date(ms),
        ms,
        scope,
      });
      this.contextIds.set(contextKey, id);
    }
    this.lastRecordContext = r;
    this.lastContextId = id;
    this.lastSide = side;
    return id;
  }

  /**
   * The next RecordBatch of change rows (up to the writer's capacity), or null at the end: the batch
   * form of rows(), after begin().
   */
  batch(writer: DiffBatchWriter): RecordBatch | null {
    while (writer.size < writer.capacity && this.step()) writer.append(this);
    return writer.flush();
  }

  /** The change rows as objects, in the order of step(). */
  *rows(): Generator<Row> {
    this.begin();
    while (this.step()) yield this.row();
  }

  /** Starts the change rows (once): checks the captures' order. */
  begin(): void {
    if (this.started) throw invalidOption('rows', 'called', 'rows() was already called');
    this.started = true;
    this.checkOrder();
    this.grouped = new Uint8Array(this.after.size);
    // The after table is only looked up for keys it repeats (ended rows' duplicate_key).
    if (this.after.duplicates === 0) this.after.dropIndex();
  }

  /**
   * Moves the cursor to the next change row; false at the end. The rows: the after capture's flows in
   * input order (continuing and new; flows sharing a key at the position of the first of them), then
   * the before capture's unpaired flows (ended) in input order. Counts and pairing flags are updated
   * here, so every output form (row objects, column batches) sees the same changes.
   */
  step(): boolean {
    for (;;) {
      const g = this.group;
      if (g !== null) {
        if (g.k < g.afters.length) {
          const a = g.afters[g.k]!;
          const p = g.partner[g.k++]!;
          if (p >= 0) this.pairChange(p, a, true);
          else this.newChange(a, false, true);
          return true;
        }
        this.group = null;
      }
      if (this.phase === 0) {
        if (this.nextAfter < this.after.size) {
          if (this.afterStep(this.nextAfter++)) return true;
          continue;
        }
        this.phase = 1;
        // The ended pass looks nothing up in the before table, nor reads the after-flows' marks.
        this.before.dropIndex();
        this.grouped = new Uint8Array(0);
      }
      if (this.phase === 1) {
        while (this.nextBefore < this.before.size) if (this.endedStep(this.nextBefore++)) return true;
        this.phase = 2;
      }
      return false;
    }
  }

  /** After-flow `i`: a new or continuing change (true), or the start of a group of flows sharing its key. */
  private afterStep(i: number): boolean {
    if (this.grouped[i] === 1) return false;
    const { before, after } = this;
    // Without repeated after keys nothing reads an after-flow again once the cursor is past it.
    if (after.duplicates === 0) after.release(i);
    const key = this.rowKey;
    after.keyOf(i, key);
    const b = before.find(key, after.hash(i));
    const duplicate = (after.flags(i) & DUPLICATE) !== 0 || (b >= 0 && (before.flags(b) & DUPLICATE) !== 0);
    if (!duplicate) {
      if (b < 0) this.newChange(i, false, false);
      else this.pairChange(b, i, false);
      return true;
    }
    // Several flows share the key: pair them by start time (see pairGroup), deterministically.
    const afters: number[] = [];
    for (let a = i; a >= 0; a = after.next(a)) {
      afters.push(a);
      this.grouped[a] = 1;
    }
    const befores: number[] = [];
    for (let x = b; x >= 0; x = before.next(x)) befores.push(x);
    this.group = { afters, partner: this.pairGroup(befores, afters), k: 0 };
    return false;
  }

  /** Before-flow `x`: an ended change (true) unless it continues. */
  private endedStep(x: number): boolean {
    const { before } = this;
    before.release(x);
    const flags = before.flags(x);
    if ((flags & PAIRED) !== 0 && (flags & RESTARTED) === 0) return false;
    before.keyOf(x, this.rowKey);
    this.counts.ended++;
    this.setChange(
      'ended',
      x,
      -1,
      (flags & RESTARTED) !== 0,
      (flags & DUPLICATE) !== 0 || this.afterDuplicate(this.rowKey, before.hash(x)),
      false,
    );
    return true;
  }

  private afterDuplicate(key: Uint32Array, hash: number): boolean {
    if (this.after.duplicates === 0) return false;
    const a = this.after.find(key, hash);
    return a >= 0 && (this.after.flags(a) & DUPLICATE) !== 0;
  }

  private checkOrder(): void {
    for (const [scopeKey, scope] of this.scopeIds) {
      const t = this.scopeTimes[scope]!;
      if (t.min[1] < t.max[0]) {
        throw new NfwError(
          'NFW_CAPTURES_OUT_OF_ORDER',
          `The after capture of scope ${scopeKey} was requested at ${new Date(t.min[1]).toISOString()}, before the before capture (${new Date(t.max[0]).toISOString()}): swap them`,
          { field: 'after', value: new Date(t.min[1]).toISOString() },
        );
      }
    }
  }

  /**
   * Pairs the flows of one key that occurs several times. Each list is sorted oldest first. When every
   * flow has an age and a request timestamp, each has a start time (timestamp minus age) and the
   * lists are sorted by it; after-flows that began after every before capture of the key are new,
   * and the others pair with before-flows in the order-preserving matching of as many flows as the
   * shorter side has with the least total start-time difference (a flow keeps its start time from
   * one capture to the next); otherwise, or for groups
   * too large for that (over 10^6 candidate pairs), the k-th oldest before-flow pairs with the k-th
   * oldest after-flow. Sorts `befores` and `afters` in place and returns, per after-flow, its
   * before-flow or -1.
   */
  private pairGroup(befores: number[], afters: number[]): number[] {
    const { before, after } = this;
    const n = befores.length;
    const m = afters.length;
    const partner = new Array<number>(m).fill(-1);
    const known =
      n * m <= 1_000_000 &&
      befores.every((x) => !Number.isNaN(this.startOf(before, x))) &&
      afters.every((x) => !Number.isNaN(this.startOf(after, x)));
    const order = (t: FlowDiffTable) => (x: number, y: number) =>
      (known ? this.startOf(t, x) - this.startOf(t, y) : 0) || this.older(t, x, y);
    befores.sort(order(before));
    afters.sort(order(after));
    if (!known) {
      for (let k = 0; k < Math.min(n, m); k++) partner[k] = befores[k]!;
      return partner;
    }
    // After-flows that began after every before capture of the key cannot continue one: they are new.
    let latest = Number.NEGATIVE_INFINITY;
    for (const x of befores) latest = Math.max(latest, this.contexts[before.context(x)]!.ms);
    const eligible: number[] = [];
    for (let k = 0; k < m; k++) {
      const a = afters[k]!;
      if (after.age(a) + 1 > (this.contexts[after.context(a)]!.ms - latest) / 1000) eligible.push(k);
    }
    const sb = befores.map((x) => this.startOf(before, x));
    const sa = eligible.map((k) => this.startOf(after, afters[k]!));
    // The longer list skips entries; dp[i][j]: least cost pairing the first j of the shorter list
    // with a subsequence of the first i of the longer one.
    const longIsBefore = n >= sa.length;
    const L = longIsBefore ? sb : sa;
    const S = longIsBefore ? sa : sb;
    const cols = S.length + 1;
    const dp = new Float64Array((L.length + 1) * cols).fill(Number.POSITIVE_INFINITY);
    for (let i = 0; i <= L.length; i++) dp[i * cols] = 0;
    for (let i = 1; i <= L.length; i++) {
      for (let j = 1; j <= Math.min(i, S.length); j++) {
        const skip = dp[(i - 1) * cols + j]!;
        const pair = dp[(i - 1) * cols + j - 1]! + Math.abs(L[i - 1]! - S[j - 1]!);
        dp[i * cols + j] = Math.min(skip, pair);
      }
    }
    for (let i = L.length, j = S.length; j > 0; i--) {
      const pair = dp[(i - 1) * cols + j - 1]! + Math.abs(L[i - 1]! - S[j - 1]!);
      if (dp[i * cols + j] === pair) {
        if (longIsBefore) partner[eligible[j - 1]!] = befores[i - 1]!;
        else partner[eligible[i - 1]!] = befores[j - 1]!;
        j--;
      }
    }
    return partner;
  }

  /** Estimated start (epoch ms) of a flow: its request timestamp minus its age; NaN when either is unknown. */
  private startOf(t: FlowDiffTable, i: number): number {
    if ((t.flags(i) & AGE_NULL) !== 0) return Number.NaN;
    return this.contexts[t.context(i)]!.ms - t.age(i) * 1000;
  }

  /** Oldest first: age descending (unknown last), then bytes, packets descending, then request time, operation id. */
  private older(t: FlowDiffTable, x: number, y: number): number {
    const fx = t.flags(x);
    const fy = t.flags(y);
    const ax = (fx & AGE_NULL) !== 0 ? -1 : t.age(x);
    const ay = (fy & AGE_NULL) !== 0 ? -1 : t.age(y);
    if (ax !== ay) return ay - ax;
    for (const [which, nullFlag] of [
      [1, BYTES_NULL],
      [0, PACKETS_NULL],
    ] as const) {
      const nx = (fx & nullFlag) !== 0;
      const ny = (fy & nullFlag) !== 0;
      if (nx !== ny) return nx ? 1 : -1;
      const d =
        t.counter(y, which, 0) - t.counter(x, which, 0) || t.counter(y, which, 1) - t.counter(x, which, 1);
      if (d !== 0) return d;
    }
    const cx = this.contexts[t.context(x)]!;
    const cy = this.contexts[t.context(y)]!;
    const mx = Number.isNaN(cx.ms) ? Number.POSITIVE_INFINITY : cx.ms;
    const my = Number.isNaN(cy.ms) ? Number.POSITIVE_INFINITY : cy.ms;
    if (mx !== my) return mx < my ? -1 : 1;
    return cx.flowOperationId < cy.flowOperationId ? -1 : cx.flowOperationId > cy.flowOperationId ? 1 : 0;
  }

  /** The counter of a flow, or null. */
  private counterOf(t: FlowDiffTable, i: number, which: 0 | 1): number | bigint | null {
    if ((t.flags(i) & (which === 0 ? PACKETS_NULL : BYTES_NULL)) !== 0) return null;
    return u64Value(t.counter(i, which, 0), t.counter(i, which, 1));
  }

  private setChange(
    change: FlowChange,
    b: number,
    a: number,
    restarted: boolean,
    duplicate: boolean,
    reset: boolean,
  ): void {
    this.change = change;
    this.beforeFlow = b;
    this.afterFlow = a;
    this.restarted = restarted;
    this.duplicate = duplicate;
    this.counterReset = reset;
  }

  /** A before/after pair with the same key: continuing, or a restart (this is the new half). */
  private pairChange(b: number, a: number, duplicate: boolean): void {
    const { before, after } = this;
    const msB = this.contexts[before.context(b)]!.ms;
    const msA = this.contexts[after.context(a)]!.ms;
    const interval = Number.isNaN(msB) || Number.isNaN(msA) ? null : (msA - msB) / 1000;
    const ageB = (before.flags(b) & AGE_NULL) !== 0 ? null : before.age(b);
    const ageA = (after.flags(a) & AGE_NULL) !== 0 ? null : after.age(a);
    // Ages are whole seconds (the true age is below age + 1): the flow surely began after the before
    // capture when age + 1 <= interval, or when it is younger than the before-flow was.
    const restarted =
      ageA !== null && ((ageB !== null && ageA < ageB) || (interval !== null && ageA + 1 <= interval));
    if (restarted) {
      before.setFlag(b, PAIRED | RESTARTED);
      this.counts.restarted++;
      this.newChange(a, true, duplicate);
      return;
    }
    before.setFlag(b, PAIRED);
    this.counts.continuing++;
    const reset = this.wentDown(b, a, 0, PACKETS_NULL) || this.wentDown(b, a, 1, BYTES_NULL);
    if (reset) this.counts.counterResets++;
    this.setChange('continuing', b, a, false, duplicate, reset);
  }

  private newChange(a: number, restarted: boolean, duplicate: boolean): void {
    this.counts.new++;
    this.setChange('new', -1, a, restarted, duplicate, false);
  }

  /** Whether a counter known on both sides is lower after than before. */
  private wentDown(b: number, a: number, which: 0 | 1, nullFlag: number): boolean {
    const { before, after } = this;
    if ((before.flags(b) & nullFlag) !== 0 || (after.flags(a) & nullFlag) !== 0) return false;
    const hb = before.counter(b, which, 0);
    const ha = after.counter(a, which, 0);
    return ha < hb || (ha === hb && after.counter(a, which, 1) < before.counter(b, which, 1));
  }

  /** The current change as a row object (the row form; batches are written by DiffBatchWriter). */
  row(): Row {
    if (this.change === 'continuing') return this.continuingRow();
    return this.change === 'new' ? this.newRow() : this.endedRow();
  }

  private continuingRow(): Row {
    const { before, after, beforeFlow: b, afterFlow: a } = this;
    const cb = this.contexts[before.context(b)]!;
    const ca = this.contexts[after.context(a)]!;
    const interval = Number.isNaN(cb.ms) || Number.isNaN(ca.ms) ? null : (ca.ms - cb.ms) / 1000;
    const row = this.keyRow('continuing', ca);
    row.flow_operation_id_before = cb.flowOperationId;
    row.flow_operation_id_after = ca.flowOperationId;
    row.flow_request_timestamp_before = cb.timestamp;
    row.flow_request_timestamp_after = ca.timestamp;
    row.interval_seconds = interval;
    row.age_seconds_before = (before.flags(b) & AGE_NULL) !== 0 ? null : before.age(b);
    row.age_seconds_after = (after.flags(a) & AGE_NULL) !== 0 ? null : after.age(a);
    const pb = this.counterOf(before, b, 0);
    const pa = this.counterOf(after, a, 0);
    const bb = this.counterOf(before, b, 1);
    const ba = this.counterOf(after, a, 1);
    row.packet_count_before = pb === null ? null : toBig(pb);
    row.packet_count_after = pa === null ? null : toBig(pa);
    row.byte_count_before = bb === null ? null : toBig(bb);
    row.byte_count_after = ba === null ? null : toBig(ba);
    const dp = delta(pb, pa);
    const db = delta(bb, ba);
    row.delta_packets = dp ?? null;
    row.delta_bytes = db ?? null;
    const rate = interval !== null && interval > 0 ? interval : null;
    row.packets_per_second = dp === undefined || dp === null || rate === null ? null : Number(dp) / rate;
    row.bytes_per_second = db === undefined || db === null || rate === null ? null : Number(db) / rate;
    row.counter_reset = this.counterReset ? 1 : 0;
    row.restarted = 0;
    row.duplicate_key = this.duplicate ? 1 : 0;
    return row;
  }

  private newRow(): Row {
    const { after, afterFlow: a } = this;
    const ca = this.contexts[after.context(a)]!;
    const row = this.keyRow('new', ca);
    const beforeMs = this.scopeTimes[ca.scope]!.first[0];
    row.flow_operation_id_after = ca.flowOperationId;
    row.flow_request_timestamp_before = Number.isNaN(beforeMs) ? null : new Date(beforeMs);
    row.flow_request_timestamp_after = ca.timestamp;
    row.interval_seconds = Number.isNaN(beforeMs) || Number.isNaN(ca.ms) ? null : (ca.ms - beforeMs) / 1000;
    const age = (after.flags(a) & AGE_NULL) !== 0 ? null : after.age(a);
    row.age_seconds_after = age;
    const pa = this.counterOf(after, a, 0);
    const ba = this.counterOf(after, a, 1);
    row.packet_count_after = pa === null ? null : toBig(pa);
    row.byte_count_after = ba === null ? null : toBig(ba);
    row.delta_packets = row.packet_count_after;
    row.delta_bytes = row.byte_count_after;
    row.packets_per_second = pa === null || age === null || age === 0 ? null : toNum(pa) / age;
    row.bytes_per_second = ba === null || age === null || age === 0 ? null : toNum(ba) / age;
    row.restarted = this.restarted ? 1 : 0;
    row.duplicate_key = this.duplicate ? 1 : 0;
    return row;
  }

  private endedRow(): Row {
    const { before, beforeFlow: b } = this;
    const cb = this.contexts[before.context(b)]!;
    const row = this.keyRow('ended', cb);
    const afterMs = this.scopeTimes[cb.scope]!.first[1];
    row.flow_operation_id_before = cb.flowOperationId;
    row.flow_request_timestamp_before = cb.timestamp;
    row.flow_request_timestamp_after = Number.isNaN(afterMs) ? null : new Date(afterMs);
    row.interval_seconds = Number.isNaN(afterMs) || Number.isNaN(cb.ms) ? null : (afterMs - cb.ms) / 1000;
    row.age_seconds_before = (before.flags(b) & AGE_NULL) !== 0 ? null : before.age(b);
    const pb = this.counterOf(before, b, 0);
    const bb = this.counterOf(before, b, 1);
    row.packet_count_before = pb === null ? null : toBig(pb);
    row.byte_count_before = bb === null ? null : toBig(bb);
    row.restarted = this.restarted ? 1 : 0;
    row.duplicate_key = this.duplicate ? 1 : 0;
    return row;
  }

  /** A row with the change and the key columns, in schema order (the rest is filled by the caller). */
  private keyRow(change: FlowChange, c: Context): Row {
    const key = this.rowKey;
    const w8 = key[8]!;
    const sourceV6 = (w8 & 1) === 1;
    const sourcePrefix = (w8 >>> 1) & 0xff;
    const destinationV6 = ((w8 >>> 9) & 1) === 1;
    const destinationPrefix = (w8 >>> 10) & 0xff;
    const sp = (w8 >>> 18) & 3;
    const dp = (w8 >>> 20) & 3;
    const protocol = (w8 >>> 22) & 1 ? key[11]! & 0xff : null;
    return {
      change,
      firewall_arn: c.firewallArn,
      availability_zone: c.availabilityZone,
      vpc_endpoint_id: c.vpcEndpointId,
      vpc_endpoint_association_arn: c.vpcEndpointAssociationArn,
      source_address: addressText(key, 0, sourceV6, sourcePrefix),
      source_ip_version: sourceV6 ? 6 : 4,
      source_prefix_length: sourcePrefix,
      source_port_from: sp === PORT_NONE ? null : key[9]! >>> 16,
      source_port_to: sp === PORT_NONE ? null : key[9]! & 0xffff,
      destination_address: addressText(key, 4, destinationV6, destinationPrefix),
      destination_ip_version: destinationV6 ? 6 : 4,
      destination_prefix_length: destinationPrefix,
      destination_port_from: dp === PORT_NONE ? null : key[10]! >>> 16,
      destination_port_to: dp === PORT_NONE ? null : key[10]! & 0xffff,
      protocol,
      protocol_name: protocol === null ? null : (protocolByNumber(protocol)?.name ?? null),
      // Every column in schema order from the start, so all rows share one object shape.
      flow_operation_id_before: null,
      flow_operation_id_after: null,
      flow_request_timestamp_before: null,
      flow_request_timestamp_after: null,
      interval_seconds: null,
      age_seconds_before: null,
      age_seconds_after: null,
      packet_count_before: null,
      packet_count_after: null,
      byte_count_before: null,
      byte_count_after: null,
      delta_packets: null,
      delta_bytes: null,
      packets_per_second: null,
      bytes_per_second: null,
      counter_reset: 0,
      restarted: 0,
      duplicate_key: 0,
    };
  }
}

/** after - before; null when either is unknown; undefined when the counter went down. */
function delta(before: number | bigint | null, after: number | bigint | null): bigint | null | undefined {
  if (before === null || after === null) return null;
  if (typeof before === 'number' && typeof after === 'number') {
    return after < before ? undefined : BigInt(after - before);
  }
  const d = toBig(after) - toBig(before);
  return d < 0n ? undefined : d;
}

const addressBytes = new Uint8Array(16); // formatting is synchronous

function addressText(key: Uint32Array, o: number, v6: boolean, prefix: number): string {
  for (let w = 0; w < 4; w++) {
    const word = key[o + w]!;
    addressBytes[4 * w] = word >>> 24;
    addressBytes[4 * w + 1] = (word >>> 16) & 0xff;
    addressBytes[4 * w + 2] = (word >>> 8) & 0xff;
    addressBytes[4 * w + 3] = word & 0xff;
  }
  const address = v6 ? formatIPv6(addressBytes) : formatIPv4(addressBytes);
  return prefix === (v6 ? 128 : 32) ? address : `${address}/${prefix}`;
}

type Chunk<T> = T | readonly T[];

function feed(engine: FlowDiffEngine, chunk: Chunk<DiffRecord>, side: 0 | 1): void {
  if (Array.isArray(chunk)) {
    for (let i = 0; i < chunk.length; i++) {
      if (side === 0) engine.addBefore(chunk[i]!);
      else engine.addAfter(chunk[i]!);
    }
  } else if (side === 0) engine.addBefore(chunk as DiffRecord);
  else engine.addAfter(chunk as DiffRecord);
}

function isObjectReadable(input: unknown): input is Readable {
  return input instanceof Readable && input.readableObjectMode;
}

/**
 * Sync form: the change rows of two captures given as iterables of records (or arrays of records).
 * Both are read in full before the first row; rows come lazily.
 */
export function* diffCaptureRows(
  before: Iterable<Chunk<DiffRecord>>,
  after: Iterable<Chunk<DiffRecord>>,
): Generator<Row, FlowDiffSummary> {
  const engine = new FlowDiffEngine();
  for (const chunk of before) feed(engine, chunk, 0);
  for (const chunk of after) feed(engine, chunk, 1);
  yield* engine.rows();
  return engine.summary();
}

export type FlowDiffStream = Readable & { columns: ColumnSpec[]; summary(): FlowDiffSummary };

/** Rows of a batch in `batches` mode unless a count is given: the serializers' default batch size. */
const DEFAULT_DIFF_BATCH = 4096;

function checkInputs(before: unknown, after: unknown, options: FlowDiffOptions): number {
  if (options === null || typeof options !== 'object') throw invalidOption('options', options, 'an object');
  for (const [name, input] of [
    ['before', before],
    ['after', after],
  ] as const) {
    if (
      input === null ||
      typeof input !== 'object' ||
      (typeof (input as AsyncIterable<unknown>)[Symbol.asyncIterator] !== 'function' &&
        typeof (input as Iterable<unknown>)[Symbol.iterator] !== 'function')
    ) {
      throw invalidOption(name, input, 'a record stream or an (async) iterable of records');
    }
  }
  const { signal, batches } = options;
  if (signal !== undefined && !(signal instanceof AbortSignal))
    throw invalidOption('signal', signal, 'an AbortSignal');
  if (batches === undefined || batches === false) return 0;
  if (batches === true) return DEFAULT_DIFF_BATCH;
  if (!Number.isSafeInteger(batches) || batches < 1)
    throw invalidOption('batches', batches, 'true, false or a positive integer');
  return batches;
}

/**
 * Stream form: a Readable (object mode) of change rows from two record streams or (async) iterables,
 * e.g. two `flowResults` or `flowResultsFromFile` streams. The before capture is read in full, then
 * the after capture, then rows flow with backpressure; `summary` is emitted (and `summary()` returns
 * the counts) at the end. With `batches`, the stream carries Arrow RecordBatches of the same rows in
 * DIFF_COLUMNS instead (what toArrow and toParquet write fastest).
 */
export function diffCaptures(
  before: AsyncIterable<Chunk<DiffRecord>> | Iterable<Chunk<DiffRecord>>,
  after: AsyncIterable<Chunk<DiffRecord>> | Iterable<Chunk<DiffRecord>>,
  options: FlowDiffOptions = {},
): FlowDiffStream {
  const batchRows = checkInputs(before, after, options);
  const { signal } = options;
  const engine = new FlowDiffEngine();
  const aborted = () =>
    new NfwError(
      'NFW_ABORTED',
      'The diff was aborted',
      signal?.reason === undefined ? {} : { cause: signal.reason },
    );
  // Reading the inputs is async; the rows then come from the engine's sync cursor, pushed while the
  // consumer wants more (no promise per row).
  let next: (() => Row | RecordBatch | null) | null = null;
  let loading: Promise<void> | null = null;
  let n = 0;
  async function load(): Promise<void> {
    for (const [side, input] of [
      [0, before],
      [1, after],
    ] as const) {
      const readable = isObjectReadable(input) ? input : null;
      for await (const chunk of input as AsyncIterable<Chunk<DiffRecord>>) {
        if (signal?.aborted) throw aborted();
        feed(engine, chunk, side);
        // The records a stream already holds are taken at once: the iterator costs a promise each.
        if (readable !== null)
          for (let r = readable.read(); r !== null; r = readable.read()) feed(engine, r, side);
      }
    }
    engine.begin();
    if (batchRows === 0) next = () => (engine.step() ? engine.row() : null);
    else {
      const writer = new DiffBatchWriter(engine.columns, batchRows);
      next = () => engine.batch(writer);
    }
  }
  function pushRows(): void {
    const take = next as () => Row | RecordBatch | null;
    for (;;) {
      if ((++n & 1023) === 0 && signal?.aborted) throw aborted();
      const item = take();
      if (item === null) {
        stream.emit('summary', engine.summary());
        stream.push(null);
        return;
      }
      if (!stream.push(item)) return;
    }
  }
  const stream = new Readable({
    objectMode: true,
    // A batch holds thousands of rows: keep one at most.
    highWaterMark: batchRows === 0 ? 64 : 1,
    read() {
      if (next !== null) {
        try {
          pushRows();
        } catch (error) {
          this.destroy(error as Error);
        }
        return;
      }
      if (loading !== null) return;
      loading = load().then(
        () => {
          try {
            pushRows();
          } catch (error) {
            this.destroy(error as Error);
          }
        },
        (error: Error) => {
          this.destroy(error);
        },
      );
    },
    destroy(error, callback) {
      // Stop the inputs: an early end (a consumer gone) or an error must not leave them reading.
      for (const input of [before, after]) {
        const destroyable = input as { destroy?: (e?: Error) => void };
        if (typeof destroyable.destroy === 'function') destroyable.destroy();
      }
      callback(error);
    },
  }) as FlowDiffStream;
  stream.columns = engine.columns;
  stream.summary = () => engine.summary();
  return stream;
}
