import type { Transform } from 'node:stream';
import { type ColumnSpec, toArrow, toCsv, toNdjson, toParquet } from '@nfw-flows/core';
import type { OutputFormat } from '../options.js';

export interface SerializerOptions {
  /** Columns of aggregate rows; omitted for flow records (schema v1). */
  columns?: ColumnSpec[] | readonly ColumnSpec[];
  /** Schema metadata (arrow/parquet): a plain object, or a function called when the schema is written. */
  metadata?: Record<string, string> | (() => Record<string, string>);
  compression?: ParquetCompression;
}

export type ParquetCompression = 'zstd' | 'snappy' | 'gzip' | 'brotli' | 'lz4' | 'none';
export const PARQUET_COMPRESSIONS: readonly ParquetCompression[] = [
  'zstd',
  'snappy',
  'gzip',
  'brotli',
  'lz4',
  'none',
];

/** The core serializer for an output format (records or rows in, bytes out). */
export function serializer(format: OutputFormat, options: SerializerOptions): Transform {
  const columns = options.columns === undefined ? {} : { columns: [...options.columns] };
  const metadata = options.metadata === undefined ? {} : { metadata: options.metadata };
  switch (format) {
    case 'arrow':
      return toArrow({ format: 'file', ...columns, ...metadata });
    case 'arrows':
      return toArrow({ format: 'stream', ...columns, ...metadata });
    case 'parquet':
      return toParquet({
        ...columns,
        ...metadata,
        ...(options.compression ? { compression: options.compression } : {}),
      });
    case 'ndjson':
      return toNdjson(columns);
    case 'csv':
      return toCsv(columns);
  }
}
