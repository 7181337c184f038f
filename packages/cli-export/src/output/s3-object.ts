/**
 * An S3 object that stands in for AtomicFile (atomic-file.ts): bytes stream into a multipart upload
 * (`@aws-sdk/lib-storage` Upload) and the object appears under its key only when commit() completes
 * the upload; discard() (failure, Ctrl-C) aborts it, so no part is left behind. Without --force the
 * upload is conditional (`If-None-Match: *` on PutObject and CompleteMultipartUpload): an object that
 * exists, or appears while we upload, is never replaced.
 */
import { PassThrough, Writable } from 'node:stream';
import type { Upload } from '@aws-sdk/lib-storage';
import { UsageError } from '../usage-error.js';
import { httpStatus, parseS3Url, type S3Location, s3Client, s3Failure } from './s3-target.js';

/**
 * Bytes per part: S3's smallest part is 5 MiB and an upload has at most 10,000 parts, so 8 MiB parts
 * allow objects up to 78 GiB. With UPLOAD_QUEUE_SIZE parts in flight plus the part being filled, an
 * upload holds about 3 x 8 MiB of data at most, whatever the object's size.
 */
export const UPLOAD_PART_SIZE = 8 << 20;
/** Parts uploaded at once: two keep the connection busy while the next part fills. */
export const UPLOAD_QUEUE_SIZE = 2;
/** Bytes waiting between the writer and the uploader before the writer is paused. */
const BODY_HIGH_WATER_MARK = 1 << 20;

const CONTENT_TYPES: Record<string, string> = {
  parquet: 'application/vnd.apache.parquet',
  arrow: 'application/vnd.apache.arrow.file',
  feather: 'application/vnd.apache.arrow.file',
  arrows: 'application/vnd.apache.arrow.stream',
  ndjson: 'application/x-ndjson',
  csv: 'text/csv',
  json: 'application/json',
};

export function contentType(key: string): string {
  return CONTENT_TYPES[key.slice(key.lastIndexOf('.') + 1).toLowerCase()] ?? 'application/octet-stream';
}

/** What an upload's failure means to the user: an existing object (412) is a usage error, as locally. */
export function uploadError(location: S3Location, url: string, error: unknown): unknown {
  if (httpStatus(error) === 412 || (error as { name?: string })?.name === 'PreconditionFailed')
    return new UsageError('--out', url, 'already exists', 'pass --force to overwrite it');
  return s3Failure('upload', location, error);
}

/** Start an upload of `body` to `location` (conditional unless `force`). */
export async function startUpload(
  location: S3Location,
  body: NodeJS.ReadableStream,
  force: boolean,
): Promise<Upload> {
  const [{ Upload }, client] = await Promise.all([import('@aws-sdk/lib-storage'), s3Client()]);
  return new Upload({
    client,
    queueSize: UPLOAD_QUEUE_SIZE,
    partSize: UPLOAD_PART_SIZE,
    leavePartsOnError: false,
    params: {
      Bucket: location.bucket,
      Key: location.key,
      Body: body as PassThrough,
      ContentType: contentType(location.key),
      ...(force ? {} : { IfNoneMatch: '*' }),
    },
  });
}

export class S3Object {
  readonly target: string;
  private readonly location: S3Location;
  private readonly body = new PassThrough({ highWaterMark: BODY_HIGH_WATER_MARK });
  /** Settles once the upload completed, or failed and aborted its multipart upload. */
  private readonly uploaded: Promise<void>;
  private failure: unknown = null;
  private writable: Writable | null = null;
  private bytes = 0;
  private done = false;

  /** `target`: `s3://bucket/key`. */
  constructor(target: string, options: { force: boolean }) {
    this.target = target;
    this.location = parseS3Url('--out', target, false);
    this.uploaded = startUpload(this.location, this.body, options.force)
      .then((upload) => upload.done())
      .then(
        () => {},
        (error: unknown) => {
          this.failure = uploadError(this.location, target, error);
          // The writer must not wait for room the uploader will never make.
          this.writable?.destroy(this.failure as Error);
          this.body.destroy();
        },
      );
  }

  /**
   * A write stream into the upload. Ending it does not complete the upload (commit() does), so the
   * data stays invisible until the caller's commit point.
   */
  stream(): Writable {
    if (this.writable !== null) return this.writable;
    this.writable = new Writable({
      highWaterMark: BODY_HIGH_WATER_MARK,
      write: (chunk: Buffer, _encoding, callback) => {
        if (this.failure !== null) return callback(this.failure as Error);
        this.bytes += chunk.byteLength;
        if (this.body.write(chunk)) return callback();
        const settle = () => {
          this.body.off('drain', settle);
          this.body.off('close', settle);
          callback(this.failure === null ? null : (this.failure as Error));
        };
        this.body.on('drain', settle);
        this.body.on('close', settle);
      },
      final: (callback) => callback(this.failure === null ? null : (this.failure as Error)),
    });
    return this.writable;
  }

  /** Appends `chunk` (no backpressure: for small or already bounded writers). */
  write(chunk: Uint8Array): void {
    if (this.failure !== null) throw this.failure;
    this.bytes += chunk.byteLength;
    this.body.write(chunk);
  }

  writeText(text: string): void {
    this.write(Buffer.from(text));
  }

  size(): number {
    return this.bytes;
  }

  /** Nothing to flush before commit: the bytes are in the upload's parts, unpublished until then. */
  seal(): void {}

  /** Complete the upload: the object appears under its key now, whole, or not at all. */
  async commit(): Promise<void> {
    if (this.done) return;
    this.body.end();
    await this.uploaded;
    this.done = true;
    if (this.failure !== null) throw this.failure;
  }

  /** Abort the upload (its parts are deleted); never throws. Resolves once the abort is through. */
  async discard(): Promise<void> {
    if (this.done) return;
    this.done = true;
    // An error from the body fails the uploader, which aborts the multipart upload before done() settles.
    this.body.destroy(new Error('output discarded'));
    await this.uploaded;
  }
}
