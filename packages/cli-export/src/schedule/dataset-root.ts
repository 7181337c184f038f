/**
 * The root of a schedule's dataset: a local directory or an S3 prefix (`s3://bucket/prefix/`), and the
 * few things the schedule does there itself (the rounds and diffs go through the export's own outputs).
 */
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { objectText } from '../output/s3-output.js';
import { isS3Url, parseS3Url, s3Client, s3Failure, s3Sdk } from '../output/s3-target.js';
import { UsageError } from '../usage-error.js';

/** `name` under the root: a local path, or an S3 URL (a prefix, ending with `/`, when `directory`). */
export function childOf(root: string, name: string, directory: boolean): string {
  if (!isS3Url(root)) return path.join(root, name);
  return `${root}${name}${directory ? '/' : ''}`;
}

/** A file's or an object's text; null when it does not exist. */
export async function readText(target: string): Promise<string | null> {
  if (isS3Url(target)) return objectText(parseS3Url('--out', target, false));
  try {
    return readFileSync(target, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/**
 * A schedule writes into a new or empty root, or adds rounds to the dataset of an earlier schedule (one
 * holding its log); never into someone else's directory or prefix, nor a single export's partitions.
 */
export async function checkScheduleRoot(raw: string, root: string, log: string): Promise<void> {
  if ((await readText(childOf(root, log, false))) !== null) return;
  if (!(await isEmpty(root))) {
    throw new UsageError(
      '--out',
      raw,
      `holds data but no ${log}: it is not the dataset of a capture schedule`,
      `choose a new or empty ${isS3Url(root) ? 'prefix' : 'directory'}`,
    );
  }
}

async function isEmpty(root: string): Promise<boolean> {
  if (!isS3Url(root)) {
    try {
      if (!statSync(root).isDirectory())
        throw new UsageError('--out', root, 'is not a directory', 'a schedule writes a directory');
      return readdirSync(root).length === 0;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return true;
      throw error;
    }
  }
  const location = parseS3Url('--out', root, true);
  const [client, sdk] = await Promise.all([s3Client(), s3Sdk()]);
  try {
    const page = await client.send(
      new sdk.ListObjectsV2Command({ Bucket: location.bucket, Prefix: location.key, MaxKeys: 1 }),
    );
    return (page.KeyCount ?? page.Contents?.length ?? 0) === 0;
  } catch (error) {
    throw s3Failure('ListObjectsV2', location, error);
  }
}

/** Create a local root (an S3 prefix needs nothing). */
export function createRoot(root: string): void {
  if (!isS3Url(root)) mkdirSync(root, { recursive: true });
}
