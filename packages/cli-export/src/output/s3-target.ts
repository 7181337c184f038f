/**
 * `s3://bucket/key` and `s3://bucket/prefix/` outputs: parsing, the S3 client (the SDK's own chain for
 * credentials, region and endpoint, AWS_ENDPOINT_URL_S3 included), the local anchor that holds an S3
 * export's lock and resume state, and coded errors that name the bucket and key, never credentials.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { NfwError } from '@nfw-flows/core';
import { regionOf } from '../client.js';
import { redactSecrets } from '../terminal-text.js';
import { UsageError } from '../usage-error.js';

export const S3_SCHEME = 's3://';

export interface S3Location {
  bucket: string;
  /** The object key; for a prefix, '' or ending in '/'. */
  key: string;
}

export function isS3Url(value: string | undefined): value is string {
  return value?.toLowerCase().startsWith(S3_SCHEME) === true;
}

export function s3Url(location: S3Location): string {
  return `${S3_SCHEME}${location.bucket}/${location.key}`;
}

/** S3's rules for bucket names (3 to 63 lowercase letters, digits, dots, hyphens; no IP address). */
const BUCKET = /^(?!\d+\.\d+\.\d+\.\d+$)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
/** S3's limit on key length, in UTF-8 bytes. */
const MAX_KEY_BYTES = 1024;

/**
 * `s3://bucket/key` (an object: `prefix` false) or `s3://bucket/prefix/` (a dataset: `prefix` true; the
 * bucket's root is `s3://bucket/`), checked before any request: a bad URL is a usage error.
 */
export function parseS3Url(flag: string, value: string, prefix: boolean): S3Location {
  const rest = value.slice(S3_SCHEME.length);
  const slash = rest.indexOf('/');
  const bucket = slash < 0 ? rest : rest.slice(0, slash);
  const key = slash < 0 ? '' : rest.slice(slash + 1);
  if (value.slice(0, S3_SCHEME.length) !== S3_SCHEME)
    throw new UsageError(flag, value, 'the scheme must be lowercase s3://', `e.g. s3://${bucket}/${key}`);
  if (!BUCKET.test(bucket) || bucket.includes('..'))
    throw new UsageError(flag, value, `"${bucket}" is not an S3 bucket name`, 'e.g. s3://my-bucket/flows/');
  if (Buffer.byteLength(key) > MAX_KEY_BYTES)
    throw new UsageError(flag, value, `the key is longer than S3 allows (${MAX_KEY_BYTES} bytes)`);
  // Keys with control characters do not survive listing and XML round trips everywhere.
  if (/[\u0000-\u001f\u007f]/.test(key))
    throw new UsageError(flag, value, 'the key holds a control character');
  if (prefix) {
    if (key !== '' && !key.endsWith('/'))
      throw new UsageError(
        flag,
        value,
        'a --partitioned output is a prefix',
        `end it with a slash: ${value}/`,
      );
  } else if (key === '' || key.endsWith('/'))
    throw new UsageError(
      flag,
      value,
      'names a prefix, not an object',
      'name the object (s3://bucket/flows.parquet); a prefix output needs --partitioned',
    );
  if (key.split('/').some((segment, i, all) => segment === '' && i < all.length - 1))
    throw new UsageError(flag, value, 'the key has an empty path segment (//)');
  return { bucket, key };
}

/**
 * A local path standing for an S3 output: its lock and resume state (`<anchor>.nfw-partial`) live in
 * the current directory under a name made from the URL, so `--resume` run from the same directory finds
 * them. Local paths pass through.
 */
export function outputAnchor(out: string): string {
  if (!isS3Url(out)) return out;
  const { bucket } = parseS3Url('--out', out, out.endsWith('/'));
  const hash = createHash('sha256').update(out).digest('hex').slice(0, 12);
  return path.resolve(`nfw-s3-${bucket}-${hash}`);
}

/** `--out s3://...` as the plan keeps it (checked with --partitioned in plans.ts); `--rejects` stays local. */
export function s3OutputUrl(flag: string, value: string): string {
  if (flag !== '--out')
    throw new UsageError(
      flag,
      value,
      'must be a local file',
      'rejected records are few: keep them beside the command',
    );
  return value;
}

/** `raw` as a plan keeps it: an S3 URL unchanged, a local path absolute. */
export function resolveOutput(raw: string): string {
  return isS3Url(raw) ? raw : path.resolve(raw);
}

/** The endpoint the SDK will use for S3 when one is configured (the AWS_ENDPOINT_URL_S3 service variable, then AWS_ENDPOINT_URL). */
export function s3EndpointOverride(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || undefined;
}

type Sdk = typeof import('@aws-sdk/client-s3');
let sdk: Promise<Sdk> | undefined;

/** The S3 SDK, loaded on first use: commands that write no S3 output never pay for loading it. */
export function s3Sdk(): Promise<Sdk> {
  sdk ??= import('@aws-sdk/client-s3');
  return sdk;
}

let client: Promise<S3Client> | undefined;

/**
 * The S3 client of this process: credentials, region and endpoint from the SDK's chain, as the AWS CLI
 * resolves them (AWS_DEFAULT_REGION honoured below AWS_REGION). An overridden endpoint (MinIO, moto,
 * LocalStack, a VPC endpoint by IP) rarely resolves virtual-hosted bucket names, so it gets path-style
 * addressing. A bucket in another region than the configured one is followed (followRegionRedirects).
 */
export function s3Client(): Promise<S3Client> {
  client ??= (async () => {
    const { S3Client } = await s3Sdk();
    const region = regionOf({});
    const endpoint = s3EndpointOverride();
    return new S3Client({
      ...(region === undefined ? {} : { region }),
      ...(endpoint === undefined ? {} : { forcePathStyle: true }),
      followRegionRedirects: true,
    });
  })();
  return client;
}

/** Drop the cached client (the tests change the environment between servers). */
export function resetS3Client(): void {
  const previous = client;
  client = undefined;
  void previous?.then((c) => c.destroy()).catch(() => {});
}

/** The HTTP status of an SDK error, if it has one. */
export function httpStatus(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
}

/** Errors the CLI already reports by their own kind (exit.ts): no credentials, no region, an abort. */
function passThrough(error: unknown): boolean {
  const name = (error as { name?: string })?.name;
  const message = (error as { message?: string })?.message ?? '';
  return (
    error instanceof UsageError ||
    name === 'CredentialsProviderError' ||
    name === 'AbortError' ||
    /Could not load credentials from any providers|Region is missing/i.test(message) ||
    (error instanceof NfwError && error.code !== 'NFW_S3_FAILED')
  );
}

/**
 * `NFW_S3_FAILED` for a failed request on `location`: the operation, the bucket and key, the service's
 * error name and HTTP status; the message is redacted (an SDK message can quote a signed header).
 */
export function s3Failure(operation: string, location: S3Location, error: unknown): unknown {
  if (passThrough(error)) return error;
  if (error instanceof NfwError) return error;
  const name = (error as { name?: string })?.name ?? 'Error';
  const status = httpStatus(error);
  const message = redactSecrets((error as { message?: string })?.message ?? String(error));
  return new NfwError(
    'NFW_S3_FAILED',
    `S3 ${operation} of ${s3Url(location)} failed: ${name}${status === undefined ? '' : ` (HTTP ${status})`}: ${message}`,
    { field: '--out', value: s3Url(location), cause: error },
  );
}
