import { type Data, makeData, RecordBatch, type Schema, Struct } from 'apache-arrow';
import { formatIPv6 } from '../parse/address-build.js';
import { protocolByNumber } from '../parse/protocol.js';
import { arrowType, columnsSchema } from '../serialize/schema.js';
import { grow, MAX_UTF8_PER_UNIT, writeUtf8 } from '../serialize/utf8.js';
import type { ColumnSpec } from '../types.js';
import type { Context, FlowDiffEngine } from './flow-diff.js';
import { AGE_NULL, BYTES_NULL, type FlowDiffTable, PACKETS_NULL } from './flow-diff-table.js';

/*
 * The diff's change rows straight into Arrow column buffers: the engine's cursor (FlowDiffEngine.step)
 * says which change comes next, and this writer reads the flows' packed keys, u64 counter halves and
 * interned contexts from the tables into typed arrays, with no row object, no bigint and no Date per
 * change. The buffers and bitmaps it hands to Arrow are the ones the generic row builders
 * (serialize/column-builders.ts) make from the same rows: fresh zeroed arrays per batch, a validity
 * bitmap only for a column with nulls, with exactly the valid rows' bits set; so every Arrow and
 * Parquet file is byte for byte what the row path writes.
 */

const TWO32 = 4294967296;

/** Validity of one column: all valid until the first null (then a bitmap with only valid bits set). */
class Validity {
  bits: Uint8Array | null = null;
  nulls = 0;
  constructor(private readonly capacity: number) {}

  clear(i: number): void {
    if (this.bits === null) this.bits = new Uint8Array((this.capacity + 7) >> 3).fill(0xff);
    this.bits[i >> 3]! &= ~(1 << (i & 7));
    this.nulls++;
  }

  /** Arrow's bitmap and null count for `length` rows; bits past the last row are cleared. */
  take(length: number): { nullCount: number; nullBitmap: Uint8Array | undefined } {
    const { bits, nulls } = this;
    this.bits = null;
    this.nulls = 0;
    if (bits === null) return { nullCount: 0, nullBitmap: undefined };
    for (let i = length; i < ((length + 7) & ~7); i++) bits[i >> 3]! &= ~(1 << (i & 7));
    return { nullCount: nulls, nullBitmap: bits.subarray(0, (length + 7) >> 3) };
  }
}

class Utf8Column {
  readonly validity: Validity;
  offsets: Int32Array;
  bytes: Uint8Array = new Uint8Array(1024);
  position = 0;
  private last: string | null = null;
  private lastStart = 0;
  constructor(private readonly capacity: number) {
    this.validity = new Validity(capacity);
    this.offsets = new Int32Array(capacity + 1);
  }

  text(i: number, value: string): void {
    const start = this.position;
    if (value === this.last) {
      const length = start - this.lastStart;
      this.bytes = grow(this.bytes, start, start + length);
      this.bytes.copyWithin(start, this.lastStart, start);
      this.position = start + length;
    } else {
      this.bytes = grow(this.bytes, start, start + value.length * MAX_UTF8_PER_UNIT);
      this.position = writeUtf8(this.bytes, start, value);
      this.last = value;
    }
    this.lastStart = start;
    this.offsets[i + 1] = this.position;
  }

  /** The value at row i, or null (the previous value cache stays valid: it ends where the null is). */
  maybe(i: number, value: string | null): void {
    if (value !== null) {
      this.text(i, value);
      return;
    }
    this.validity.clear(i);
    this.offsets[i + 1] = this.position;
    // A null between two equal values: the second must not copy from before the null.
    this.last = null;
  }

  /** Reserves `n` bytes for a value written in place; the caller ends it with `end`. */
  reserve(n: number): Uint8Array {
    this.bytes = grow(this.bytes, this.position, this.position + n);
    this.last = null;
    return this.bytes;
  }

  end(i: number, position: number): void {
    this.position = position;
    this.offsets[i + 1] = position;
  }

  finish(type: ColumnSpec['type'], length: number): Data {
    const data = makeData({
      type: arrowType(type),
      length,
      ...this.validity.take(length),
      valueOffsets: this.offsets.subarray(0, length + 1),
      data: this.bytes.subarray(0, this.position),
    } as never) as Data;
    this.offsets = new Int32Array(this.capacity + 1);
    this.bytes = new Uint8Array(Math.max(1024, this.position));
    this.position = 0;
    this.last = null;
    return data;
  }
}

/** Writes the decimal digits of 0 <= n < 2^32 at `at`; returns the end. */
function writeDecimal(bytes: Uint8Array, at: number, n: number): number {
  if (n < 10) {
    bytes[at] = 48 + n;
    return at + 1;
  }
  const digits = n < 100 ? 2 : n < 1000 ? 3 : String(n).length;
  for (let k = at + digits - 1; k >= at; k--) {
    bytes[k] = 48 + (n % 10);
    n = Math.floor(n / 10);
  }
  return at + digits;
}

const addressBytes = new Uint8Array(16); // formatting is synchronous

/**
 * The canonical text of the address in key words `o..o+3`: as flow-diff.ts's addressText (formatIPv4,
 * formatIPv6, `/prefix` unless a host prefix), written as bytes (an IPv4 address makes no string).
 */
function writeAddress(col: Utf8Column, i: number, key: Uint32Array, o: number, v6: boolean, prefix: number) {
  const bytes = col.reserve(48);
  let at = col.position;
  if (v6) {
    for (let w = 0; w < 4; w++) {
      const word = key[o + w]!;
      addressBytes[4 * w] = word >>> 24;
      addressBytes[4 * w + 1] = (word >>> 16) & 0xff;
      addressBytes[4 * w + 2] = (word >>> 8) & 0xff;
      addressBytes[4 * w + 3] = word & 0xff;
    }
    at = writeUtf8(bytes, at, formatIPv6(addressBytes));
  } else {
    const word = key[o + 3]!;
    at = writeDecimal(bytes, at, word >>> 24);
    bytes[at++] = 46;
    at = writeDecimal(bytes, at, (word >>> 16) & 0xff);
    bytes[at++] = 46;
    at = writeDecimal(bytes, at, (word >>> 8) & 0xff);
    bytes[at++] = 46;
    at = writeDecimal(bytes, at, word & 0xff);
  }
  if (prefix !== (v6 ? 128 : 32)) {
    bytes[at++] = 47;
    at = writeDecimal(bytes, at, prefix);
  }
  col.end(i, at);
}

/** A numeric column: values in a fresh zeroed typed array per batch (a null leaves its 0). */
class NumberColumn<A extends Uint8Array | Uint16Array | Uint32Array | Float64Array> {
  readonly validity: Validity;
  values: A;
  constructor(
    private readonly make: () => A,
    capacity: number,
  ) {
    this.validity = new Validity(capacity);
    this.values = make();
  }
  finish(type: ColumnSpec['type'], length: number): Data {
    const data = makeData({
      type: arrowType(type),
      length,
      ...this.validity.take(length),
      data: this.values.subarray(0, length),
    } as never) as Data;
    this.values = this.make();
    return data;
  }
}

/** Uint64 and Timestamp(ms) as two Uint32 words a value (low word first), as the row builder writes them. */
class WordColumn {
  readonly validity: Validity;
  words: Uint32Array;
  constructor(private readonly capacity: number) {
    this.validity = new Validity(capacity);
    this.words = new Uint32Array(capacity * 2);
  }
  /** Exact u64 from its halves. */
  u64(i: number, hi: number, lo: number): void {
    this.words[2 * i] = lo;
    this.words[2 * i + 1] = hi;
  }
  /** Epoch milliseconds (a safe integer, possibly negative), or null when NaN. */
  ms(i: number, ms: number): void {
    if (Number.isNaN(ms)) {
      this.validity.clear(i);
      return;
    }
    const hi = Math.floor(ms / TWO32);
    this.words[2 * i] = ms - hi * TWO32;
    this.words[2 * i + 1] = hi >>> 0;
  }
  finish(type: ColumnSpec['type'], length: number): Data {
    const Ctor = type === 'timestamp_ms' ? BigInt64Array : BigUint64Array;
    const data = makeData({
      type: arrowType(type),
      length,
      ...this.validity.take(length),
      data: new Ctor(this.words.buffer as ArrayBuffer, this.words.byteOffset, length),
    } as never) as Data;
    this.words = new Uint32Array(this.capacity * 2);
    return data;
  }
}

const PROTOCOL_NAMES: (string | null)[] = Array.from(
  { length: 256 },
  (_, n) => protocolByNumber(n)?.name ?? null,
);

/** Names of the columns this writer fills, in its order: must be DIFF_COLUMNS' (checked at construction). */
export const BATCH_COLUMN_ORDER = [
  'change',
  'firewall_arn',
  'availability_zone',
  'vpc_endpoint_id',
  'vpc_endpoint_association_arn',
  'source_address',
  'source_ip_version',
  'source_prefix_length',
  'source_port_from',
  'source_port_to',
  'destination_address',
  'destination_ip_version',
  'destination_prefix_length',
  'destination_port_from',
  'destination_port_to',
  'protocol',
  'protocol_name',
  'flow_operation_id_before',
  'flow_operation_id_after',
  'flow_request_timestamp_before',
  'flow_request_timestamp_after',
  'interval_seconds',
  'age_seconds_before',
  'age_seconds_after',
  'packet_count_before',
  'packet_count_after',
  'byte_count_before',
  'byte_count_after',
  'delta_packets',
  'delta_bytes',
  'packets_per_second',
  'bytes_per_second',
  'counter_reset',
  'restarted',
  'duplicate_key',
] as const;

const PORT_NONE = 0;

/** Builds RecordBatches of change rows from a FlowDiffEngine's cursor (the batch form of its rows()). */
export class DiffBatchWriter {
  readonly schema: Schema;
  private readonly struct: Struct;
  private length = 0;
  private readonly change: Utf8Column;
  private readonly provenance: Utf8Column[];
  private readonly addresses: Utf8Column[];
  private readonly versions: NumberColumn<Uint8Array>[];
  private readonly prefixes: NumberColumn<Uint8Array>[];
  private readonly ports: NumberColumn<Uint16Array>[];
  private readonly protocol: NumberColumn<Uint8Array>;
  private readonly protocolName: Utf8Column;
  private readonly operations: Utf8Column[];
  private readonly timestamps: WordColumn[];
  private readonly interval: NumberColumn<Float64Array>;
  private readonly ages: NumberColumn<Uint32Array>[];
  /** packet_count_before, packet_count_after, byte_count_before, byte_count_after, delta_packets, delta_bytes. */
  private readonly counters: WordColumn[];
  private readonly rates: NumberColumn<Float64Array>[];
  private readonly marks: NumberColumn<Uint8Array>[];

  constructor(
    readonly columns: readonly ColumnSpec[],
    readonly capacity: number,
  ) {
    if (
      columns.length !== BATCH_COLUMN_ORDER.length ||
      columns.some((c, i) => c.name !== BATCH_COLUMN_ORDER[i])
    )
      throw new Error('DiffBatchWriter: the columns are not DIFF_COLUMNS');
    this.schema = columnsSchema(columns);
    this.struct = new Struct(this.schema.fields);
    const n = capacity;
    const utf8 = () => new Utf8Column(n);
    const u8 = () => new NumberColumn(() => new Uint8Array(n), n);
    const u16 = () => new NumberColumn(() => new Uint16Array(n), n);
    const f64 = () => new NumberColumn(() => new Float64Array(n), n);
    this.change = utf8();
    this.provenance = [utf8(), utf8(), utf8(), utf8()];
    this.addresses = [utf8(), utf8()];
    this.versions = [u8(), u8()];
    this.prefixes = [u8(), u8()];
    this.ports = [u16(), u16(), u16(), u16()];
    this.protocol = u8();
    this.protocolName = utf8();
    this.operations = [utf8(), utf8()];
    this.timestamps = [new WordColumn(n), new WordColumn(n)];
    this.interval = f64();
    this.ages = [
      new NumberColumn(() => new Uint32Array(n), n),
      new NumberColumn(() => new Uint32Array(n), n),
    ];
    this.counters = Array.from({ length: 6 }, () => new WordColumn(n));
    this.rates = [f64(), f64()];
    this.marks = [u8(), u8(), u8()];
  }

  /** Rows since the last flush. */
  get size(): number {
    return this.length;
  }

  /** Appends the engine's current change (after a `step()` that returned true). */
  append(e: FlowDiffEngine): void {
    const i = this.length++;
    const change = e.change;
    this.change.text(i, change);
    if (change === 'continuing') this.continuing(e, i);
    else if (change === 'new') this.fresh(e, i);
    else this.ended(e, i);
    const marks = this.marks;
    marks[0]!.values[i] = e.counterReset ? 1 : 0;
    marks[1]!.values[i] = e.restarted ? 1 : 0;
    marks[2]!.values[i] = e.duplicate ? 1 : 0;
  }

  /** The rows appended since the last flush, or null when there are none. */
  flush(): RecordBatch | null {
    const length = this.length;
    if (length === 0) return null;
    this.length = 0;
    const c = this.columns;
    let k = 0;
    const children: Data[] = [];
    const add = (col: { finish(type: ColumnSpec['type'], length: number): Data }) =>
      children.push(col.finish(c[k++]!.type, length));
    add(this.change);
    for (const col of this.provenance) add(col);
    for (let side = 0; side < 2; side++) {
      add(this.addresses[side]!);
      add(this.versions[side]!);
      add(this.prefixes[side]!);
      add(this.ports[2 * side]!);
      add(this.ports[2 * side + 1]!);
    }
    add(this.protocol);
    add(this.protocolName);
    for (const col of [...this.operations, ...this.timestamps, this.interval, ...this.ages]) add(col);
    for (const col of [...this.counters, ...this.rates, ...this.marks]) add(col);
    return new RecordBatch(this.schema, makeData({ type: this.struct, length, nullCount: 0, children }));
  }

  /** The key columns and the scope of context `ctx`. */
  private key(e: FlowDiffEngine, i: number, ctx: Context): void {
    const p = this.provenance;
    p[0]!.text(i, ctx.firewallArn);
    p[1]!.maybe(i, ctx.availabilityZone);
    p[2]!.maybe(i, ctx.vpcEndpointId);
    p[3]!.maybe(i, ctx.vpcEndpointAssociationArn);
    const key = e.rowKey;
    const w8 = key[8]!;
    for (let side = 0; side < 2; side++) {
      const v6 = ((w8 >>> (side * 9)) & 1) === 1;
      const prefix = (w8 >>> (1 + side * 9)) & 0xff;
      writeAddress(this.addresses[side]!, i, key, side * 4, v6, prefix);
      this.versions[side]!.values[i] = v6 ? 6 : 4;
      this.prefixes[side]!.values[i] = prefix;
      const from = this.ports[2 * side]!;
      const to = this.ports[2 * side + 1]!;
      if (((w8 >>> (18 + 2 * side)) & 3) === PORT_NONE) {
        from.validity.clear(i);
        to.validity.clear(i);
      } else {
        const word = key[9 + side]!;
        from.values[i] = word >>> 16;
        to.values[i] = word & 0xffff;
      }
    }
    if (((w8 >>> 22) & 1) === 1) {
      const protocol = key[11]! & 0xff;
      this.protocol.values[i] = protocol;
      this.protocolName.maybe(i, PROTOCOL_NAMES[protocol]!);
    } else {
      this.protocol.validity.clear(i);
      this.protocolName.maybe(i, null);
    }
  }

  /** Age of flow `f`, or null. */
  private age(col: NumberColumn<Uint32Array>, i: number, t: FlowDiffTable, f: number): number | null {
    if ((t.flags(f) & AGE_NULL) !== 0) {
      col.validity.clear(i);
      return null;
    }
    const age = t.age(f);
    col.values[i] = age;
    return age;
  }

  /** Counter `which` (0 packets, 1 bytes) of flow `f` into column `col`; false when null. */
  private counter(col: WordColumn, i: number, t: FlowDiffTable, f: number, which: 0 | 1): boolean {
    if ((t.flags(f) & (which === 0 ? PACKETS_NULL : BYTES_NULL)) !== 0) {
      col.validity.clear(i);
      return false;
    }
    col.u64(i, t.counter(f, which, 0), t.counter(f, which, 1));
    return true;
  }

  private intervalOf(i: number, fromMs: number, toMs: number): number | null {
    if (Number.isNaN(fromMs) || Number.isNaN(toMs)) {
      this.interval.validity.clear(i);
      return null;
    }
    const seconds = (toMs - fromMs) / 1000;
    this.interval.values[i] = seconds;
    return seconds;
  }

  private rate(which: 0 | 1, i: number, value: number | null): void {
    const col = this.rates[which]!;
    if (value === null) col.validity.clear(i);
    else col.values[i] = value;
  }
  private continuing(e: FlowDiffEngine, i: number): void {
    const { before, after, beforeFlow: b, afterFlow: a } = e;
    const cb = e.contexts[before.context(b)]!;
    const ca = e.contexts[after.context(a)]!;
    this.key(e, i, ca);
    this.operations[0]!.text(i, cb.flowOperationId);
    this.operations[1]!.text(i, ca.flowOperationId);
    this.timestamps[0]!.ms(i, cb.ms);
    this.timestamps[1]!.ms(i, ca.ms);
    const interval = this.intervalOf(i, cb.ms, ca.ms);
    this.age(this.ages[0]!, i, before, b);
    this.age(this.ages[1]!, i, after, a);
    const c = this.counters;
    const rate = interval !== null && interval > 0 ? interval : null;
    for (const which of [0, 1] as const) {
      const known = this.counter(c[2 * which]!, i, before, b, which);
      const knownAfter = this.counter(c[2 * which + 1]!, i, after, a, which);
      this.delta(which, i, e, known && knownAfter, rate);
    }
  }

  /** after - before of a continuing flow's counter (exact), and its rate; null when unknown or down. */
  private delta(which: 0 | 1, i: number, e: FlowDiffEngine, known: boolean, rate: number | null): void {
    const col = this.counters[4 + which]!;
    if (known) {
      const { before, after, beforeFlow: b, afterFlow: a } = e;
      let hi = after.counter(a, which, 0) - before.counter(b, which, 0);
      let lo = after.counter(a, which, 1) - before.counter(b, which, 1);
      if (lo < 0) {
        lo += TWO32;
        hi -= 1;
      }
      if (hi >= 0) {
        col.u64(i, hi, lo);
        this.rate(which, i, rate === null ? null : (hi * TWO32 + lo) / rate);
        return;
      }
    }
    col.validity.clear(i);
    this.rate(which, i, null);
  }

  private fresh(e: FlowDiffEngine, i: number): void {
    const { after, afterFlow: a } = e;
    const ca = e.contexts[after.context(a)]!;
    this.key(e, i, ca);
    this.operations[0]!.maybe(i, null);
    this.operations[1]!.text(i, ca.flowOperationId);
    const beforeMs = e.scopeTimes[ca.scope]!.first[0];
    this.timestamps[0]!.ms(i, beforeMs);
    this.timestamps[1]!.ms(i, ca.ms);
    this.intervalOf(i, beforeMs, ca.ms);
    this.ages[0]!.validity.clear(i);
    const age = this.age(this.ages[1]!, i, after, a);
    const c = this.counters;
    for (const which of [0, 1] as const) {
      c[2 * which]!.validity.clear(i);
      // delta_* of a new flow is its count; its rate is the count over its own age.
      if (this.counter(c[2 * which + 1]!, i, after, a, which)) {
        const hi = after.counter(a, which, 0);
        const lo = after.counter(a, which, 1);
        c[4 + which]!.u64(i, hi, lo);
        this.rate(which, i, age === null || age === 0 ? null : (hi * TWO32 + lo) / age);
      } else {
        c[4 + which]!.validity.clear(i);
        this.rate(which, i, null);
      }
    }
  }

  private ended(e: FlowDiffEngine, i: number): void {
    const { before, beforeFlow: b } = e;
    const cb = e.contexts[before.context(b)]!;
    this.key(e, i, cb);
    this.operations[0]!.text(i, cb.flowOperationId);
    this.operations[1]!.maybe(i, null);
    const afterMs = e.scopeTimes[cb.scope]!.first[1];
    this.timestamps[0]!.ms(i, cb.ms);
    this.timestamps[1]!.ms(i, afterMs);
    this.intervalOf(i, cb.ms, afterMs);
    this.age(this.ages[0]!, i, before, b);
    this.ages[1]!.validity.clear(i);
    const c = this.counters;
    for (const which of [0, 1] as const) {
      this.counter(c[2 * which]!, i, before, b, which);
      c[2 * which + 1]!.validity.clear(i);
      c[4 + which]!.validity.clear(i);
      this.rate(which, i, null);
    }
  }
}
