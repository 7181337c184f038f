/**
 * S3Object and S3Directory against moto_server on 127.0.0.1: the object appears only at commit, a failure
 * or an abort mid-upload leaves neither object nor parts, an existing object is replaced only with force.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { isNfwError } from '@nfw-flows/core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { S3Directory } from '../src/output/s3-directory.js';
import { S3Object, UPLOAD_PART_SIZE } from '../src/output/s3-object.js';
import { checkS3Output } from '../src/output/s3-output.js';
import { outputAnchor, parseS3Url, resetS3Client } from '../src/output/s3-target.js';
import { partialDirectory } from '../src/spool/checkpoint.js';
import { UsageError } from '../src/usage-error.js';
import { hasMoto, type Moto, startMoto, TEST_CREDENTIALS } from './moto.js';

const BUCKET = 'nfw-test';

describe('parseS3Url', () => {
  test('objects and prefixes', () => {
    expect(parseS3Url('--out', 's3://my-bucket/a/b.parquet', false)).toEqual({
      bucket: 'my-bucket',
      key: 'a/b.parquet',
    });
    expect(parseS3Url('--out', 's3://my-bucket/flows/', true)).toEqual({
      bucket: 'my-bucket',
      key: 'flows/',
    });
    expect(parseS3Url('--out', 's3://my-bucket/', true)).toEqual({ bucket: 'my-bucket', key: '' });
  });

  test.each([
    ['s3://my-bucket/flows/', false],
    ['s3://my-bucket', false],
    ['s3://my-bucket/flows', true],
    ['s3://My_Bucket/a.csv', false],
    ['s3://ab/a.csv', false],
    ['s3://my-bucket/a//b.csv', false],
    ['S3://my-bucket/a.csv', false],
    ['s3://my-bucket/a\nb.csv', false],
  ])('%j (prefix %s) is a usage error', (url, prefix) => {
    expect(() => parseS3Url('--out', url, prefix)).toThrow(UsageError);
  });

  test('the local anchor of an S3 output is in the current directory and differs per URL', () => {
    const a = outputAnchor('s3://my-bucket/a.parquet');
    expect(path.dirname(a)).toBe(process.cwd());
    expect(a).not.toBe(outputAnchor('s3://my-bucket/b.parquet'));
    expect(outputAnchor('/tmp/x.parquet')).toBe('/tmp/x.parquet');
  });
});

describe.skipIf(!hasMoto())('S3 outputs on moto', () => {
  let moto: Moto;
  let work: string;
  beforeAll(async () => {
    moto = await startMoto();
    resetS3Client();
    await moto.createBucket(BUCKET);
    work = mkdtempSync(path.join(tmpdir(), 'nfw-s3-'));
  });
  afterAll(async () => {
    resetS3Client();
    await moto?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  async function body(key: string): Promise<Buffer> {
    const res = await moto.client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    return Buffer.from(await res.Body!.transformToByteArray());
  }
  async function exists(key: string): Promise<boolean> {
    try {
      await moto.client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
      return true;
    } catch {
      return false;
    }
  }

  test('a multipart object appears only at commit, with every byte', async () => {
    const data = randomBytes(2 * UPLOAD_PART_SIZE + 12345);
    const object = new S3Object(`s3://${BUCKET}/multi/data.parquet`, { force: false });
    const chunks = Array.from({ length: Math.ceil(data.length / 65536) }, (_, i) =>
      data.subarray(i * 65536, (i + 1) * 65536),
    );
    await pipeline(Readable.from(chunks), object.stream());
    expect(object.size()).toBe(data.length);
    expect(await exists('multi/data.parquet')).toBe(false);
    object.seal();
    await object.commit();
    expect((await body('multi/data.parquet')).equals(data)).toBe(true);
    const head = await moto.client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'multi/data.parquet' }));
    expect(head.ContentType).toBe('application/vnd.apache.parquet');
    expect(await moto.openUploads(BUCKET)).toBe(0);
  });

  test('a failure mid-upload leaves no object and no parts', async () => {
    const object = new S3Object(`s3://${BUCKET}/failed/data.csv`, { force: false });
    async function* failing() {
      // Three parts' worth: at least one part is uploaded before the source fails.
      for (let i = 0; i < 3 * (UPLOAD_PART_SIZE >> 16); i++) yield randomBytes(65536);
      throw new Error('source failed');
    }
    await expect(pipeline(Readable.from(failing()), object.stream())).rejects.toThrow('source failed');
    await object.discard();
    expect(await exists('failed/data.csv')).toBe(false);
    expect(await moto.openUploads(BUCKET)).toBe(0);
    expect(await moto.keys(BUCKET, 'failed/')).toEqual([]);
  });

  test('an abort (Ctrl-C) mid-upload leaves no object and no parts', async () => {
    const object = new S3Object(`s3://${BUCKET}/aborted/data.ndjson`, { force: false });
    const controller = new AbortController();
    let sent = 0;
    async function* endless() {
      for (;;) {
        sent += 65536;
        if (sent > 2 * UPLOAD_PART_SIZE) controller.abort(new Error('SIGINT'));
        yield randomBytes(65536);
      }
    }
    await expect(
      pipeline(Readable.from(endless()), object.stream(), { signal: controller.signal }),
    ).rejects.toThrow();
    await object.discard();
    expect(await exists('aborted/data.ndjson')).toBe(false);
    expect(await moto.openUploads(BUCKET)).toBe(0);
  });

  test('an existing object is replaced only with force (conditional write), also when it appears meanwhile', async () => {
    await moto.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'exists.csv', Body: 'old' }));
    await expect(
      checkS3Output(`s3://${BUCKET}/exists.csv`, { partitioned: false, force: false, resume: false }),
    ).rejects.toBeInstanceOf(UsageError);
    // Past the up-front check (the object appears during the export): the completion is refused.
    const small = new S3Object(`s3://${BUCKET}/exists.csv`, { force: false });
    small.writeText('new');
    await expect(small.commit()).rejects.toBeInstanceOf(UsageError);
    const large = new S3Object(`s3://${BUCKET}/exists.csv`, { force: false });
    await pipeline(Readable.from([randomBytes(UPLOAD_PART_SIZE + 1)]), large.stream());
    await expect(large.commit()).rejects.toBeInstanceOf(UsageError);
    expect((await body('exists.csv')).toString()).toBe('old');
    expect(await moto.openUploads(BUCKET)).toBe(0);
    const forced = new S3Object(`s3://${BUCKET}/exists.csv`, { force: true });
    forced.writeText('new');
    await forced.commit();
    expect((await body('exists.csv')).toString()).toBe('new');
  });

  test('a failed request is NFW_S3_FAILED naming bucket and key, never the credentials', async () => {
    const object = new S3Object('s3://no-such-bucket-here/a.csv', { force: false });
    object.writeText('x');
    const error = await object.commit().then(
      () => null,
      (e: unknown) => e,
    );
    expect(isNfwError(error, 'NFW_S3_FAILED')).toBe(true);
    const text = `${(error as Error).message} ${JSON.stringify(error)}`;
    expect(text).toContain('s3://no-such-bucket-here/a.csv');
    expect(text).not.toContain(TEST_CREDENTIALS.secretAccessKey);
    expect(text).not.toContain(TEST_CREDENTIALS.accessKeyId);
  });

  test('a dataset: partitions first, status last; --force replaces only our prefix and drops stale partitions', async () => {
    const temp = path.join(work, 'dataset');
    const build = (parts: string[]) => {
      rmSync(temp, { recursive: true, force: true });
      for (const p of parts) {
        mkdirSync(path.dirname(path.join(temp, p)), { recursive: true });
        writeFileSync(path.join(temp, p), `data of ${p}`);
      }
      writeFileSync(
        path.join(temp, '_nfw-status.json'),
        JSON.stringify({
          nfw_flows_version: '0',
          schema_version: '1',
          file: 'ds',
          format: 'parquet',
          complete: true,
        }),
      );
    };
    const url = `s3://${BUCKET}/ds/`;
    build(['a=1/part-0.parquet', 'a=2/part-0.parquet']);
    await checkS3Output(url, { partitioned: true, force: false, resume: false });
    await new S3Directory(url, temp, { force: false }).commit();
    expect(await moto.keys(BUCKET, 'ds/')).toEqual([
      'ds/_nfw-status.json',
      'ds/a=1/part-0.parquet',
      'ds/a=2/part-0.parquet',
    ]);
    await expect(
      checkS3Output(url, { partitioned: true, force: false, resume: false }),
    ).rejects.toBeInstanceOf(UsageError);
    await checkS3Output(url, { partitioned: true, force: true, resume: false });
    build(['a=3/part-0.parquet']);
    await new S3Directory(url, temp, { force: true }).commit();
    expect(await moto.keys(BUCKET, 'ds/')).toEqual(['ds/_nfw-status.json', 'ds/a=3/part-0.parquet']);
    // Someone else's prefix is not replaced, even with --force.
    await moto.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'theirs/x.csv', Body: 'x' }));
    await expect(
      checkS3Output(`s3://${BUCKET}/theirs/`, { partitioned: true, force: true, resume: false }),
    ).rejects.toBeInstanceOf(UsageError);
  });

  test('--resume of an interrupted export aborts the multipart upload a killed run left open', async () => {
    const url = `s3://${BUCKET}/killed/data.parquet`;
    const { UploadId } = await moto.client.send(
      new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'killed/data.parquet' }),
    );
    await moto.client.send(
      new UploadPartCommand({
        Bucket: BUCKET,
        Key: 'killed/data.parquet',
        UploadId,
        PartNumber: 1,
        Body: 'x',
      }),
    );
    // Someone else's upload beside it is not ours to abort.
    await moto.client.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'killed/other.parquet' }));
    expect(await moto.openUploads(BUCKET)).toBe(2);
    const partial = partialDirectory(url);
    mkdirSync(partial);
    try {
      await checkS3Output(url, { partitioned: false, force: false, resume: true });
    } finally {
      rmSync(partial, { recursive: true });
    }
    expect(await moto.openUploads(BUCKET)).toBe(1);
  });
});
