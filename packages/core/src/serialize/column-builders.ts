import { type Data, type DataType, makeData } from 'apache-arrow';
import { NfwError } from '../errors.js';
import type { ColumnSpec } from '../types.js';
import type { CellValue } from './flow-columns.js';
import { arrowType } from './schema.js';
import { grow, MAX_UTF8_PER_UNIT, writeUtf8 } from './utf8.js';

/**
 * Column builders over typed arrays (flechette-style): fixed-width columns are preallocated at the
 * batch size, UTF-8 bytes grow by doubling, and the null bitmap is only allocated at the first null.
 * `finish()` hands the arrays to an Arrow Data and starts fresh ones lazily, so a batch given out is
 * never written to again.
 */
export interface ColumnBuilder {
  append(value: CellValue, index: number): void;
  finish(length: number): Data;
}

const TWO_32 = 4294967296;
const MAX_U64 = 0xffffffffffffffffn;

function invalid(spec: ColumnSpec, value: unknown, what: string): NfwError {
  return new NfwError('NFW_INVALID_RECORD', `column ${spec.name} expects ${what}`, {
    field: spec.name,
    value,
  });
}

/** Shared null handling: a validity bitmap created on the first null, all earlier bits set. */
abstract class NullableBuilder implements ColumnBuilder {
  protected validity: Uint8Array | null = null;
  protected nulls = 0;
  protected readonly type: DataType;
  constructor(
    protected readonly spec: ColumnSpec,
    protected readonly capacity: number,
  ) {
    this.type = arrowType(spec.type);
  }

  abstract append(value: CellValue, index: number): void;
  abstract finish(length: number): Data;

  protected setNull(index: number): void {
    if (!this.spec.nullable) throw invalid(this.spec, null, 'a value (the column is not nullable)');
    if (this.validity === null) {
      this.validity = new Uint8Array((this.capacity + 7) >> 3);
      this.validity.fill(0xff, 0, index >> 3);
      for (let i = index & ~7; i < index; i++) this.validity[i >> 3] |= 1 << (i & 7);
    }
    this.nulls++;
  }

  protected setValid(index: number): void {
    if (this.validity !== null) this.validity[index >> 3] |= 1 << (index & 7);
  }

  protected takeValidity(length: number): { nullCount: number; nullBitmap: Uint8Array | undefined } {
    const result = {
      nullCount: this.nulls,
      nullBitmap: this.validity === null ? undefined : this.validity.subarray(0, (length + 7) >> 3),
    };
    this.validity = null;
    this.nulls = 0;
    return result;
  }
}

type UintArray = Uint8Array | Uint16Array | Uint32Array;

class UintBuilder extends NullableBuilder {
  private values: UintArray;
  private readonly max: number;
  constructor(spec: ColumnSpec, capacity: number) {
    super(spec, capacity);
    this.max = spec.type === 'uint8' ? 0xff : spec.type === 'uint16' ? 0xffff : 0xffffffff;
    this.values = this.allocate();
  }
  private allocate(): UintArray {
    const t = this.spec.type;
    return t === 'uint8'
      ? new Uint8Array(this.capacity)
      : t === 'uint16'
        ? new Uint16Array(this.capacity)
        : new Uint32Array(this.capacity);
  }
  append(value: CellValue, index: number): void {
    if (value === null) {
      this.setNull(index);
      return;
    }
    if (typeof value !== 'number' || value >>> 0 !== value || value > this.max) {
      throw invalid(this.spec, value, `an integer 0..${this.max}`);
    }
    this.values[index] = value;
    this.setValid(index);
  }
  finish(length: number): Data {
    const data = makeData({
      type: this.type,
      length,
      ...this.takeValidity(length),
      data: this.values.subarray(0, length),
    } as never);
    this.values = this.allocate();
    return data;
  }
}

class Float64Builder extends NullableBuilder {
  private values = new Float64Array(this.capacity);
  append(value: CellValue, index: number): void {
    if (value === null) {
      this.setNull(index);
      return;
    }
    if (typeof value !== 'number') throw invalid(this.spec, value, 'a number');
    this.values[index] = value;
    this.setValid(index);
  }
  finish(length: number): Data {
    const data = makeData({
      type: this.type,
      length,
      ...this.takeValidity(length),
      data: this.values.subarray(0, length),
    } as never);
    this.values = new Float64Array(this.capacity);
    return data;
  }
}

/** Uint64 and Timestamp(ms): 64-bit words written through a Uint32 view, so numbers need no BigInt. */
class Int64Builder extends NullableBuilder {
  private words = new Uint32Array(this.capacity * 2);
  private readonly timestamp = this.spec.type === 'timestamp_ms';
  append(value: CellValue, index: number): void {
    if (value === null) {
      this.setNull(index);
      return;
    }
    let n: number;
    if (typeof value === 'number') {
      n = value;
    } else if (this.timestamp && value instanceof Date) {
      n = value.getTime();
    } else if (!this.timestamp && typeof value === 'bigint') {
      if (value < 0n || value > MAX_U64) throw invalid(this.spec, value, 'an integer 0..2^64-1');
      new BigUint64Array(this.words.buffer, this.words.byteOffset + index * 8, 1)[0] = value;
      this.setValid(index);
      return;
    } else {
      throw invalid(
        this.spec,
        value,
        this.timestamp ? 'a Date or epoch milliseconds' : 'a safe integer or bigint',
      );
    }
    if (!Number.isSafeInteger(n) || (!this.timestamp && n < 0)) {
      throw invalid(this.spec, value, this.timestamp ? 'a valid date' : 'a non-negative safe integer');
    }
    const hi = Math.floor(n / TWO_32);
    this.words[index * 2] = n - hi * TWO_32;
    this.words[index * 2 + 1] = hi >>> 0;
    this.setValid(index);
  }
  finish(length: number): Data {
    const Ctor = this.timestamp ? BigInt64Array : BigUint64Array;
    const data = makeData({
      type: this.type,
      length,
      ...this.takeValidity(length),
      data: new Ctor(this.words.buffer, this.words.byteOffset, length),
    } as never);
    this.words = new Uint32Array(this.capacity * 2);
    return data;
  }
}

class Utf8Builder extends NullableBuilder {
  private offsets = new Int32Array(this.capacity + 1);
  private bytes: Uint8Array = new Uint8Array(Math.min(this.capacity, 4096) * 16);
  private position = 0;
  // Provenance columns repeat one value for a whole page: copy its bytes instead of re-encoding.
  private last: string | null = null;
  private lastStart = 0;

  private reserve(extra: number): void {
    this.bytes = grow(this.bytes, this.position, this.position + extra);
  }

  append(value: CellValue, index: number): void {
    if (value === null) {
      this.setNull(index);
      this.offsets[index + 1] = this.position;
      return;
    }
    if (typeof value !== 'string') throw invalid(this.spec, value, 'a string');
    const start = this.position;
    if (value === this.last) {
      const length = this.offsets[index] - this.lastStart;
      // The previous value is the last one appended: its bytes end where this one starts.
      this.reserve(length);
      this.bytes.copyWithin(start, this.lastStart, this.lastStart + length);
      this.position = start + length;
    } else {
      this.reserve(value.length * MAX_UTF8_PER_UNIT);
      this.position = writeUtf8(this.bytes, start, value);
      this.last = value;
    }
    this.lastStart = start;
    this.offsets[index + 1] = this.position;
    this.setValid(index);
  }

  finish(length: number): Data {
    const data = makeData({
      type: this.type,
      length,
      ...this.takeValidity(length),
      valueOffsets: this.offsets.subarray(0, length + 1),
      data: this.bytes.subarray(0, this.position),
    } as never);
    this.offsets = new Int32Array(this.capacity + 1);
    this.bytes = new Uint8Array(Math.min(this.capacity, 4096) * 16);
    this.position = 0;
    this.last = null;
    this.lastStart = 0;
    return data;
  }
}

/** A builder for one column of `capacity` rows at most. */
export function createColumnBuilder(spec: ColumnSpec, capacity: number): ColumnBuilder {
  switch (spec.type) {
    case 'utf8':
      return new Utf8Builder(spec, capacity);
    case 'uint8':
    case 'uint16':
    case 'uint32':
      return new UintBuilder(spec, capacity);
    case 'float64':
      return new Float64Builder(spec, capacity);
    case 'uint64':
    case 'timestamp_ms':
      return new Int64Builder(spec, capacity);
  }
}
