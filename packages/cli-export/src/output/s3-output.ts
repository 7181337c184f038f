/**
 * Where the export pipeline meets S3: one call picks the local atomic output or its S3 stand-in from
 * the target's name, plus the S3 side of the checks a local export does on the file system (target
 * exists, --force may replace it, a resumed export's data already committed).
 */
import { existsSync, rmSync } from 'node:fs';
import { partialDirectory } from '../spool/checkpoint.js';
import { UsageError } from '../usage-error.js';
import { AtomicDirectory, AtomicFile } from './atomic-file.js';
import { isOurStatusText } from './output-targets.js';
import { deleteObject, objectSize, S3Directory } from './s3-directory.js';
import { S3Object } from './s3-object.js';
import { httpStatus, isS3Url, parseS3Url, type S3Location, s3Client, s3Failure, s3Sdk } from './s3-target.js';
import { PARTITIONED_STATUS_FILE, STATUS_FILE_SUFFIX } from './status-file.js';

/** An atomic output file: a local temporary renamed at commit, or an S3 upload completed at commit. */
export function openOutput(target: string, options: { force: boolean }): AtomicFile | S3Object {
  return isS3Url(target) ? new S3Object(target, options) : new AtomicFile(target, options);
}

/** An atomic partition directory: renamed into place, or uploaded under an S3 prefix (s3-directory.ts). */
export function openDirectory(
  target: string,
  temp: string,
  options: { force: boolean; adopt?: boolean },
): AtomicDirectory | S3Directory {
  return isS3Url(target)
    ? new S3Directory(target, temp, options)
    : new AtomicDirectory(target, temp, options);
}

/** Remove a file or an S3 object if it exists. */
export async function removeOutput(target: string): Promise<void> {
  if (isS3Url(target)) await deleteObject(parseS3Url('--out', target, false));
  else rmSync(target, { force: true });
}

/** The object's text, or null when it does not exist. */
export async function objectText(location: S3Location): Promise<string | null> {
  const [client, sdk] = await Promise.all([s3Client(), s3Sdk()]);
  try {
    const res = await client.send(new sdk.GetObjectCommand({ Bucket: location.bucket, Key: location.key }));
    return (await res.Body?.transformToString('utf8')) ?? '';
  } catch (error) {
    if (httpStatus(error) === 404) return null;
    throw s3Failure('GetObject', location, error);
  }
}

/**
 * Multipart uploads left open under the output by a run that was killed (SIGKILL, power loss: nothing
 * could abort them). The output lock guarantees no other nfw-flows run on this machine writes there;
 * a bucket lifecycle rule (AbortIncompleteMultipartUpload) covers runs that are never resumed.
 */
async function abortStaleUploads(location: S3Location, prefix: boolean): Promise<void> {
  const [client, sdk] = await Promise.all([s3Client(), s3Sdk()]);
  try {
    const res = await client.send(
      new sdk.ListMultipartUploadsCommand({ Bucket: location.bucket, Prefix: location.key }),
    );
    for (const u of res.Uploads ?? []) {
      if (u.Key === undefined || u.UploadId === undefined) continue;
      if (prefix ? !u.Key.startsWith(location.key) : u.Key !== location.key) continue;
      await client.send(
        new sdk.AbortMultipartUploadCommand({ Bucket: location.bucket, Key: u.Key, UploadId: u.UploadId }),
      );
    }
  } catch (error) {
    throw s3Failure('ListMultipartUploads', location, error);
  }
}

/**
 * Before anything is read: an S3 target that exists is refused without --force, as a local one is; with
 * --force a prefix is replaced only when it holds a dataset of ours. A --resume of an interrupted export
 * skips this (its own objects may be there) and aborts the multipart uploads the killed run left open.
 */
export async function checkS3Output(
  out: string,
  options: { partitioned: boolean; force: boolean; resume: boolean },
): Promise<void> {
  if (!isS3Url(out)) return;
  const location = parseS3Url('--out', out, options.partitioned);
  if (options.resume && existsSync(partialDirectory(out))) {
    await abortStaleUploads(location, options.partitioned);
    return;
  }
  if (options.partitioned) {
    const [client, sdk] = await Promise.all([s3Client(), s3Sdk()]);
    let any: boolean;
    try {
      const page = await client.send(
        new sdk.ListObjectsV2Command({ Bucket: location.bucket, Prefix: location.key, MaxKeys: 1 }),
      );
      any = (page.KeyCount ?? page.Contents?.length ?? 0) > 0;
    } catch (error) {
      throw s3Failure('ListObjectsV2', location, error);
    }
    if (!any) return;
    if (!options.force) throw new UsageError('--out', out, 'already exists', 'pass --force to overwrite it');
    const status = await objectText({
      bucket: location.bucket,
      key: `${location.key}${PARTITIONED_STATUS_FILE}`,
    });
    if (status === null || !isOurStatusText(status))
      throw new UsageError(
        '--out',
        out,
        `holds objects but no ${PARTITIONED_STATUS_FILE}: not a partitioned export of nfw-flows`,
        '--force replaces only a prefix nfw-flows wrote; choose another --out',
      );
    return;
  }
  if (options.force) return;
  if ((await objectSize(location)) !== null)
    throw new UsageError('--out', out, 'already exists', 'pass --force to overwrite it');
  const statusKey = { bucket: location.bucket, key: `${location.key}${STATUS_FILE_SUFFIX}` };
  const status = await objectText(statusKey);
  if (status !== null && !isOurStatusText(status))
    throw new UsageError(
      '--out',
      out,
      `s3://${statusKey.bucket}/${statusKey.key} exists and is not an nfw-flows status file`,
      'pass --force to replace it, or choose another --out',
    );
}

/** The S3 target holds what this checkpoint staged (the upload completed before a kill). */
export async function s3Committed(
  out: string,
  partitioned: boolean,
  output: { bytes: number; status: string },
): Promise<boolean> {
  const location = parseS3Url('--out', out, partitioned);
  if (partitioned)
    return (
      (await objectText({ bucket: location.bucket, key: `${location.key}${PARTITIONED_STATUS_FILE}` })) ===
      output.status
    );
  return (await objectSize(location)) === output.bytes;
}
