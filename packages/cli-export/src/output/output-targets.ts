/**
 * Plan-time checks of the paths an export will write, so `--force` can never destroy what is not ours:
 * a directory is never a file target, a `--partitioned` output replaces only a directory holding our
 * status file, a status file that is not ours is kept without `--force`, and `--rejects` never lands on
 * another path of the same export. Paths are compared after resolving symlinks and hard links.
 */
import { lstatSync, readFileSync, realpathSync, type Stats, statSync } from 'node:fs';
import path from 'node:path';
import { partialDirectory } from '../spool/checkpoint.js';
import { UsageError } from '../usage-error.js';
import { lockPath } from './output-lock.js';
import { PARTITIONED_STATUS_FILE, statusFilePath } from './status-file.js';

function statOrNull(p: string): Stats | null {
  try {
    return statSync(p);
  } catch {
    return null;
  }
}

/** True when `text` is a status file nfw-flows wrote (status-file.ts), not merely any JSON. */
export function isOurStatusText(text: string): boolean {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return false;
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return false;
  const s = parsed as Record<string, unknown>;
  return (
    typeof s.nfw_flows_version === 'string' &&
    typeof s.schema_version === 'string' &&
    typeof s.file === 'string' &&
    typeof s.format === 'string' &&
    typeof s.complete === 'boolean'
  );
}

function isOurStatusFile(file: string): boolean {
  try {
    const st = lstatSync(file);
    return st.isFile() && isOurStatusText(readFileSync(file, 'utf8'));
  } catch {
    return false;
  }
}

/** A directory a partitioned export of ours published: it holds our `_nfw-status.json`. */
export function isOurPartitionedDirectory(dir: string): boolean {
  return isOurStatusFile(path.join(dir, PARTITIONED_STATUS_FILE));
}

/**
 * `--out`/`--rejects` of a file: a directory (existing, or named with a trailing slash) is a usage
 * error whatever the flags, since replacing it would delete everything in it.
 */
export function checkFileTarget(flag: string, raw: string): void {
  if (raw === '-') return;
  const st = statOrNull(path.resolve(raw));
  if (st?.isDirectory() || /[/\\]$/.test(raw) || raw === '.' || raw === '..')
    throw new UsageError(flag, raw, 'is a directory', 'name a file; a directory output needs --partitioned');
  // A device or FIFO (`--out /dev/null`) would be renamed away, not written to.
  if (st !== null && !st.isFile())
    throw new UsageError(flag, raw, 'is not a regular file', 'write to stdout with --out - and redirect it');
}

/**
 * `--out DIR --partitioned`: an existing path may be replaced only with --force and only when it is a
 * partitioned export of ours; never a file or someone's directory.
 */
export function checkPartitionedTarget(raw: string, force: boolean): void {
  const abs = path.resolve(raw);
  const st = statOrNull(abs);
  if (st === null || !force) return;
  if (!st.isDirectory())
    throw new UsageError('--out', raw, 'is not a directory', 'a --partitioned output is a directory');
  if (!isOurPartitionedDirectory(abs))
    throw new UsageError(
      '--out',
      raw,
      `is a directory without ${PARTITIONED_STATUS_FILE}, not a partitioned export of nfw-flows`,
      '--force replaces only a directory nfw-flows wrote; choose another --out',
    );
}

/** `<out>.nfw-status.json` that exists but is not ours is replaced only with --force; a directory never. */
export function checkStatusFile(raw: string, force: boolean): void {
  const file = statusFilePath(path.resolve(raw), false);
  let st: Stats;
  try {
    st = lstatSync(file);
  } catch {
    return;
  }
  if (st.isDirectory())
    throw new UsageError('--out', raw, `its status file ${file} is a directory`, 'remove or rename it');
  if (!force && !isOurStatusFile(file))
    throw new UsageError(
      '--out',
      raw,
      `${file} exists and is not an nfw-flows status file`,
      'pass --force to replace it, or choose another --out',
    );
}

/** `p` with every symlink of its existing part resolved (a missing leaf keeps its name). */
export function resolvedPath(p: string): string {
  const abs = path.resolve(p);
  try {
    return realpathSync(abs);
  } catch {
    const parent = path.dirname(abs);
    return parent === abs ? abs : path.join(resolvedPath(parent), path.basename(abs));
  }
}

function sameFile(a: string, b: string): boolean {
  if (resolvedPath(a) === resolvedPath(b)) return true;
  const sa = statOrNull(a);
  const sb = statOrNull(b);
  // Hard links: one file under two names.
  return sa !== null && sb !== null && sa.dev === sb.dev && sa.ino === sb.ino;
}

function isInside(p: string, dir: string): boolean {
  const rel = path.relative(resolvedPath(dir), resolvedPath(p));
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

/**
 * `--rejects` may not be the output, its status file, its partial directory (or anything in it), its
 * lock, the partition directory, or the input: each would be overwritten or deleted by the export.
 */
export function checkRejectsPath(
  raw: string,
  rejects: string,
  target: { out: string; partitioned: boolean; input?: string | undefined },
): void {
  const refuse = (what: string): never => {
    throw new UsageError('--rejects', raw, `is ${what}`, 'write the rejected records to a file of their own');
  };
  const { out, partitioned, input } = target;
  if (input !== undefined && input !== '-' && sameFile(rejects, input)) refuse('the --input file');
  if (out === '-') return;
  if (sameFile(rejects, out)) refuse('the same file as --out');
  if (partitioned && isInside(rejects, out)) refuse('inside the --partitioned --out directory');
  if (sameFile(rejects, statusFilePath(out, partitioned))) refuse("the output's status file");
  const partial = partialDirectory(out);
  if (sameFile(rejects, partial) || isInside(rejects, partial))
    refuse(`in the partial directory ${partial} of --out`);
  if (sameFile(rejects, lockPath(out))) refuse("the output's lock file");
}
