/**
 * The status file of an export: `<out>.nfw-status.json` beside a file output, `_nfw-status.json` inside
 * a partition directory. It says whether the data is complete (the operation's status, rejected records)
 * for every format: CSV and NDJSON have no metadata of their own, and `.arrows`/Parquet metadata is fixed
 * when the first batch is written. It is written last: a data file without its status file is an export
 * whose completeness is unknown, never one that looks complete.
 */
import path from 'node:path';
import { NFW_FLOWS_VERSION, SCHEMA_VERSION } from '@nfw-flows/core';
import { wellFormed } from '@nfw-flows/core/engine';

export const STATUS_FILE_SUFFIX = '.nfw-status.json';
/** Inside a partition directory: `_` keeps it out of Spark, Hive and pyarrow dataset discovery. */
export const PARTITIONED_STATUS_FILE = '_nfw-status.json';

/** Where the status file of `out` goes. */
export function statusFilePath(out: string, partitioned: boolean): string {
  if (partitioned && out.endsWith('/')) return `${out}${PARTITIONED_STATUS_FILE}`;
  return partitioned ? path.join(out, PARTITIONED_STATUS_FILE) : `${out}${STATUS_FILE_SUFFIX}`;
}

export interface OperationStatus {
  firewall_arn: string;
  availability_zone: string | null;
  /** Fleet captures of associations: the association (their zone is the association's). */
  vpc_endpoint_association_arn?: string | null;
  /** null: a fleet capture's scope whose capture never started (see `error`). */
  flow_operation_id: string | null;
  status: string | null;
  /** Fleet captures: the error code of a scope that failed. */
  error?: string;
  status_message: string | null;
  flows: number;
  rejected: number;
  pages: number;
  /** The startingToken of the rest when --max-items cut this operation short. */
  next_token?: string | null;
  /** Partitioned exports: the first part file, relative to the directory, and the size of all parts. */
  path?: string;
  bytes?: number;
  /** Partitioned exports: every part file of the operation, in order, with its rows and size. */
  parts?: PartStatus[];
}

export interface PartStatus {
  path: string;
  rows: number;
  bytes: number;
}

export interface ExportStatus {
  /** What the status describes: the data file's name (or the directory's, when partitioned). */
  file: string;
  format: string;
  partitioned: boolean;
  /** True exactly when the export exited 0: status COMPLETED and no rejected records. */
  complete: boolean;
  status: string;
  status_message: string;
  /** Flows read (before any --group-by/--top), rejected records, API pages. */
  flows: number;
  rejected: number;
  pages: number;
  /** Size of the data file in bytes (of all partition files, when partitioned). */
  bytes: number;
  /** 'group-by' or 'top' when the file holds aggregated rows. */
  aggregate: 'group-by' | 'top' | null;
  source: 'api' | 'file';
  /**
   * Set when the data stops before the operation's results end (--max-items, or a saved file that ends
   * with a NextToken): the token that gets the rest (`--starting-token`). `complete` is then false.
   */
  next_token: string | null;
  operations?: OperationStatus[];
  schema_version: string;
  nfw_flows_version: string;
  finished_at: string;
}

export type StatusFields = Omit<
  ExportStatus,
  'file' | 'bytes' | 'complete' | 'schema_version' | 'nfw_flows_version' | 'finished_at'
>;

/** The complete status record, once the data is written and its size known. */
export function exportStatus(fields: StatusFields, file: string, bytes: number): ExportStatus {
  return {
    file: path.basename(file),
    format: fields.format,
    partitioned: fields.partitioned,
    complete: fields.status === 'COMPLETED' && fields.rejected === 0 && fields.next_token === null,
    status: fields.status,
    status_message: fields.status_message,
    flows: fields.flows,
    rejected: fields.rejected,
    pages: fields.pages,
    bytes,
    aggregate: fields.aggregate,
    source: fields.source,
    next_token: fields.next_token,
    ...(fields.operations === undefined ? {} : { operations: fields.operations }),
    schema_version: SCHEMA_VERSION,
    nfw_flows_version: NFW_FLOWS_VERSION,
    finished_at: new Date().toISOString(),
  };
}

export function statusText(status: ExportStatus): string {
  // Lone surrogates (a StatusMessage can hold any JSON string) as U+FFFD, as in every data format.
  return `${JSON.stringify(status, (_key, value) => (typeof value === 'string' ? wellFormed(value) : value), 2)}\n`;
}
