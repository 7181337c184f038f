/**
 * What an export does, as plans.ts makes it from the flags (every flag checked before any I/O): where
 * the flows come from, the output and how it is written.
 */
import type { FileProvenance, RetryOptions } from '@nfw-flows/core';
import type { ClientFlags } from '../client.js';
import type { OutputFormat } from '../options.js';
import type { JobIdentity } from '../spool/checkpoint.js';
import type { Aggregate } from './aggregate.js';
import type { FleetRun } from './fleet-jobs.js';
import type { Scope } from './jobs.js';
import type { ParquetCompression } from './serializer.js';

/** How each job's pages are read (the core `pages()` options of the flags). */
export interface ApiReadOptions {
  pageSize?: number;
  maxItems?: number;
  startingToken?: string;
  wait: boolean;
  waitTimeoutMs?: number;
  pollIntervalMs?: number;
  strict: boolean;
  /** --stall-timeout, the backoff and the attempt timeout. */
  retry?: RetryOptions;
}

export interface ApiSource {
  kind: 'api';
  /** Explicit jobs, or null for --all-operations (listed from the API). */
  jobs: JobIdentity[] | null;
  firewallArns: string[];
  scopes: Scope[];
  read: ApiReadOptions;
}

export interface FileSource {
  kind: 'file';
  input: string;
  strict: boolean;
  /** For bare Flow records: --firewall-arn, --flow-operation-id, --availability-zone. */
  provenance: FileProvenance;
}

export interface ExportPlan {
  command: 'export' | 'capture';
  clientFlags: ClientFlags;
  source: ApiSource | FileSource;
  out: string;
  format: OutputFormat;
  force: boolean;
  rejects: string | undefined;
  resume: boolean;
  quiet: boolean;
  partitioned: boolean;
  /** --max-file-size (partitioned only): the size at which a partition's part is closed. */
  maxFileSize?: number;
  concurrency: number;
  aggregate: Aggregate | null;
  compression: ParquetCompression | undefined;
  /** capture without a scope flag: discovered scopes, started under the fleet scheduler. */
  fleet?: FleetRun;
}
