import { createRequire } from 'node:module';
import {
  type DataType,
  Field,
  Float64,
  Schema,
  TimestampMillisecond,
  Uint8,
  Uint16,
  Uint32,
  Uint64,
  Utf8,
} from 'apache-arrow';
import { NfwError } from '../errors.js';
import type { ColumnSpec, ColumnType } from '../types.js';
import { FLOW_COLUMNS } from './flow-columns.js';

/** Version of the flow schema written by this library (`nfw_flows.schema_version`). */
export const SCHEMA_VERSION = '1';

// src/serialize and dist/serialize are both two levels below the package root.
const VERSION: string = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;

/** Version of @nfw-flows/core, written as `nfw_flows.version`. */
export const NFW_FLOWS_VERSION = VERSION;

/** Metadata keys every nfw-flows file carries. */
export const METADATA_KEYS = {
  schemaVersion: 'nfw_flows.schema_version',
  status: 'nfw_flows.status',
  statusMessage: 'nfw_flows.status_message',
  version: 'nfw_flows.version',
} as const;

/** Status written when the caller did not say: readers must not mistake the file for a complete export. */
export const UNKNOWN_STATUS = 'UNKNOWN';

/** Metadata as callers give it: a plain object, or a function called once, when the schema is written. */
export type MetadataInput = Record<string, string> | (() => Record<string, string>);

const COLUMN_TYPES: readonly ColumnType[] = [
  'utf8',
  'uint8',
  'uint16',
  'uint32',
  'uint64',
  'float64',
  'timestamp_ms',
];

/** The Arrow type of a column type (one mapping, shared by Arrow and Parquet output). */
export function arrowType(type: ColumnType): DataType {
  switch (type) {
    case 'utf8':
      return new Utf8();
    case 'uint8':
      return new Uint8();
    case 'uint16':
      return new Uint16();
    case 'uint32':
      return new Uint32();
    case 'uint64':
      return new Uint64();
    case 'float64':
      return new Float64();
    case 'timestamp_ms':
      return new TimestampMillisecond('UTC');
  }
}

/**
 * The full metadata map: defaults (schema version, UNKNOWN status, empty message, tool version), then
 * the caller's keys. Values must be strings: Arrow and Parquet metadata are string maps.
 */
export function buildMetadata(extra: Record<string, string> = {}): Map<string, string> {
  const map = new Map<string, string>([
    [METADATA_KEYS.schemaVersion, SCHEMA_VERSION],
    [METADATA_KEYS.status, UNKNOWN_STATUS],
    [METADATA_KEYS.statusMessage, ''],
    [METADATA_KEYS.version, NFW_FLOWS_VERSION],
  ]);
  for (const [key, value] of Object.entries(extra)) {
    if (typeof value !== 'string') {
      throw new NfwError('NFW_INVALID_OPTION', `metadata value of ${key} must be a string`, {
        field: 'metadata',
        value: { [key]: value },
      });
    }
    map.set(key, value);
  }
  return map;
}

/** Arrow schema of a columns list, with the nfw_flows metadata. */
export function columnsSchema(
  columns: readonly ColumnSpec[],
  metadata: Record<string, string> | Map<string, string> = {},
): Schema {
  const fields = columns.map((c) => new Field(c.name, arrowType(c.type), c.nullable));
  return new Schema(fields, metadata instanceof Map ? metadata : buildMetadata(metadata));
}

/** Arrow schema v1 of flow records, with the nfw_flows metadata (defaults plus `metadata`). */
export function flowSchema(metadata: Record<string, string> = {}): Schema {
  return columnsSchema(FLOW_COLUMNS, metadata);
}

/** Validates a `columns` option once, up front. */
export function normalizeColumns(columns: unknown, field = 'columns'): readonly ColumnSpec[] | undefined {
  if (columns === undefined) return undefined;
  if (!Array.isArray(columns) || columns.length === 0) {
    throw new NfwError('NFW_INVALID_OPTION', `${field} must be a non-empty array of ColumnSpec`, {
      field,
      value: columns,
    });
  }
  const seen = new Set<string>();
  for (const c of columns as ColumnSpec[]) {
    if (
      c === null ||
      typeof c !== 'object' ||
      typeof c.name !== 'string' ||
      c.name === '' ||
      !COLUMN_TYPES.includes(c.type) ||
      typeof c.nullable !== 'boolean' ||
      seen.has(c.name)
    ) {
      throw new NfwError('NFW_INVALID_OPTION', `${field} holds an invalid or duplicate column`, {
        field,
        value: c,
      });
    }
    seen.add(c.name);
  }
  return columns as ColumnSpec[];
}

/** Validates a positive integer option (batch size, row group size). */
export function normalizePositiveInt(value: unknown, field: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new NfwError('NFW_INVALID_OPTION', `${field} must be a positive integer`, { field, value });
  }
  return value;
}

/** Validates a metadata option (object of strings or function); the function is not called here. */
export function normalizeMetadata(value: unknown): MetadataInput {
  if (value === undefined) return {};
  if (typeof value === 'function') return value as () => Record<string, string>;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new NfwError('NFW_INVALID_OPTION', 'metadata must be an object of strings or a function', {
      field: 'metadata',
      value,
    });
  }
  buildMetadata(value as Record<string, string>);
  return value as Record<string, string>;
}
