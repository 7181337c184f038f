/**
 * The checkpoint of an export in progress: `<out>.nfw-partial/checkpoint.json`, rewritten atomically
 * (temp + rename, mode 0600) after pages whose records are durably in the spool. It holds what is
 * needed to continue (per job: the NextToken after the last committed page and the committed spool
 * lengths) and the identity of the export, so a resume never mixes two different exports. Never
 * credentials.
 */

import { randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';
import type { FlowOperationStatus } from '@nfw-flows/core';

/** 2: Arrow outputs spool Arrow batches (output/arrow-spool.ts); a version 1 partial of them holds lines. */
export const CHECKPOINT_VERSION = 2;

export interface JobIdentity {
  firewallArn: string;
  flowOperationId: string;
  availabilityZone?: string;
  vpcEndpointId?: string;
  vpcEndpointAssociationArn?: string;
}

export interface ExportIdentity {
  command: string;
  out: string;
  format: string;
  partitioned: boolean;
  aggregate: string | null;
  maxItems: number | null;
  jobs: JobIdentity[];
  /** Fleet captures: what was captured (filters, scope kind); jobs get their operation id once started. */
  fleet?: unknown;
}

export interface JobProgress {
  /** True once the job's last page is in the spool. */
  done: boolean;
  /** NextToken after the last committed page (undefined: start from the beginning / nothing left). */
  nextToken?: string;
  pages: number;
  records: number;
  rejected: number;
  spoolBytes: number;
  rejectsBytes: number;
  status: FlowOperationStatus | null;
  statusMessage: string | null;
  /** Fleet captures: the error code of a scope that failed (it is done, with what it had read). */
  error?: string;
}

/**
 * Recorded once the final output is staged, before it is renamed into place (the commit point): its
 * size and its status file's text. A resume that finds the target with this size (partitioned: this
 * status file inside it) knows the commit happened and only finishes the cleanup.
 */
export interface StagedOutput {
  bytes: number;
  status: string;
}

export interface Checkpoint {
  version: number;
  identity: ExportIdentity;
  jobs: JobProgress[];
  updatedAt: string;
  output?: StagedOutput;
}

export function emptyProgress(): JobProgress {
  return {
    done: false,
    pages: 0,
    records: 0,
    rejected: 0,
    spoolBytes: 0,
    rejectsBytes: 0,
    status: null,
    statusMessage: null,
  };
}

export function partialDirectory(out: string): string {
  return `${out}.nfw-partial`;
}

export function checkpointPath(dir: string): string {
  return path.join(dir, 'checkpoint.json');
}

export function createPartialDirectory(dir: string): void {
  mkdirSync(dir, { mode: 0o700 });
}

/**
 * Remove the partial directory: renamed aside first (one atomic step, so a kill never leaves a
 * directory without its checkpoint but with spools), then deleted. A kill between the two leaves a
 * `.<name>.nfw-partial.nfw-tmp-<pid>-*` directory that the next export sweeps.
 */
export function removePartialDirectory(dir: string, afterRename?: () => void): void {
  if (!existsSync(dir)) return;
  const aside = path.join(
    path.dirname(dir),
    `.${path.basename(dir)}.nfw-tmp-${process.pid}-${randomBytes(4).toString('hex')}`,
  );
  renameSync(dir, aside);
  afterRename?.();
  rmSync(aside, { recursive: true, force: true });
}

export function writeCheckpoint(dir: string, checkpoint: Checkpoint): void {
  const file = checkpointPath(dir);
  const temp = `${file}.tmp`;
  const fd = openSync(temp, 'w', 0o600);
  try {
    const buf = Buffer.from(`${JSON.stringify(checkpoint, null, 1)}\n`);
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, file);
}

export function readCheckpoint(dir: string): Checkpoint | null {
  const file = checkpointPath(dir);
  if (!existsSync(file)) return null;
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as Checkpoint;
  if (parsed.version !== CHECKPOINT_VERSION) return null;
  return parsed;
}

/** Stable comparison of identities (key order independent of how they were built). */
export function sameIdentity(a: ExportIdentity, b: ExportIdentity): boolean {
  return canonical(a) === canonical(b);
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
