import { Transform, type TransformCallback } from 'node:stream';
import { NfwError } from '../errors.js';
import type { ColumnSpec, FlowRecord, Row } from '../types.js';
import { type CellValue, columnGetters, FLOW_COLUMNS } from './flow-columns.js';
import { normalizeColumns } from './schema.js';

/**
 * Shared engine of the text formats (NDJSON, CSV): per-column formatters compiled once from the
 * columns, each turning a value into its exact text (integers in full, never 1e+21; timestamps as
 * ISO 8601 UTC) or null. No I/O.
 */
export type TextCell = { text: string; quoted: boolean } | null;

const MAX_U64 = 0xffffffffffffffffn;
const MAX_UINT: Record<string, number> = { uint8: 0xff, uint16: 0xffff, uint32: 0xffffffff };

function invalid(spec: ColumnSpec, value: unknown, what: string): NfwError {
  return new NfwError('NFW_INVALID_RECORD', `column ${spec.name} expects ${what}`, {
    field: spec.name,
    value,
  });
}

/** Exact decimal text of a float64 (integers beyond 1e21 in full); null for NaN/Infinity. */
function floatText(n: number): string | null {
  if (!Number.isFinite(n)) return null;
  if (Number.isInteger(n) && Math.abs(n) >= 1e21) return BigInt(n).toString();
  return String(n);
}

type WellFormedString = string & { isWellFormed(): boolean; toWellFormed(): string };

/**
 * `text` with every lone surrogate replaced by U+FFFD, as TextEncoder (hence the Arrow and Parquet
 * writers) and Node's UTF-8 encoding do: every format writes the same characters, and NDJSON never
 * holds a `\ud800` escape that jq and strict UTF-8 readers refuse.
 */
export function wellFormed(text: string): string {
  const t = text as WellFormedString;
  return t.isWellFormed() ? text : t.toWellFormed();
}

/** A formatter per column: returns the text and whether it is a string (JSON-quoted, CSV maybe quoted). */
export type CellFormatter = (value: CellValue) => TextCell;

export function cellFormatter(spec: ColumnSpec): CellFormatter {
  const nullable = spec.nullable;
  const whenNull = (): null => {
    if (!nullable) throw invalid(spec, null, 'a value (the column is not nullable)');
    return null;
  };
  switch (spec.type) {
    case 'utf8':
      return (v) => {
        if (v === null) return whenNull();
        if (typeof v !== 'string') throw invalid(spec, v, 'a string');
        return { text: wellFormed(v), quoted: true };
      };
    case 'uint8':
    case 'uint16':
    case 'uint32': {
      const max = MAX_UINT[spec.type];
      return (v) => {
        if (v === null) return whenNull();
        if (typeof v !== 'number' || v >>> 0 !== v || v > max) throw invalid(spec, v, `an integer 0..${max}`);
        return { text: String(v), quoted: false };
      };
    }
    case 'uint64':
      return (v) => {
        if (v === null) return whenNull();
        if (
          typeof v === 'bigint'
            ? v < 0n || v > MAX_U64
            : typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0
        ) {
          throw invalid(spec, v, 'an integer 0..2^64-1');
        }
        return { text: String(v), quoted: false };
      };
    case 'float64':
      return (v) => {
        if (v === null) return whenNull();
        if (typeof v !== 'number') throw invalid(spec, v, 'a number');
        const text = floatText(v);
        return text === null ? whenNull() : { text, quoted: false };
      };
    case 'timestamp_ms':
      return (v) => {
        if (v === null) return whenNull();
        const ms = v instanceof Date ? v.getTime() : typeof v === 'number' ? v : Number.NaN;
        if (!Number.isSafeInteger(ms) || Math.abs(ms) > 8.64e15) throw invalid(spec, v, 'a valid date');
        return { text: new Date(ms).toISOString(), quoted: true };
      };
  }
}

export interface TextColumns {
  columns: readonly ColumnSpec[];
  getters: readonly ((item: FlowRecord | Row) => CellValue)[];
  formatters: readonly CellFormatter[];
  /** True for flow records in schema v1 (no `columns`): the fast line formatter applies. */
  flow: boolean;
}

export function textColumns(columnsOption: unknown): TextColumns {
  const given = normalizeColumns(columnsOption);
  const columns = given ?? FLOW_COLUMNS;
  return {
    columns,
    getters: columnGetters(given) as TextColumns['getters'],
    formatters: columns.map(cellFormatter),
    flow: given === undefined,
  };
}

/** Output is pushed in chunks of about this many characters, not one push per record. */
export const TEXT_CHUNK_CHARS = 64 * 1024;

/**
 * The Transform behind toNdjson and toCsv: records or rows in, text out in chunks of about
 * TEXT_CHUNK_CHARS (never one push per record), starting with `first` (the CSV header).
 */
export function textTransform(
  columns: readonly ColumnSpec[],
  format: (item: FlowRecord | Row) => string,
  first = '',
): Transform & { readonly columns: readonly ColumnSpec[] } {
  let chunk = first;
  const stream = new Transform({
    writableObjectMode: true,
    readableObjectMode: false,
    transform(item: FlowRecord | Row, _encoding: BufferEncoding, callback: TransformCallback) {
      try {
        chunk += format(item);
      } catch (error) {
        callback(error as Error);
        return;
      }
      if (chunk.length >= TEXT_CHUNK_CHARS) {
        this.push(chunk, 'utf8');
        chunk = '';
      }
      callback();
    },
    flush(callback: TransformCallback) {
      if (chunk.length > 0) this.push(chunk, 'utf8');
      chunk = '';
      callback();
    },
  });
  return Object.defineProperty(stream, 'columns', { value: columns, enumerable: true }) as Transform & {
    readonly columns: readonly ColumnSpec[];
  };
}
