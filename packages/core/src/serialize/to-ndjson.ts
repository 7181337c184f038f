import type { Transform } from 'node:stream';
import type { ColumnSpec, FlowRecord, Row } from '../types.js';
import type { CellValue } from './flow-columns.js';
import { flowLineFormatter } from './flow-text.js';
import { TEXT_CHUNK_CHARS, textColumns, textTransform, wellFormed } from './text-format.js';

export interface ToNdjsonOptions {
  /** Columns of generic rows (group-by, top talkers); omitted: flow records in schema v1. */
  columns?: ColumnSpec[] | readonly ColumnSpec[];
}

/** Compiles the line formatter: one JSON object per record, keys as in the Arrow schema, LF-terminated. */
export function ndjsonLineFormatter(options: ToNdjsonOptions = {}): {
  columns: readonly ColumnSpec[];
  format(item: FlowRecord | Row): string;
} {
  const { columns, getters, formatters, flow } = textColumns(options.columns);
  const keys = columns.map((c, i) => `${i === 0 ? '{' : ','}${JSON.stringify(wellFormed(c.name))}:`);
  const cell = (c: number, value: CellValue): string => {
    const t = formatters[c](value);
    return keys[c] + (t === null ? 'null' : t.quoted ? JSON.stringify(t.text) : t.text);
  };
  if (flow) {
    const format = flowLineFormatter(cell, (c) => keys[c], '}\n');
    return { columns, format: format as (item: FlowRecord | Row) => string };
  }
  const width = columns.length;
  return {
    columns,
    format(item) {
      let line = '';
      for (let c = 0; c < width; c++) line += cell(c, getters[c](item));
      return `${line}}\n`;
    },
  };
}

/** Sync/iterable form of toNdjson: yields text chunks of about 64K characters. */
export function* encodeNdjson(
  items: Iterable<FlowRecord | Row>,
  options: ToNdjsonOptions = {},
): Generator<string, void, undefined> {
  const { format } = ndjsonLineFormatter(options);
  let chunk = '';
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
 * A Transform from flow records (or rows, with `columns`) to NDJSON: one object per line, uint64 as
 * exact JSON integers, timestamps as ISO 8601 UTC strings, absent values as null.
 */
export function toNdjson(
  options: ToNdjsonOptions = {},
): Transform & { readonly columns: readonly ColumnSpec[] } {
  const { columns, format } = ndjsonLineFormatter(options);
  return textTransform(columns, format);
}
