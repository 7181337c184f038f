/**
 * The row groups of a Parquet file (rows and compressed bytes of each), read from its footer: the
 * file metadata in Thrift's compact protocol, of which only `FileMetaData.row_groups` (field 4) and in
 * each `RowGroup` its `num_rows` (3) and `total_compressed_size` (6), or the sum of its column chunks'
 * `total_compressed_size` (`ColumnChunk.meta_data` 3, `ColumnMetaData` 7), are kept; the rest is skipped.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { NfwError } from '@nfw-flows/core';
import type { Batch } from './part-rotation.js';

const MAGIC = 'PAR1';

/** Compact protocol types. */
const T = {
  TRUE: 1,
  FALSE: 2,
  BYTE: 3,
  I16: 4,
  I32: 5,
  I64: 6,
  DOUBLE: 7,
  BINARY: 8,
  LIST: 9,
  SET: 10,
  MAP: 11,
  STRUCT: 12,
};

class CompactReader {
  private at = 0;
  constructor(private readonly bytes: Uint8Array) {}

  private byte(): number {
    if (this.at >= this.bytes.length) throw new Error('footer ends early');
    return this.bytes[this.at++]!;
  }

  varint(): number {
    let value = 0;
    for (let shift = 0; shift < 64; shift += 7) {
      const b = this.byte();
      value += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return value;
    }
    throw new Error('varint too long');
  }

  zigzag(): number {
    const u = this.varint();
    return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
  }

  /** Calls `field(id, type)` for each field of a struct; it reads the value or returns false to skip it. */
  struct(field: (id: number, type: number) => boolean): void {
    let last = 0;
    for (;;) {
      const head = this.byte();
      if (head === 0) return;
      const type = head & 0x0f;
      const delta = head >> 4;
      const id = delta === 0 ? this.zigzag() : last + delta;
      last = id;
      if (!field(id, type)) this.skip(type);
    }
  }

  /** Calls `element()` for each element of a list; returns its element type. */
  list(element: (type: number) => void): void {
    const head = this.byte();
    const size = head >> 4 === 15 ? this.varint() : head >> 4;
    for (let i = 0; i < size; i++) element(head & 0x0f);
  }

  skip(type: number): void {
    switch (type) {
      case T.TRUE:
      case T.FALSE:
        return;
      case T.BYTE:
        this.at += 1;
        return;
      case T.I16:
      case T.I32:
      case T.I64:
        this.varint();
        return;
      case T.DOUBLE:
        this.at += 8;
        return;
      case T.BINARY: {
        const length = this.varint();
        this.at += length;
        return;
      }
      case T.LIST:
      case T.SET:
        // Booleans inside a list are one byte each.
        this.list((t) => (t === T.TRUE || t === T.FALSE ? this.skip(T.BYTE) : this.skip(t)));
        return;
      case T.MAP: {
        const size = this.varint();
        if (size === 0) return;
        const kinds = this.byte();
        for (let i = 0; i < size; i++) {
          this.skip(kinds >> 4);
          this.skip(kinds & 0x0f);
        }
        return;
      }
      case T.STRUCT:
        this.struct(() => false);
        return;
      default:
        throw new Error(`unknown compact type ${type}`);
    }
  }
}

function rowGroup(r: CompactReader): Batch {
  let rows = -1;
  let total = -1;
  let chunks = 0;
  r.struct((id, type) => {
    if (id === 1 && type === T.LIST) {
      r.list(() =>
        r.struct((cid, ctype) => {
          if (cid !== 3 || ctype !== T.STRUCT) return false;
          r.struct((mid, mtype) => {
            if (mid !== 7 || mtype !== T.I64) return false;
            chunks += r.zigzag();
            return true;
          });
          return true;
        }),
      );
      return true;
    }
    if (id === 3 && type === T.I64) rows = r.zigzag();
    else if (id === 6 && type === T.I64) total = r.zigzag();
    else return false;
    return true;
  });
  if (rows < 0) throw new Error('a row group without num_rows');
  return { rows, bytes: total >= 0 ? total : chunks };
}

/** Rows and compressed bytes of each row group of the Parquet file `file`, in file order. */
export function parquetRowGroups(file: string): Batch[] {
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    const tail = Buffer.alloc(8);
    if (size < 12 || readSync(fd, tail, 0, 8, size - 8) !== 8 || tail.toString('latin1', 4) !== MAGIC)
      throw new Error('not a Parquet file');
    const length = tail.readUInt32LE(0);
    if (length > size - 12) throw new Error('footer longer than the file');
    const footer = Buffer.alloc(length);
    readSync(fd, footer, 0, length, size - 8 - length);
    const r = new CompactReader(footer);
    const groups: Batch[] = [];
    r.struct((id, type) => {
      if (id !== 4 || type !== T.LIST) return false;
      r.list(() => groups.push(rowGroup(r)));
      return true;
    });
    return groups;
  } catch (error) {
    throw new NfwError('NFW_OUTPUT_FAILED', `cannot read the row groups of ${file}: ${String(error)}`, {
      cause: error,
    });
  } finally {
    closeSync(fd);
  }
}
