/**
 * A partitioned dataset under `s3://bucket/prefix/` that stands in for AtomicDirectory (atomic-file.ts):
 * the partitions are built in a local temporary directory as for a local export, then each file is
 * uploaded as one object (multipart, streamed from disk), and `_nfw-status.json` is written last. S3 has
 * no rename of a prefix: a reader that sees the status object sees every partition it lists; before it,
 * the prefix holds complete partition objects but no status (an export whose completeness is unknown).
 */
import { createReadStream, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { crashPoint } from './crash-point.js';
import { startUpload, uploadError } from './s3-object.js';
import { httpStatus, parseS3Url, type S3Location, s3Client, s3Failure, s3Sdk } from './s3-target.js';
import { PARTITIONED_STATUS_FILE } from './status-file.js';

/** Files under `dir`, as paths relative to it with '/' separators, sorted. */
function files(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(path.join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory()) out.push(...files(dir, rel));
    else if (entry.isFile()) out.push(rel);
  }
  return out.sort();
}

/** Every key under `prefix`. */
export async function listKeys(location: S3Location): Promise<string[]> {
  const [client, sdk] = await Promise.all([s3Client(), s3Sdk()]);
  const keys: string[] = [];
  let token: string | undefined;
  try {
    do {
      const page = await client.send(
        new sdk.ListObjectsV2Command({
          Bucket: location.bucket,
          Prefix: location.key,
          ContinuationToken: token,
        }),
      );
      for (const o of page.Contents ?? []) if (o.Key !== undefined) keys.push(o.Key);
      token = page.NextContinuationToken;
    } while (token !== undefined);
  } catch (error) {
    throw s3Failure('ListObjectsV2', location, error);
  }
  return keys;
}

/** The object's size, or null when it does not exist. */
export async function objectSize(location: S3Location): Promise<number | null> {
  const [client, sdk] = await Promise.all([s3Client(), s3Sdk()]);
  try {
    const head = await client.send(new sdk.HeadObjectCommand({ Bucket: location.bucket, Key: location.key }));
    return head.ContentLength ?? 0;
  } catch (error) {
    if (httpStatus(error) === 404) return null;
    throw s3Failure('HeadObject', location, error);
  }
}

export async function deleteObject(location: S3Location): Promise<void> {
  const [client, sdk] = await Promise.all([s3Client(), s3Sdk()]);
  try {
    await client.send(new sdk.DeleteObjectCommand({ Bucket: location.bucket, Key: location.key }));
  } catch (error) {
    throw s3Failure('DeleteObject', location, error);
  }
}

/** Upload one local file as the object `location`, streamed (multipart for large files). */
export async function uploadFile(
  file: string,
  location: S3Location,
  url: string,
  force: boolean,
): Promise<void> {
  const body = createReadStream(file);
  try {
    const upload = await startUpload(location, body, force);
    await upload.done();
  } catch (error) {
    throw uploadError(location, url, error);
  } finally {
    body.destroy();
  }
}

export class S3Directory {
  readonly target: string;
  readonly temp: string;
  private readonly location: S3Location;
  private readonly force: boolean;
  private readonly adopt: boolean;
  private readonly uploaded: S3Location[] = [];
  private done = false;

  /**
   * `target`: `s3://bucket/prefix/`; `temp`: the local directory holding the dataset. `adopt` (a
   * --resume): an object already under a partition's key with the size of its file is the one an
   * interrupted run of this export uploaded, and is not uploaded again.
   */
  constructor(target: string, temp: string, options: { force: boolean; adopt?: boolean }) {
    this.target = target;
    this.temp = temp;
    this.location = parseS3Url('--out', target, true);
    this.force = options.force;
    this.adopt = options.adopt ?? false;
  }

  private at(rel: string): S3Location {
    return { bucket: this.location.bucket, key: `${this.location.key}${rel}` };
  }

  async commit(): Promise<void> {
    if (this.done) return;
    const names = files(this.temp);
    const data = names.filter((n) => n !== PARTITIONED_STATUS_FILE);
    const status = this.at(PARTITIONED_STATUS_FILE);
    const before = this.force ? await listKeys(this.location) : [];
    // A status that no longer describes the prefix goes first: readers never see it beside new data.
    if (before.includes(status.key)) await deleteObject(status);
    for (const rel of data) {
      const location = this.at(rel);
      const file = path.join(this.temp, rel);
      if (this.adopt && (await objectSize(location)) === statSync(file).size) continue;
      await uploadFile(file, location, `s3://${location.bucket}/${location.key}`, this.force);
      this.uploaded.push(location);
      if (this.uploaded.length === 1) crashPoint('after-first-object');
    }
    // --force replaces the whole dataset: partitions of the previous export that this one lacks go too.
    const keep = new Set(data.map((rel) => this.at(rel).key));
    for (const key of before)
      if (!keep.has(key) && key !== status.key) await deleteObject({ bucket: this.location.bucket, key });
    if (names.includes(PARTITIONED_STATUS_FILE))
      await uploadFile(path.join(this.temp, PARTITIONED_STATUS_FILE), status, this.target, true);
    rmSync(this.temp, { recursive: true, force: true });
    this.done = true;
  }

  /** Remove the local dataset and the partition objects this run uploaded; never throws. */
  async discard(): Promise<void> {
    if (this.done) return;
    this.done = true;
    rmSync(this.temp, { recursive: true, force: true });
    for (const location of this.uploaded) await deleteObject(location).catch(() => {});
  }
}
