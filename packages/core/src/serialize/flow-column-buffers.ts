import { type Data, type DataType, makeData } from 'apache-arrow';
import { NfwError } from '../errors.js';
import type { FlowRecord } from '../types.js';
import { COLUMN, FLOW_COLUMNS } from './flow-columns.js';
import { arrowType } from './schema.js';
import { grow, MAX_UTF8_PER_UNIT, writeUtf8 } from './utf8.js';

/*
 * The schema v1 fast path: buffers that take a FlowRecord into all 21 columns in straight-line
 * code, into typed arrays preallocated at the batch size (no per-column objects or getter closures).
 * - The six provenance columns (firewall ARN .. request timestamp) hold one value per page: they are
 *   stored as runs, so a record costs one `===` per column and a run is written once when it ends
 *   (bytes copied by doubling, timestamps by one `fill`).
 * - Uint64 counters and timestamps go through a Uint32 view: numbers need no BigInt.
 * - Validity bitmaps start all-valid and only nulls clear a bit; a column without nulls has none.
 *   Ports and protocol are null as a whole, so their two columns share one bitmap.
 * Values are still checked (type and range, as the generic builders do) so a bad record fails with
 * NFW_INVALID_RECORD naming the column instead of being wrapped into a typed array.
 */

const TWO_32 = 4294967296;
const MAX_U64 = 0xffffffffffffffffn;
const TYPES: readonly DataType[] = FLOW_COLUMNS.map((c) => arrowType(c.type));
/** `last` before the first row: equal to no value, not even undefined (which must fail the type check). */
const NO_RUN: unique symbol = Symbol('no run');

const EXPECTS: Record<string, string> = {
  utf8: 'a string',
  uint8: 'an integer 0..255',
  uint16: 'an integer 0..65535',
  uint32: 'an integer 0..4294967295',
  uint64: 'a non-negative safe integer or bigint 0..2^64-1',
  timestamp_ms: 'a valid Date or epoch milliseconds',
};

function invalid(column: number, value: unknown): NfwError {
  const spec = FLOW_COLUMNS[column];
  const what = value === null ? 'a value (the column is not nullable)' : EXPECTS[spec.type];
  return new NfwError('NFW_INVALID_RECORD', `column ${spec.name} expects ${what}`, {
    field: spec.name,
    value,
  });
}

function allValid(capacity: number): Uint8Array {
  return new Uint8Array((capacity + 7) >> 3).fill(0xff);
}

/** The bitmap to hand to Arrow: none without nulls, else cut to `length` with the padding bits cleared. */
function bitmapOf(bits: Uint8Array, nulls: number, length: number): Uint8Array | undefined {
  if (nulls === 0) return undefined;
  if ((length & 7) !== 0) bits[length >> 3] &= (1 << (length & 7)) - 1;
  return bits.subarray(0, (length + 7) >> 3);
}

function clearBits(bits: Uint8Array, from: number, to: number): void {
  for (let i = from; i < to; i++) bits[i >> 3] &= ~(1 << (i & 7));
}

/** A Utf8 column whose values come in runs of one value (provenance: one value per page). */
class RunUtf8 {
  private offsets: Int32Array;
  private bytes: Uint8Array;
  private position = 0;
  private bits: Uint8Array | null = null;
  private nulls = 0;
  /** The value of the open run. */
  last: string | null | typeof NO_RUN = NO_RUN;
  private runStart = 0;

  constructor(
    private readonly column: number,
    private readonly capacity: number,
  ) {
    this.offsets = new Int32Array(capacity + 1);
    this.bytes = new Uint8Array(256);
  }

  /** Starts a run at row `index` (the caller saw `value !== last`): writes out the run before it. */
  start(value: unknown, index: number): void {
    if (typeof value !== 'string' && (value !== null || !FLOW_COLUMNS[this.column].nullable)) {
      throw invalid(this.column, value);
    }
    this.close(index);
    this.last = value as string | null;
    this.runStart = index;
  }

  private close(end: number): void {
    const value = this.last;
    const from = this.runStart;
    const count = end - from;
    if (value === NO_RUN || count === 0) return;
    const offsets = this.offsets;
    let at = this.position;
    if (value === null) {
      if (this.bits === null) this.bits = allValid(this.capacity);
      clearBits(this.bits, from, end);
      this.nulls += count;
      for (let i = from; i < end; i++) offsets[i + 1] = at;
      return;
    }
    let bytes = grow(this.bytes, at, at + value.length * MAX_UTF8_PER_UNIT);
    const size = writeUtf8(bytes, at, value) - at;
    bytes = grow(bytes, at + size, at + size * count);
    // Copies by doubling: log2(count) copyWithin calls for the whole run.
    for (let done = 1; done < count; ) {
      const n = Math.min(done, count - done);
      bytes.copyWithin(at + done * size, at, at + n * size);
      done += n;
    }
    this.bytes = bytes;
    for (let i = from; i < end; i++) {
      at += size;
      offsets[i + 1] = at;
    }
    this.position = at;
  }

  finish(length: number): Data {
    this.close(length);
    const data = makeData({
      type: TYPES[this.column],
      length,
      nullCount: this.nulls,
      nullBitmap: this.bits === null ? undefined : bitmapOf(this.bits, this.nulls, length),
      valueOffsets: this.offsets.subarray(0, length + 1),
      data: this.bytes.subarray(0, this.position),
    } as never) as Data;
    // The next batch starts with room for as many bytes as this one took.
    this.offsets = new Int32Array(this.capacity + 1);
    this.bytes = new Uint8Array(Math.max(256, this.position));
    this.position = 0;
    this.bits = null;
    this.nulls = 0;
    this.last = NO_RUN;
    this.runStart = 0;
    return data;
  }
}

/** A Timestamp(ms) column in runs of one value (the operation's request time, one per page). */
class RunTimestamp {
  private values: BigInt64Array;
  private bits: Uint8Array | null = null;
  private nulls = 0;
  /** The value object of the open run (compared by identity). */
  last: Date | number | null | typeof NO_RUN = NO_RUN;
  private ms = 0;
  private runStart = 0;

  constructor(
    private readonly column: number,
    private readonly capacity: number,
  ) {
    this.values = new BigInt64Array(capacity);
  }

  start(value: unknown, index: number): void {
    let ms = 0;
    if (value !== null) {
      ms = value instanceof Date ? value.getTime() : typeof value === 'number' ? value : Number.NaN;
      if (!Number.isSafeInteger(ms)) throw invalid(this.column, value);
    }
    this.close(index);
    // The time is read when the run starts: records share the page's Date object.
    this.last = value as Date | number | null;
    this.ms = ms;
    this.runStart = index;
  }

  private close(end: number): void {
    const value = this.last;
    if (value === NO_RUN || end === this.runStart) return;
    if (value === null) {
      if (this.bits === null) this.bits = allValid(this.capacity);
      clearBits(this.bits, this.runStart, end);
      this.nulls += end - this.runStart;
    } else {
      this.values.fill(BigInt(this.ms), this.runStart, end);
    }
  }

  finish(length: number): Data {
    this.close(length);
    const data = makeData({
      type: TYPES[this.column],
      length,
      nullCount: this.nulls,
      nullBitmap: this.bits === null ? undefined : bitmapOf(this.bits, this.nulls, length),
      data: this.values.subarray(0, length),
    } as never) as Data;
    this.values = new BigInt64Array(this.capacity);
    this.bits = null;
    this.nulls = 0;
    this.last = NO_RUN;
    this.runStart = 0;
    return data;
  }
}

/** Writes one uint64 counter (number or bigint) into a Uint32 word pair; false when it is out of range. */
export function putU64(words: Uint32Array, index: number, n: unknown): boolean {
  if (typeof n === 'number') {
    // Fresh arrays are zero, so the high word only needs writing at 2^32 and above.
    if (n >>> 0 === n) {
      words[index * 2] = n;
      return true;
    }
    if (!(n >= 0 && n <= Number.MAX_SAFE_INTEGER && Math.floor(n) === n)) return false;
    const hi = Math.floor(n / TWO_32);
    words[index * 2] = n - hi * TWO_32;
    words[index * 2 + 1] = hi;
    return true;
  }
  if (typeof n !== 'bigint' || n < 0n || n > MAX_U64) return false;
  new BigUint64Array(words.buffer, words.byteOffset + index * 8, 1)[0] = n;
  return true;
}

/** Column values of one batch, buffered in typed arrays until they are handed to Arrow as Data. */
export interface FlowColumnBuffers {
  /** Appends record `r` as row `index` (rows are appended in order from 0). Throws NFW_INVALID_RECORD. */
  append(r: FlowRecord, index: number): void;
  /** The 21 column Data of rows [0, length), in FLOW_COLUMNS order; the buffers start a fresh batch. */
  finish(length: number): Data[];
}

export function createFlowColumnBuffers(capacity: number): FlowColumnBuffers {
  return new TypedFlowColumnBuffers(capacity);
}

class TypedFlowColumnBuffers implements FlowColumnBuffers {
  private readonly arn: RunUtf8;
  private readonly az: RunUtf8;
  private readonly vpce: RunUtf8;
  private readonly association: RunUtf8;
  private readonly operation: RunUtf8;
  private readonly requested: RunTimestamp;

  private srcOffsets!: Int32Array;
  private srcBytes: Uint8Array;
  private srcPos = 0;
  private srcFamily!: Uint8Array;
  private srcPrefix!: Uint8Array;
  private spFrom!: Uint16Array;
  private spTo!: Uint16Array;
  private spBits!: Uint8Array;
  private spNulls = 0;
  private dstOffsets!: Int32Array;
  private dstBytes: Uint8Array;
  private dstPos = 0;
  private dstFamily!: Uint8Array;
  private dstPrefix!: Uint8Array;
  private dpFrom!: Uint16Array;
  private dpTo!: Uint16Array;
  private dpBits!: Uint8Array;
  private dpNulls = 0;
  private protoNumber!: Uint8Array;
  private protoOffsets!: Int32Array;
  private protoBytes: Uint8Array;
  private protoPos = 0;
  private protoBits!: Uint8Array;
  private protoNulls = 0;
  private age!: Uint32Array;
  private ageBits!: Uint8Array;
  private ageNulls = 0;
  private packets!: Uint32Array;
  private packetBits!: Uint8Array;
  private packetNulls = 0;
  private bytes!: Uint32Array;
  private byteBits!: Uint8Array;
  private byteNulls = 0;
  /** Keeps the early read of the destination text's first character (see append) from being dropped. */
  prefetchedChar = 0;

  constructor(private readonly capacity: number) {
    this.arn = new RunUtf8(COLUMN.firewall_arn, capacity);
    this.az = new RunUtf8(COLUMN.availability_zone, capacity);
    this.vpce = new RunUtf8(COLUMN.vpc_endpoint_id, capacity);
    this.association = new RunUtf8(COLUMN.vpc_endpoint_association_arn, capacity);
    this.operation = new RunUtf8(COLUMN.flow_operation_id, capacity);
    this.requested = new RunTimestamp(COLUMN.flow_request_timestamp, capacity);
    // Most addresses are at most 16 bytes; protocol names 3 or 4.
    this.srcBytes = new Uint8Array(Math.min(capacity, 1 << 20) * 16);
    this.dstBytes = new Uint8Array(Math.min(capacity, 1 << 20) * 16);
    this.protoBytes = new Uint8Array(Math.min(capacity, 1 << 20) * 4);
    this.allocate();
  }

  private allocate(): void {
    const n = this.capacity;
    this.srcOffsets = new Int32Array(n + 1);
    this.srcFamily = new Uint8Array(n);
    this.srcPrefix = new Uint8Array(n);
    this.spFrom = new Uint16Array(n);
    this.spTo = new Uint16Array(n);
    this.spBits = allValid(n);
    this.spNulls = 0;
    this.dstOffsets = new Int32Array(n + 1);
    this.dstFamily = new Uint8Array(n);
    this.dstPrefix = new Uint8Array(n);
    this.dpFrom = new Uint16Array(n);
    this.dpTo = new Uint16Array(n);
    this.dpBits = allValid(n);
    this.dpNulls = 0;
    this.protoNumber = new Uint8Array(n);
    this.protoOffsets = new Int32Array(n + 1);
    this.protoBits = allValid(n);
    this.protoNulls = 0;
    this.age = new Uint32Array(n);
    this.ageBits = allValid(n);
    this.ageNulls = 0;
    this.packets = new Uint32Array(n * 2);
    this.packetBits = allValid(n);
    this.packetNulls = 0;
    this.bytes = new Uint32Array(n * 2);
    this.byteBits = allValid(n);
    this.byteNulls = 0;
  }

  append(r: FlowRecord, i: number): void {
    // Provenance: one comparison per column while a run lasts.
    if (r.firewallArn !== this.arn.last) this.arn.start(r.firewallArn, i);
    if (r.availabilityZone !== this.az.last) this.az.start(r.availabilityZone, i);
    if (r.vpcEndpointId !== this.vpce.last) this.vpce.start(r.vpcEndpointId, i);
    if (r.vpcEndpointAssociationArn !== this.association.last) {
      this.association.start(r.vpcEndpointAssociationArn, i);
    }
    if (r.flowOperationId !== this.operation.last) this.operation.start(r.flowOperationId, i);
    if (r.flowRequestTimestamp !== this.requested.last) this.requested.start(r.flowRequestTimestamp, i);

    const src = r.source;
    // The destination's text is read before the source's character loop so that the cache misses of
    // the two addresses (records and their shared address objects lie all over a large heap) overlap
    // instead of queueing. Its first character is touched for the same reason; `prefetchedChar` keeps the read.
    const dst = r.destination;
    let dstText: unknown;
    if (typeof dst === 'object' && dst !== null) {
      dstText = dst.text;
      if (typeof dstText === 'string' && dstText.length !== 0) this.prefetchedChar = dstText.charCodeAt(0);
    }
    const srcText = src.text;
    if (typeof srcText !== 'string') throw invalid(COLUMN.source_address, srcText);
    let need = this.srcPos + srcText.length * MAX_UTF8_PER_UNIT;
    if (need > this.srcBytes.length) this.srcBytes = grow(this.srcBytes, this.srcPos, need);
    this.srcPos = writeUtf8(this.srcBytes, this.srcPos, srcText);
    this.srcOffsets[i + 1] = this.srcPos;
    const srcFamily = src.family;
    if ((srcFamily & 0xff) !== srcFamily) throw invalid(COLUMN.source_ip_version, srcFamily);
    this.srcFamily[i] = srcFamily;
    const srcPrefix = src.prefixLength;
    if ((srcPrefix & 0xff) !== srcPrefix) throw invalid(COLUMN.source_prefix_length, srcPrefix);
    this.srcPrefix[i] = srcPrefix;

    const sp = r.sourcePort;
    if (sp === null) {
      this.spBits[i >> 3] &= ~(1 << (i & 7));
      this.spNulls++;
    } else {
      const from = sp.from;
      const to = sp.to;
      if ((from & 0xffff) !== from) throw invalid(COLUMN.source_port_from, from);
      if ((to & 0xffff) !== to) throw invalid(COLUMN.source_port_to, to);
      this.spFrom[i] = from;
      this.spTo[i] = to;
    }

    // Not an object: read as the source is, so null fails the same way (a TypeError).
    if (typeof dst !== 'object' || dst === null) dstText = (dst as FlowRecord['destination']).text;
    if (typeof dstText !== 'string') throw invalid(COLUMN.destination_address, dstText);
    need = this.dstPos + dstText.length * MAX_UTF8_PER_UNIT;
    if (need > this.dstBytes.length) this.dstBytes = grow(this.dstBytes, this.dstPos, need);
    this.dstPos = writeUtf8(this.dstBytes, this.dstPos, dstText);
    this.dstOffsets[i + 1] = this.dstPos;
    const dstFamily = dst.family;
    if ((dstFamily & 0xff) !== dstFamily) throw invalid(COLUMN.destination_ip_version, dstFamily);
    this.dstFamily[i] = dstFamily;
    const dstPrefix = dst.prefixLength;
    if ((dstPrefix & 0xff) !== dstPrefix) throw invalid(COLUMN.destination_prefix_length, dstPrefix);
    this.dstPrefix[i] = dstPrefix;

    const dp = r.destinationPort;
    if (dp === null) {
      this.dpBits[i >> 3] &= ~(1 << (i & 7));
      this.dpNulls++;
    } else {
      const from = dp.from;
      const to = dp.to;
      if ((from & 0xffff) !== from) throw invalid(COLUMN.destination_port_from, from);
      if ((to & 0xffff) !== to) throw invalid(COLUMN.destination_port_to, to);
      this.dpFrom[i] = from;
      this.dpTo[i] = to;
    }

    const proto = r.protocol;
    if (proto === null) {
      this.protoBits[i >> 3] &= ~(1 << (i & 7));
      this.protoNulls++;
    } else {
      const number = proto.number;
      if ((number & 0xff) !== number) throw invalid(COLUMN.protocol, number);
      this.protoNumber[i] = number;
      const name = proto.name;
      if (typeof name !== 'string') throw invalid(COLUMN.protocol_name, name);
      need = this.protoPos + name.length * MAX_UTF8_PER_UNIT;
      if (need > this.protoBytes.length) this.protoBytes = grow(this.protoBytes, this.protoPos, need);
      this.protoPos = writeUtf8(this.protoBytes, this.protoPos, name);
    }
    this.protoOffsets[i + 1] = this.protoPos;

    const age = r.ageSeconds;
    if (age === null) {
      this.ageBits[i >> 3] &= ~(1 << (i & 7));
      this.ageNulls++;
    } else {
      if (age >>> 0 !== age) throw invalid(COLUMN.age_seconds, age);
      this.age[i] = age;
    }

    const packets = r.packetCount;
    if (packets === null) {
      this.packetBits[i >> 3] &= ~(1 << (i & 7));
      this.packetNulls++;
    } else if (!putU64(this.packets, i, packets)) {
      throw invalid(COLUMN.packet_count, packets);
    }

    const bytes = r.byteCount;
    if (bytes === null) {
      this.byteBits[i >> 3] &= ~(1 << (i & 7));
      this.byteNulls++;
    } else if (!putU64(this.bytes, i, bytes)) {
      throw invalid(COLUMN.byte_count, bytes);
    }
  }

  finish(length: number): Data[] {
    const sp = bitmapOf(this.spBits, this.spNulls, length);
    const dp = bitmapOf(this.dpBits, this.dpNulls, length);
    const proto = bitmapOf(this.protoBits, this.protoNulls, length);
    const columns: Data[] = new Array(FLOW_COLUMNS.length);
    columns[COLUMN.firewall_arn] = this.arn.finish(length);
    columns[COLUMN.availability_zone] = this.az.finish(length);
    columns[COLUMN.vpc_endpoint_id] = this.vpce.finish(length);
    columns[COLUMN.vpc_endpoint_association_arn] = this.association.finish(length);
    columns[COLUMN.flow_operation_id] = this.operation.finish(length);
    columns[COLUMN.flow_request_timestamp] = this.requested.finish(length);
    columns[COLUMN.source_address] = utf8Data(
      COLUMN.source_address,
      length,
      this.srcOffsets,
      this.srcBytes,
      this.srcPos,
      0,
      undefined,
    );
    columns[COLUMN.source_ip_version] = fixedWidthData(
      COLUMN.source_ip_version,
      length,
      this.srcFamily,
      0,
      undefined,
    );
    columns[COLUMN.source_prefix_length] = fixedWidthData(
      COLUMN.source_prefix_length,
      length,
      this.srcPrefix,
      0,
      undefined,
    );
    columns[COLUMN.source_port_from] = fixedWidthData(
      COLUMN.source_port_from,
      length,
      this.spFrom,
      this.spNulls,
      sp,
    );
    columns[COLUMN.source_port_to] = fixedWidthData(
      COLUMN.source_port_to,
      length,
      this.spTo,
      this.spNulls,
      sp,
    );
    columns[COLUMN.destination_address] = utf8Data(
      COLUMN.destination_address,
      length,
      this.dstOffsets,
      this.dstBytes,
      this.dstPos,
      0,
      undefined,
    );
    columns[COLUMN.destination_ip_version] = fixedWidthData(
      COLUMN.destination_ip_version,
      length,
      this.dstFamily,
      0,
      undefined,
    );
    columns[COLUMN.destination_prefix_length] = fixedWidthData(
      COLUMN.destination_prefix_length,
      length,
      this.dstPrefix,
      0,
      undefined,
    );
    columns[COLUMN.destination_port_from] = fixedWidthData(
      COLUMN.destination_port_from,
      length,
      this.dpFrom,
      this.dpNulls,
      dp,
    );
    columns[COLUMN.destination_port_to] = fixedWidthData(
      COLUMN.destination_port_to,
      length,
      this.dpTo,
      this.dpNulls,
      dp,
    );
    columns[COLUMN.protocol] = fixedWidthData(
      COLUMN.protocol,
      length,
      this.protoNumber,
      this.protoNulls,
      proto,
    );
    columns[COLUMN.protocol_name] = utf8Data(
      COLUMN.protocol_name,
      length,
      this.protoOffsets,
      this.protoBytes,
      this.protoPos,
      this.protoNulls,
      proto,
    );
    columns[COLUMN.age_seconds] = fixedWidthData(
      COLUMN.age_seconds,
      length,
      this.age,
      this.ageNulls,
      bitmapOf(this.ageBits, this.ageNulls, length),
    );
    columns[COLUMN.packet_count] = fixedWidthData(
      COLUMN.packet_count,
      length,
      new BigUint64Array(this.packets.buffer, 0, length),
      this.packetNulls,
      bitmapOf(this.packetBits, this.packetNulls, length),
    );
    columns[COLUMN.byte_count] = fixedWidthData(
      COLUMN.byte_count,
      length,
      new BigUint64Array(this.bytes.buffer, 0, length),
      this.byteNulls,
      bitmapOf(this.byteBits, this.byteNulls, length),
    );
    // Fresh arrays for the next batch (the given ones now belong to the batch), sized by this one.
    this.srcBytes = new Uint8Array(Math.max(this.srcBytes.length, 64));
    this.dstBytes = new Uint8Array(Math.max(this.dstBytes.length, 64));
    this.protoBytes = new Uint8Array(Math.max(this.protoBytes.length, 64));
    this.srcPos = 0;
    this.dstPos = 0;
    this.protoPos = 0;
    this.allocate();
    return columns;
  }
}

function fixedWidthData(
  column: number,
  length: number,
  values: ArrayBufferView,
  nullCount: number,
  nullBitmap: Uint8Array | undefined,
): Data {
  return makeData({
    type: TYPES[column],
    length,
    nullCount,
    nullBitmap,
    data: (values as Uint8Array).subarray(0, length),
  } as never) as Data;
}

function utf8Data(
  column: number,
  length: number,
  offsets: Int32Array,
  bytes: Uint8Array,
  position: number,
  nullCount: number,
  nullBitmap: Uint8Array | undefined,
): Data {
  return makeData({
    type: TYPES[column],
    length,
    nullCount,
    nullBitmap,
    valueOffsets: offsets.subarray(0, length + 1),
    data: bytes.subarray(0, position),
  } as never) as Data;
}
