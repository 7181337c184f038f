/**
 * Atomic outputs: data is written under a temporary name beside the target and renamed at the end,
 * so on any failure, Ctrl-C or kill nothing exists under the final name. Temporaries still pending
 * when the process exits (error, signal) are removed by an exit hook.
 */
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  createWriteStream,
  existsSync,
  fstatSync,
  fsyncSync,
  linkSync,
  openSync,
  renameSync,
  rmSync,
  unlinkSync,
  type WriteStream,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { UsageError } from '../usage-error.js';

const pending = new Set<string>();
let hooked = false;

function track(p: string): void {
  pending.add(p);
  if (!hooked) {
    hooked = true;
    process.on('exit', removePendingTemporaries);
  }
}

/** Remove every temporary not yet committed (exit hook; also called by signal handling). */
export function removePendingTemporaries(): void {
  for (const p of pending) rmSync(p, { force: true, recursive: true });
  pending.clear();
}

export function temporaryName(target: string): string {
  return path.join(
    path.dirname(target),
    `.${path.basename(target)}.nfw-tmp-${process.pid}-${randomBytes(4).toString('hex')}`,
  );
}

export class AtomicFile {
  readonly target: string;
  readonly temp: string;
  private readonly force: boolean;
  private fd: number | null;
  private done = false;

  constructor(target: string, options: { force: boolean; mode?: number }) {
    this.target = target;
    this.force = options.force;
    this.temp = temporaryName(target);
    track(this.temp);
    this.fd = openSync(this.temp, 'wx', options.mode ?? 0o644);
  }

  /** A write stream on the temporary file; it does not close the descriptor (commit() does, after fsync). */
  stream(): WriteStream {
    if (this.fd === null) throw new Error('AtomicFile already closed');
    return createWriteStream('', { fd: this.fd, autoClose: false });
  }

  /** Write the whole content at once (small files: the status file). */
  writeText(text: string): void {
    if (this.fd === null) throw new Error('AtomicFile already closed');
    writeFileSync(this.fd, text);
  }

  /** Bytes written so far. */
  size(): number {
    if (this.fd === null) throw new Error('AtomicFile already closed');
    return fstatSync(this.fd).size;
  }

  /** Flush to disk and move into place. Without force, an existing target is an error (never replaced). */
  commit(): void {
    if (this.done) return;
    if (this.fd !== null) {
      fsyncSync(this.fd);
      closeSync(this.fd);
      this.fd = null;
    }
    publish(this.temp, this.target, this.force, '--out');
    pending.delete(this.temp);
    this.done = true;
  }

  discard(): void {
    if (this.done) return;
    if (this.fd !== null) {
      closeSync(this.fd);
      this.fd = null;
    }
    rmSync(this.temp, { force: true });
    pending.delete(this.temp);
    this.done = true;
  }
}

/** Move a finished temporary file (or directory) to its final name. */
export function publish(temp: string, target: string, force: boolean, flag: string): void {
  if (force) {
    if (existsSync(target)) {
      // rename() cannot replace a directory; move the old one aside first, then drop it.
      const old = temporaryName(target);
      renameSync(target, old);
      renameSync(temp, target);
      rmSync(old, { recursive: true, force: true });
    } else {
      renameSync(temp, target);
    }
    return;
  }
  try {
    // link() fails with EEXIST instead of silently replacing a file that appeared meanwhile.
    linkSync(temp, target);
    unlinkSync(temp);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST')
      throw new UsageError(flag, target, 'already exists', 'pass --force to overwrite it');
    if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EXDEV' || code === 'EISDIR') {
      if (existsSync(target))
        throw new UsageError(flag, target, 'already exists', 'pass --force to overwrite it');
      renameSync(temp, target);
      return;
    }
    throw error;
  }
}

/** A directory built under a temporary name and renamed into place at the end (partitioned output). */
export class AtomicDirectory {
  readonly target: string;
  readonly temp: string;
  private readonly force: boolean;
  private done = false;

  constructor(target: string, temp: string, options: { force: boolean }) {
    this.target = target;
    this.temp = temp;
    this.force = options.force;
    track(this.temp);
  }

  commit(): void {
    if (this.done) return;
    if (!this.force && existsSync(this.target))
      throw new UsageError('--out', this.target, 'already exists', 'pass --force to overwrite it');
    publish(this.temp, this.target, true, '--out');
    pending.delete(this.temp);
    this.done = true;
  }

  discard(): void {
    if (this.done) return;
    rmSync(this.temp, { recursive: true, force: true });
    pending.delete(this.temp);
    this.done = true;
  }
}
