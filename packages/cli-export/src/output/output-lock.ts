/**
 * The exclusive lock of an output: `.<name>.nfw-lock` beside the target, created with O_EXCL and holding
 * the holder's pid and a random nonce. A second run on the same `--out` sees a live holder and stops
 * before it touches the partial directory (two runs sharing one checkpoint and spool corrupt both).
 * A lock whose pid is gone (SIGKILL, reboot) is taken over. The lock is released at the end of the
 * export and by an exit hook, and only while it still holds our nonce.
 */
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  linkSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';
import { UsageError } from '../usage-error.js';
import { WriteError } from './write-error.js';

export function lockPath(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.nfw-lock`);
}

interface LockContent {
  pid: number;
  nonce: string;
}

function readLock(file: string): LockContent | null {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<LockContent>;
    if (typeof parsed.pid === 'number' && typeof parsed.nonce === 'string')
      return { pid: parsed.pid, nonce: parsed.nonce };
  } catch {
    // unreadable or being written: handled by the caller as "no valid holder"
  }
  return null;
}

function isAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

const held = new Map<string, string>();
let hooked = false;

/** The pid of another live process holding the lock of `target`, or null. */
export function lockHolder(target: string): number | null {
  const content = readLock(lockPath(target));
  if (content === null || held.get(lockPath(target)) === content.nonce) return null;
  // Our own pid in a lock we did not take: a container restarted at the same pid (stale).
  return content.pid !== process.pid && isAlive(content.pid) ? content.pid : null;
}

/** Plan-time check: a UsageError when another live run holds the lock of `target` (`raw`: as typed). */
export function checkNotLocked(raw: string, target: string): void {
  const pid = lockHolder(target);
  if (pid !== null) throw lockBusyError(target, pid, raw);
}

function lockBusyError(target: string, pid: number | null, raw = target): UsageError {
  return new UsageError(
    '--out',
    raw,
    `is being written by another nfw-flows run${pid === null ? '' : ` (pid ${pid})`}`,
    `wait for it to finish; if no such run exists, remove ${lockPath(target)}`,
  );
}

/** A short synchronous pause (a lock being created by another run gets its pid within microseconds). */
function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** A lock file without a valid pid for this long is a crash between its creation and its write. */
const UNWRITTEN_LOCK_MS = 5000;

function ageMs(file: string): number {
  try {
    return Date.now() - statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

/** Take the lock of `target` or throw a UsageError (exit 2) naming the live holder. */
export function acquireOutputLock(target: string): void {
  const file = lockPath(target);
  const nonce = randomBytes(8).toString('hex');
  for (let attempt = 0; attempt < 20; attempt++) {
    let fd: number;
    try {
      fd = openSync(file, 'wx', 0o600);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw new WriteError(target, error);
      const content = readLock(file);
      if (content === null && ageMs(file) < UNWRITTEN_LOCK_MS) {
        pause(20);
        continue;
      }
      if (content !== null && content.pid !== process.pid && isAlive(content.pid))
        throw lockBusyError(target, content.pid);
      // Stale: move exactly that lock aside (one rename wins), then check it was the stale one we read.
      const aside = `${file}.stale-${process.pid}-${nonce}`;
      try {
        renameSync(file, aside);
      } catch {
        continue;
      }
      const moved = readLock(aside);
      if (moved?.nonce !== content?.nonce) {
        // Another run took over meanwhile and we moved its fresh lock: give it back (never over a
        // third one) and stop.
        try {
          linkSync(aside, file);
        } catch {
          // a third run holds the name now
        }
        rmSync(aside, { force: true });
        throw lockBusyError(target, moved?.pid ?? null);
      }
      rmSync(aside, { force: true });
      continue;
    }
    try {
      writeSync(fd, JSON.stringify({ pid: process.pid, nonce, started: new Date().toISOString() }));
    } catch (error) {
      // A full disk: no lock file without a pid is left behind.
      closeSync(fd);
      rmSync(file, { force: true });
      throw new WriteError(target, error);
    }
    closeSync(fd);
    held.set(file, nonce);
    if (!hooked) {
      hooked = true;
      process.on('exit', releaseAllLocks);
    }
    return;
  }
  throw lockBusyError(target, readLock(file)?.pid ?? null);
}

/**
 * Right before the commit point: the lock is still ours (it was not removed by hand and taken by another
 * run meanwhile), else a UsageError and nothing is published.
 */
export function verifyOutputLock(target: string): void {
  const file = lockPath(target);
  const nonce = held.get(file);
  if (nonce === undefined) return;
  const content = readLock(file);
  if (content?.nonce !== nonce) throw lockBusyError(target, content?.pid ?? null);
}

/** Release the lock of `target` if we hold it (a lock another run took over is left alone). */
export function releaseOutputLock(target: string): void {
  const file = lockPath(target);
  const nonce = held.get(file);
  if (nonce === undefined) return;
  held.delete(file);
  if (readLock(file)?.nonce === nonce) rmSync(file, { force: true });
}

function releaseAllLocks(): void {
  for (const file of [...held.keys()]) {
    const nonce = held.get(file);
    held.delete(file);
    if (readLock(file)?.nonce === nonce) rmSync(file, { force: true });
  }
}
