import type { Transform } from 'node:stream';
import { NfwError } from '../errors.js';
import type { ColumnSpec, FlowRecord, Row } from '../types.js';
import type { CellValue } from './flow-columns.js';
import { flowLineFormatter } from './flow-text.js';
import { TEXT_CHUNK_CHARS, textColumns, textTransform, wellFormed } from './text-format.js';

export interface ToCsvOptions {
  /** Columns of generic rows (group-by, top talkers); omitted: flow records in schema v1. */
  columns?: ColumnSpec[] | readonly ColumnSpec[];
  /** Write the header line of column names (default true). */
  header?: boolean;
  /** Line ending (default `\n`, what pandas, polars, DuckDB and Spark expect; `\r\n` for strict RFC 4180). */
  eol?: '\n' | '\r\n';
}

const NEEDS_QUOTES = /[",\r\n]/;

/** RFC 4180 field: quoted when it holds a comma, quote, CR or LF; empty strings quoted (null is empty). */
function field(text: string): string {
  if (text === '') return '""';
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** Compiles the CSV line formatter and the header line. */
export function csvLineFormatter(options: ToCsvOptions = {}): {
  columns: readonly ColumnSpec[];
  header: string;
  format(item: FlowRecord | Row): string;
} {
  const eol = options.eol ?? '\n';
  if (eol !== '\n' && eol !== '\r\n') {
    throw new NfwError('NFW_INVALID_OPTION', "eol must be '\\n' or '\\r\\n'", { field: 'eol', value: eol });
  }
  if (options.header !== undefined && typeof options.header !== 'boolean') {
    throw new NfwError('NFW_INVALID_OPTION', 'header must be a boolean', {
      field: 'header',
      value: options.header,
    });
  }
  const { columns, getters, formatters, flow } = textColumns(options.columns);
  const width = columns.length;
  const cell = (c: number, value: CellValue): string => {
    const t = formatters[c](value);
    const text = t === null ? '' : t.quoted ? field(t.text) : t.text;
    return c === 0 ? text : `,${text}`;
  };
  const header =
    options.header === false ? '' : columns.map((c) => field(wellFormed(c.name))).join(',') + eol;
  if (flow) {
    const format = flowLineFormatter(cell, () => ',', eol);
    return { columns, header, format: format as (item: FlowRecord | Row) => string };
  }
  return {
    columns,
    header,
    format(item) {
      let line = '';
      for (let c = 0; c < width; c++) line += cell(c, getters[c](item));
      return line + eol;
    },
  };
}

/** Sync/iterable form of toCsv: yields text chunks of about 64K characters (the header first). */
export function* encodeCsv(
  items: Iterable<FlowRecord | Row>,
  options: ToCsvOptions = {},
): Generator<string, void, undefined> {
  const { header, format } = csvLineFormatter(options);
  let chunk = header;
  for (const item of items) {
    chunk += format(item);
    if (chunk.length >= TEXT_CHUNK_CHARS) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk.length > 0) yield chunk;
}

/**
 * A Transform from flow records (or rows, with `columns`) to CSV: a header of the Arrow column names,
 * RFC 4180 quoting, exact integers, ISO 8601 UTC timestamps, null as an empty field (an empty string
 * is `""`). The header is written even when there are no records.
 */
export function toCsv(options: ToCsvOptions = {}): Transform & { readonly columns: readonly ColumnSpec[] } {
  const { columns, header, format } = csvLineFormatter(options);
  return textTransform(columns, format, header);
}
