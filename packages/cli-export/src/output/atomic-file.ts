/**
 * Atomic outputs: data is written under a temporary name beside the target and renamed at the end,
 * so on any failure, Ctrl-C or kill nothing exists under the final name. Temporaries are created 0600
 * (a half-written export is never readable by others) and get their final mode (0666 & ~umask) right
 * before the rename. Temporaries still pending when the process exits (error, signal) are removed by
 * an exit hook; those of a SIGKILLed process are swept by the next export (sweepStaleTemporaries).
 */
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  createWriteStream,
  existsSync,
  fchmodSync,
  fstatSync,
  fsyncSync,
  linkSync,
  lstatSync,
  openSync,
  readdirSync,
  renameSync,
  rmSync,
  type Stats,
  statSync,
  unlinkSync,
  type WriteStream,
  writeFileSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';
import { UsageError } from '../usage-error.js';
import { isOurPartitionedDirectory } from './output-targets.js';

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

/** The mode a plain `open(..., 0o666)` would give: what users expect of a file they asked for. */
export function defaultFileMode(): number {
  return 0o666 & ~process.umask();
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/**
 * Remove temporaries a killed export left beside `target`: `.<name>.nfw-tmp-<pid>-<rand>` (and those of
 * its status file and partial directory) whose process is gone. A live process's temporaries are never
 * touched; our own pid counts as gone for names we are not tracking (a container restarts at the same pid).
 * Returns the names removed.
 */
export function sweepStaleTemporaries(target: string): string[] {
  const dir = path.dirname(target);
  const base = path.basename(target);
  const escaped = base.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
  const pattern = new RegExp(
    `^\\.${escaped}(?:\\.nfw-status\\.json|\\.nfw-partial)?\\.nfw-tmp-(\\d+)-[0-9a-f]+$`,
  );
  const removed: string[] = [];
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return removed;
  }
  for (const name of names) {
    const match = pattern.exec(name);
    if (match === null) continue;
    const pid = Number(match[1]);
    const full = path.join(dir, name);
    if (pending.has(full)) continue;
    if (pid !== process.pid && isAlive(pid)) continue;
    try {
      rmSync(full, { recursive: true, force: true });
      removed.push(name);
    } catch {
      // Not ours to insist on (permissions): it stays, hidden and named as a temporary.
    }
  }
  return removed;
}

export function temporaryName(target: string): string {
  return path.join(
    path.dirname(target),
    `.${path.basename(target)}.nfw-tmp-${process.pid}-${randomBytes(4).toString('hex')}`,
  );
}

/**
 * Buffer of the file write streams of outputs. With the default 16 KiB every serialized batch (about
 * 1 MB of Arrow) fills it, so the pipeline paused until that write was done before it encoded more:
 * 4 MiB lets encoding go on while the previous batch is written (1M flows to Arrow: 2.47 -> 2.31 s,
 * +4 MB of RSS; BENCHMARKS.md, file-to-arrow).
 */
export const OUTPUT_HIGH_WATER_MARK = 4 << 20;

/** Writes all of `chunk` at the descriptor's position. */
export function writeFully(fd: number, chunk: Uint8Array): void {
  let off = 0;
  while (off < chunk.byteLength) off += writeSync(fd, chunk, off, chunk.byteLength - off);
}

export class AtomicFile {
  readonly target: string;
  readonly temp: string;
  private readonly force: boolean;
  private readonly mode: number | undefined;
  private fd: number | null;
  private done = false;

  /** `mode`: the final mode (default 0666 & ~umask); until the commit the temporary is 0600. */
  constructor(target: string, options: { force: boolean; mode?: number }) {
    this.target = target;
    this.force = options.force;
    this.mode = options.mode;
    this.temp = temporaryName(target);
    track(this.temp);
    this.fd = openSync(this.temp, 'wx', 0o600);
  }

  /** A write stream on the temporary file; it does not close the descriptor (commit() does, after fsync). */
  stream(): WriteStream {
    if (this.fd === null) throw new Error('AtomicFile already closed');
    return createWriteStream('', { fd: this.fd, autoClose: false, highWaterMark: OUTPUT_HIGH_WATER_MARK });
  }

  /** Appends `chunk` synchronously (an output written in pieces rather than streamed). */
  write(chunk: Uint8Array): void {
    if (this.fd === null) throw new Error('AtomicFile already closed');
    writeFully(this.fd, chunk);
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

  /** Final mode, flush to disk and close; the file is then ready to be moved into place. */
  seal(): void {
    if (this.fd !== null) {
      fchmodSync(this.fd, this.mode ?? defaultFileMode());
      fsyncSync(this.fd);
      closeSync(this.fd);
      this.fd = null;
    }
  }

  /** Seal and move into place. Without force, an existing target is an error (never replaced). */
  commit(): void {
    if (this.done) return;
    this.seal();
    publish(this.temp, this.target, this.force, '--out');
    pending.delete(this.temp);
    this.done = true;
  }

  /**
   * Drop the temporary. Never throws: it runs while another error is on its way out, and a failed
   * write stream may already have closed the descriptor (EBADF), which must not hide that error.
   */
  discard(): void {
    if (this.done) return;
    if (this.fd !== null) {
      try {
        closeSync(this.fd);
      } catch {
        // already closed
      }
      this.fd = null;
    }
    try {
      rmSync(this.temp, { force: true });
      pending.delete(this.temp);
    } catch {
      // left for the exit hook
    }
    this.done = true;
  }
}

/**
 * What --force may replace: a file by a file; a directory only by a directory and only when it is a
 * partitioned export of ours (plans check this up front; this is the last line before the rename).
 */
function checkReplaceable(temp: string, target: string, flag: string): void {
  let st: Stats;
  try {
    st = statSync(target);
  } catch {
    return;
  }
  const dir = lstatSync(temp).isDirectory();
  if (st.isDirectory() && !dir)
    throw new UsageError(
      flag,
      target,
      'is a directory',
      'name a file; a directory output needs --partitioned',
    );
  // A device or FIFO would be renamed away and deleted, not written to.
  if (!st.isDirectory() && !st.isFile())
    throw new UsageError(
      flag,
      target,
      'is not a regular file',
      'write to stdout with --out - and redirect it',
    );
  if (dir && !(st.isDirectory() && isOurPartitionedDirectory(target)))
    throw new UsageError(
      flag,
      target,
      'is not a partitioned export of nfw-flows',
      '--force replaces only a directory nfw-flows wrote; choose another --out',
    );
}

/** Move a finished temporary file (or directory) to its final name. */
export function publish(temp: string, target: string, force: boolean, flag: string): void {
  if (force) {
    checkReplaceable(temp, target, flag);
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
