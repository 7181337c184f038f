/**
 * The checkpoint of an export in progress: `<out>.nfw-partial/checkpoint.json`, rewritten atomically
 * (temp + rename, mode 0600) after pages durably in the job's spool. It holds what is needed to
 * continue (per job: the NextToken after the last committed page and the committed spool and rejects
 * lengths) and the identity of the export, so a resume never mixes two different exports. Never
 * credentials.
 */

import { randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fsyncSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';
import { type FlowOperationStatus, NfwError } from '@nfw-flows/core';
import { outputAnchor } from '../output/s3-target.js';
import { WriteError } from '../output/write-error.js';
import { UsageError } from '../usage-error.js';

/** 3: spools of response pages (page-line.ts); versions 1 and 2 spooled records, and are refused. */
export const CHECKPOINT_VERSION = 3;

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
  /** --max-file-size when given (the parts are cut where it says). */
  maxFileSize?: number;
  aggregate: string | null;
  maxItems: number | null;
  jobs: JobIdentity[];
  /**
   * What else decides the data (absent in checkpoints of older versions: not compared). The endpoint
   * is recorded without any user:password part; credentials are never recorded.
   */
  endpoint?: string | null;
  strict?: boolean;
  startingToken?: string | null;
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
  /** A FlowOperationStatus, or an unknown value as the service sent it. */
  status: FlowOperationStatus | string | null;
  statusMessage: string | null;
  /** Set when --max-items cut the job short: the startingToken of the rest (the status file's next_token). */
  resumeToken?: string;
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
  return `${outputAnchor(out)}.nfw-partial`;
}

export function checkpointPath(dir: string): string {
  return path.join(dir, 'checkpoint.json');
}

export function createPartialDirectory(dir: string): void {
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch (error) {
    throw new WriteError(dir, error);
  }
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

/** Write the checkpoint; a system error (full disk) names the checkpoint file. */
export function writeCheckpoint(dir: string, checkpoint: Checkpoint): void {
  const file = checkpointPath(dir);
  const temp = `${file}.tmp`;
  try {
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
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    throw typeof e?.code === 'string' && typeof e.syscall === 'string' ? new WriteError(file, error) : error;
  }
}

/** A damaged checkpoint or spool: a coded error naming the file and the way out. */
export function damagedCheckpoint(file: string, problem: string): NfwError {
  return new NfwError(
    'NFW_CHECKPOINT_INVALID',
    `the interrupted export's ${file} ${problem}; pass --force instead of --resume to discard it and start over`,
    { field: 'checkpoint', value: file },
  );
}

const isCount = (v: unknown): boolean => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isStringOrNull = (v: unknown): boolean => v === null || typeof v === 'string';
const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/** What is wrong with the shape of a parsed checkpoint of the current version, or null. */
function shapeProblem(c: Record<string, unknown>): string | null {
  const id = c.identity;
  if (!isObject(id)) return 'has no identity';
  if (typeof id.command !== 'string' || typeof id.out !== 'string' || typeof id.format !== 'string')
    return 'has an invalid identity';
  if (typeof id.partitioned !== 'boolean' || !isStringOrNull(id.aggregate)) return 'has an invalid identity';
  if (id.maxItems !== null && !isCount(id.maxItems)) return 'has an invalid identity';
  if (!Array.isArray(id.jobs)) return 'has no job list';
  for (const job of id.jobs)
    if (!isObject(job) || typeof job.firewallArn !== 'string' || typeof job.flowOperationId !== 'string')
      return 'has an invalid job';
  if (!Array.isArray(c.jobs) || c.jobs.length !== id.jobs.length)
    return 'does not have one progress entry per job';
  for (const p of c.jobs) {
    if (!isObject(p) || typeof p.done !== 'boolean') return 'has an invalid job progress';
    for (const k of ['pages', 'records', 'rejected', 'spoolBytes', 'rejectsBytes'])
      if (!isCount(p[k])) return `has an invalid ${k}`;
    if (p.nextToken !== undefined && typeof p.nextToken !== 'string') return 'has an invalid nextToken';
    if (!isStringOrNull(p.status) || !isStringOrNull(p.statusMessage)) return 'has an invalid status';
  }
  if (c.output !== undefined) {
    const o = c.output;
    if (!isObject(o) || !isCount(o.bytes) || typeof o.status !== 'string') return 'has an invalid output';
  }
  return null;
}

/**
 * The checkpoint in `dir`; null when there is none. Unparseable, of the wrong shape or of another
 * version (whose spools this version cannot read): NFW_CHECKPOINT_INVALID (never a bare SyntaxError).
 */
export function readCheckpoint(dir: string): Checkpoint | null {
  const file = checkpointPath(dir);
  if (!existsSync(file)) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    if (error instanceof SyntaxError) throw damagedCheckpoint(file, 'is not valid JSON');
    throw error;
  }
  if (!isObject(parsed) || typeof parsed.version !== 'number')
    throw damagedCheckpoint(file, 'is not a checkpoint');
  if (parsed.version !== CHECKPOINT_VERSION)
    throw damagedCheckpoint(
      file,
      `is of checkpoint version ${parsed.version}, from another version of nfw-flows (this one resumes version ${CHECKPOINT_VERSION})`,
    );
  const problem = shapeProblem(parsed);
  if (problem !== null) throw damagedCheckpoint(file, problem);
  return parsed as unknown as Checkpoint;
}

/**
 * The spool and rejects files hold at least the bytes the checkpoint committed (resume truncates them
 * to it; a shorter file would be grown with zeros, not resumed).
 */
export function checkSpoolLengths(
  checkpoint: Checkpoint,
  files: (index: number) => { spool: string; rejects: string },
): void {
  checkpoint.jobs.forEach((p, i) => {
    const started = p.pages > 0 || p.records > 0 || p.done;
    const f = files(i);
    for (const [file, bytes] of [
      [f.spool, p.spoolBytes],
      [f.rejects, p.rejectsBytes],
    ] as const) {
      let size: number;
      try {
        size = statSync(file).size;
      } catch {
        if (started || bytes > 0) throw damagedCheckpoint(file, 'is missing');
        continue;
      }
      if (size < bytes)
        throw damagedCheckpoint(file, `has ${size} bytes, fewer than the ${bytes} the checkpoint committed`);
    }
  });
}

/**
 * `--resume` trusts what it finds in the partial directory: it must be a real directory of the current
 * user that no one else can write to.
 */
export function checkPartialOwnership(dir: string): void {
  const st = lstatSync(dir);
  if (!st.isDirectory())
    throw new UsageError('--resume', dir, 'is not a directory', 'pass --force to discard it and start over');
  const uid = process.getuid?.();
  if (uid !== undefined && st.uid !== uid)
    throw new UsageError(
      '--resume',
      dir,
      `is owned by uid ${st.uid}, not by you (uid ${uid})`,
      'resume as its owner, or pass --force to discard it and start over',
    );
  if ((st.mode & 0o022) !== 0)
    throw new UsageError(
      '--resume',
      dir,
      `is writable by other users (mode ${(st.mode & 0o777).toString(8)})`,
      'chmod go-w it if you trust its content, or pass --force to discard it and start over',
    );
}

/** Flags of the identity's fields, to name what differs. */
const IDENTITY_FLAGS: Array<[keyof ExportIdentity, string]> = [
  ['command', 'the command'],
  ['format', '--format'],
  ['partitioned', '--partitioned'],
  ['maxFileSize', '--max-file-size'],
  ['aggregate', '--group-by/--top'],
  ['maxItems', '--max-items'],
  ['endpoint', '--endpoint-url'],
  ['strict', '--strict'],
  ['startingToken', '--starting-token'],
  ['jobs', 'the operations (--flow-operation-id, --all-operations, scope flags)'],
];

/**
 * The first setting that differs between the checkpoint's identity and this run's, or null when they
 * match. Settings an older checkpoint did not record are not compared.
 */
export function identityMismatch(
  recorded: ExportIdentity,
  current: ExportIdentity,
): { flag: string; recorded: unknown; current: unknown } | null {
  for (const [key, flag] of IDENTITY_FLAGS) {
    if (!(key in recorded) && (key === 'endpoint' || key === 'strict' || key === 'startingToken')) continue;
    if (canonical(recorded[key] ?? null) !== canonical(current[key] ?? null))
      return { flag, recorded: recorded[key] ?? null, current: current[key] ?? null };
  }
  return null;
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
