/**
 * `--out s3://...` end to end: the built CLI against the emulator (Network Firewall) and moto_server (S3),
 * both on 127.0.0.1. Every format, a partitioned dataset, a failure mid-upload (no object, no parts),
 * --force, kill -9 then --resume, and credentials never printed.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import path from 'node:path';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import {
  createFlowGenerator,
  type Emulator,
  makeMetadata,
  startEmulator,
  writeCaptureFile,
} from '@nfw-flows/fixtures';
import { tableFromIPC } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  ALL_ZONES_EXPORT,
  ARN,
  assertBuilt,
  closeDuckdb,
  query,
  type RunOptions,
  run,
  sqlString,
  tempDir,
} from './helpers.js';
import { hasMoto, type Moto, startMoto, TEST_CREDENTIALS } from './moto.js';
import { pyarrowMissing, readS3Dataset } from './pyarrow-s3.js';

const BUCKET = 'nfw-lake';
const OP_A = '11111111-2222-4333-8444-00000000000a';
const OP_B = '11111111-2222-4333-8444-00000000000b';
const OP_BIG = '11111111-2222-4333-8444-0000000000b1';
const FLOWS_A = 1500;
const FLOWS_B = 400;
/** A saved capture large enough for a multipart upload (more than one 8 MiB part as NDJSON). */
const BIG_FLOWS = 60_000;

describe.skipIf(!hasMoto())('--out s3://', () => {
  let moto: Moto;
  let emulator: Emulator;
  let tmp: ReturnType<typeof tempDir>;
  let bigInput: string;
  const servers: Server[] = [];

  beforeAll(async () => {
    assertBuilt();
    [moto, emulator] = await Promise.all([
      startMoto(),
      startEmulator({
        seed: 21,
        operations: [
          { firewallArn: ARN, flowOperationId: OP_A, availabilityZone: 'us-east-1a', flows: FLOWS_A },
          { firewallArn: ARN, flowOperationId: OP_B, availabilityZone: 'us-east-1b', flows: FLOWS_B },
          { firewallArn: ARN, flowOperationId: OP_BIG, availabilityZone: 'us-east-1c', flows: BIG_FLOWS },
        ],
      }),
    ]);
    await moto.createBucket(BUCKET);
    tmp = tempDir();
    bigInput = path.join(tmp.dir, 'big.json');
    await writeCaptureFile(bigInput, {
      flows: [...createFlowGenerator({ seed: 9, count: BIG_FLOWS }).flows()],
      metadata: makeMetadata({ FirewallArn: ARN, FlowOperationId: OP_A }),
      shape: 'cli',
    });
  });
  afterAll(async () => {
    closeDuckdb();
    for (const server of servers) server.close();
    await Promise.all([moto?.stop(), emulator?.close()]);
    tmp?.cleanup();
  });

  /** The CLI with the S3 environment of moto (or `endpoint`), run from the test's directory. */
  const cli = (args: string[], options: RunOptions & { endpoint?: string } = {}) =>
    run(args, {
      cwd: tmp.dir,
      timeoutMs: 60_000,
      ...options,
      env: {
        ...moto.env,
        ...(options.endpoint ? { AWS_ENDPOINT_URL_S3: options.endpoint } : {}),
        ...options.env,
      },
    });
  const apiExport = (...ids: string[]) => [
    'export',
    '--firewall-arn',
    ARN,
    ...ids.flatMap((id) => ['--flow-operation-id', id]),
    '--availability-zone',
    'us-east-1a',
    '--endpoint-url',
    emulator.endpoint,
  ];
  async function download(key: string): Promise<Buffer> {
    const res = await moto.client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    return Buffer.from(await res.Body!.transformToByteArray());
  }
  async function saved(key: string): Promise<string> {
    const file = path.join(tmp.dir, `${randomUUID()}-${path.basename(key)}`);
    writeFileSync(file, await download(key));
    return file;
  }
  const statusOf = async (key: string) => JSON.parse((await download(key)).toString('utf8'));
  function bytesOf(id: string): bigint {
    const op = emulator.operation(id)!;
    let total = 0n;
    for (let i = 0; i < op.flows.count; i++) total += BigInt(op.flows.flowAt(i).ByteCount ?? 0);
    return total;
  }
  /** Rows and byte total of a downloaded file, read by DuckDB or apache-arrow. */
  async function totals(file: string, format: string): Promise<[number, bigint]> {
    if (format === 'arrow' || format === 'arrows') {
      const { readFileSync } = await import('node:fs');
      const table = tableFromIPC(readFileSync(file));
      let sum = 0n;
      for (const v of table.getChild('byte_count')!) sum += BigInt(v ?? 0);
      return [table.numRows, sum];
    }
    const reader =
      format === 'parquet'
        ? `read_parquet(${sqlString(file)})`
        : format === 'ndjson'
          ? `read_json(${sqlString(file)}, format = 'newline_delimited', columns = {byte_count: 'UBIGINT'})`
          : `read_csv(${sqlString(file)}, header = true, types = {'byte_count': 'UBIGINT'})`;
    const [row] = await query(`SELECT count(*)::BIGINT AS n, sum(byte_count)::VARCHAR AS b FROM ${reader}`);
    return [Number(row!.n), BigInt(row!.b as string)];
  }

  test('an API export to s3:// in every format: the object and its status object, every flow', async () => {
    const formats = ['parquet', 'arrow', 'arrows', 'ndjson', 'csv'];
    const results = await Promise.all(
      formats.map((format) => cli([...apiExport(OP_A), '--out', `s3://${BUCKET}/every/flows.${format}`])),
    );
    for (const [i, format] of formats.entries()) {
      const key = `every/flows.${format}`;
      expect(results[i]!.code, results[i]!.stderr).toBe(0);
      expect(results[i]!.stderr).toContain(`s3://${BUCKET}/${key}`);
      expect(await totals(await saved(key), format)).toEqual([FLOWS_A, bytesOf(OP_A)]);
      const status = await statusOf(`${key}.nfw-status.json`);
      expect(status).toMatchObject({ file: `flows.${format}`, format, complete: true, flows: FLOWS_A });
      expect(status.bytes).toBe((await download(key)).length);
      for (const text of [JSON.stringify(status), results[i]!.stderr, results[i]!.stdout]) {
        expect(text).not.toContain(TEST_CREDENTIALS.secretAccessKey);
        expect(text).not.toContain(TEST_CREDENTIALS.accessKeyId);
      }
    }
    // The CLI's local state (lock, partial directory) is gone once the exports are done.
    expect(readdirSync(tmp.dir).filter((n) => n.includes('nfw-s3-'))).toEqual([]);
  });

  test('an --input export to S3 goes through the same object (multipart)', async () => {
    const r = await cli(['export', '--input', bigInput, '--out', `s3://${BUCKET}/input/big.ndjson`]);
    expect(r.code, r.stderr).toBe(0);
    const file = await saved('input/big.ndjson');
    const [n] = await totals(file, 'ndjson');
    expect(n).toBe(BIG_FLOWS);
    expect((await download('input/big.ndjson')).length).toBeGreaterThan(8 << 20);
    expect(await statusOf('input/big.ndjson.nfw-status.json')).toMatchObject({
      source: 'file',
      flows: BIG_FLOWS,
    });
    expect(await moto.openUploads(BUCKET)).toBe(0);
  });

  test('--partitioned to a prefix: Hive partitions, _nfw-status.json last, DuckDB totals', async () => {
    const r = await cli([
      ...ALL_ZONES_EXPORT,
      '--endpoint-url',
      emulator.endpoint,
      '--partitioned',
      '--out',
      `s3://${BUCKET}/lake/`,
    ]);
    expect(r.code, r.stderr).toBe(0);
    const arn = ARN.replaceAll(':', '%3A').replaceAll('/', '%2F');
    expect(await moto.keys(BUCKET, 'lake/')).toEqual([
      `lake/_nfw-status.json`,
      `lake/firewall_arn=${arn}/availability_zone=us-east-1a/flow_operation_id=${OP_A}/part-0.parquet`,
      `lake/firewall_arn=${arn}/availability_zone=us-east-1b/flow_operation_id=${OP_B}/part-0.parquet`,
    ]);
    const status = await statusOf('lake/_nfw-status.json');
    expect(status).toMatchObject({ partitioned: true, complete: true, flows: FLOWS_A + FLOWS_B });
    for (const [id, flows] of [
      [OP_A, FLOWS_A],
      [OP_B, FLOWS_B],
    ] as const) {
      const op = status.operations.find((o: { flow_operation_id: string }) => o.flow_operation_id === id);
      expect(await totals(await saved(`lake/${op.path}`), 'parquet')).toEqual([flows, bytesOf(id)]);
    }
    // A second run without --force is refused before reading anything; with --force it replaces it.
    const again = await cli([...apiExport(OP_A), '--partitioned', '--out', `s3://${BUCKET}/lake/`]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('already exists');
    const forced = await cli([
      ...apiExport(OP_A),
      '--partitioned',
      '--out',
      `s3://${BUCKET}/lake/`,
      '--force',
    ]);
    expect(forced.code, forced.stderr).toBe(0);
    expect(await moto.keys(BUCKET, 'lake/')).toEqual([
      `lake/_nfw-status.json`,
      `lake/firewall_arn=${arn}/availability_zone=us-east-1a/flow_operation_id=${OP_A}/part-0.parquet`,
    ]);
  });

  test.skipIf(pyarrowMissing !== null)(
    'pyarrow reads the dataset back from S3 with exact totals',
    async () => {
      const r = await cli([
        ...ALL_ZONES_EXPORT,
        '--endpoint-url',
        emulator.endpoint,
        '--partitioned',
        '--out',
        `s3://${BUCKET}/pyarrow/`,
      ]);
      expect(r.code, r.stderr).toBe(0);
      expect(await readS3Dataset(moto, `${BUCKET}/pyarrow/`, 'parquet')).toMatchObject({
        rows: FLOWS_A + FLOWS_B,
        bytes: String(bytesOf(OP_A) + bytesOf(OP_B)),
        type: 'uint64',
        operations: [OP_A, OP_B],
      });
    },
    120_000,
  );

  test('capture into S3: a capture is started only when the target is free, then exported into the object', async () => {
    const capture = (key: string) =>
      cli([
        'capture',
        '--firewall-arn',
        ARN,
        '--availability-zone',
        'us-east-1a',
        '--destination-port',
        '443',
        '--poll-interval',
        '50ms',
        '--endpoint-url',
        emulator.endpoint,
        '--out',
        `s3://${BUCKET}/${key}`,
      ]);
    const before = new Set(emulator.operations().map((o) => o.flowOperationId));
    const r = await capture('capture/443.parquet');
    expect(r.code, r.stderr).toBe(0);
    const created = emulator.operations().filter((o) => !before.has(o.flowOperationId));
    expect(created).toHaveLength(1);
    const [rows] = await totals(await saved('capture/443.parquet'), 'parquet');
    expect(rows).toBe(created[0]!.flowCount);
    expect(await statusOf('capture/443.parquet.nfw-status.json')).toMatchObject({
      complete: true,
      flows: rows,
    });
    const again = await capture('capture/443.parquet');
    expect(again.code).toBe(2);
    expect(emulator.operations()).toHaveLength(before.size + 1);
  });

  test('an existing object is refused without --force (exit 2, untouched) and replaced with it', async () => {
    await moto.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'taken.csv', Body: 'old' }));
    const refused = await cli([...apiExport(OP_B), '--out', `s3://${BUCKET}/taken.csv`]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('already exists');
    expect((await download('taken.csv')).toString()).toBe('old');
    const forced = await cli([...apiExport(OP_A), '--out', `s3://${BUCKET}/taken.csv`, '--force']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(await totals(await saved('taken.csv'), 'csv')).toEqual([FLOWS_A, bytesOf(OP_A)]);
  });

  test('usage: --rejects stays local, a prefix needs --partitioned, a bad bucket name', async () => {
    const rejects = await cli([
      ...apiExport(OP_A),
      '--out',
      `s3://${BUCKET}/r.csv`,
      '--rejects',
      `s3://${BUCKET}/r.txt`,
    ]);
    expect(rejects.code).toBe(2);
    expect(rejects.stderr).toContain('--rejects');
    const prefix = await cli([...apiExport(OP_A), '--out', `s3://${BUCKET}/dir/`, '--format', 'csv']);
    expect(prefix.code).toBe(2);
    const slashless = await cli([...apiExport(OP_A), '--partitioned', '--out', `s3://${BUCKET}/dir`]);
    expect(slashless.code).toBe(2);
    const bucket = await cli([...apiExport(OP_A), '--out', 's3://Bad_Bucket/x.csv']);
    expect(bucket.code).toBe(2);
  });

  /** A proxy to moto that answers 500 to every UploadPart of part 2: a failure in the middle of an upload. */
  async function failingProxy(): Promise<string> {
    const target = new URL(moto.endpoint);
    const proxy = createServer((req, res) => {
      if (/[?&]partNumber=2(&|$)/.test(req.url ?? '')) {
        req.resume();
        req.on('end', () => {
          res.writeHead(500, { 'content-type': 'application/xml' });
          res.end('<Error><Code>InternalError</Code><Message>injected</Message></Error>');
        });
        return;
      }
      const upstream = request(
        { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      upstream.on('error', () => res.destroy());
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    servers.push(proxy);
    return `http://127.0.0.1:${(proxy.address() as { port: number }).port}`;
  }

  let partSeen = false;
  /** A proxy to moto that notes the first UploadPart and holds it a moment (time for a signal). */
  async function slowProxy(): Promise<string> {
    partSeen = false;
    const target = new URL(moto.endpoint);
    const server = createServer((req, res) => {
      const isPart = /[?&]partNumber=\d+/.test(req.url ?? '');
      const forward = () => {
        const upstream = request(
          {
            host: target.hostname,
            port: target.port,
            method: req.method,
            path: req.url,
            headers: req.headers,
          },
          (up) => {
            res.writeHead(up.statusCode ?? 502, up.headers);
            up.pipe(res);
          },
        );
        upstream.on('error', () => res.destroy());
        req.pipe(upstream);
      };
      if (isPart) {
        partSeen = true;
        setTimeout(forward, 500);
      } else forward();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push(server);
    return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  }

  test('a failure mid-upload: exit 1, NFW_S3_FAILED naming the object, no object, no parts, no secret', async () => {
    const endpoint = await failingProxy();
    const r = await cli(['export', '--input', bigInput, '--out', `s3://${BUCKET}/failed/big.ndjson`], {
      endpoint,
      env: { AWS_MAX_ATTEMPTS: '2' },
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('NFW_S3_FAILED');
    expect(r.stderr).toContain(`s3://${BUCKET}/failed/big.ndjson`);
    expect(r.stderr).not.toContain(TEST_CREDENTIALS.secretAccessKey);
    expect(r.stderr).not.toContain(TEST_CREDENTIALS.accessKeyId);
    expect(await moto.keys(BUCKET, 'failed/')).toEqual([]);
    expect(await moto.openUploads(BUCKET)).toBe(0);
  });

  test('Ctrl-C mid-upload: the upload is aborted, no object and no parts', async () => {
    const endpoint = await slowProxy();
    let sent = false;
    const r = await cli(['export', '--input', bigInput, '--out', `s3://${BUCKET}/interrupted/big.ndjson`], {
      endpoint,
      onSpawn: (child) => {
        // SIGINT once the first part is on its way: the multipart upload exists then.
        const timer = setInterval(() => {
          if (partSeen && !sent) {
            sent = true;
            child.kill('SIGINT');
            clearInterval(timer);
          }
        }, 20);
        child.once('exit', () => clearInterval(timer));
      },
    });
    expect(sent).toBe(true);
    expect(r.code).toBe(130);
    expect(await moto.keys(BUCKET, 'interrupted/')).toEqual([]);
    expect(await moto.openUploads(BUCKET)).toBe(0);
  });

  test('kill -9 mid-upload, then --resume: the parts left open are aborted and the object is whole', async () => {
    const endpoint = await slowProxy();
    const url = `s3://${BUCKET}/resume/mid-upload.ndjson`;
    const args = [
      'export',
      '--firewall-arn',
      ARN,
      '--flow-operation-id',
      OP_BIG,
      '--availability-zone',
      'us-east-1c',
      '--endpoint-url',
      emulator.endpoint,
      '--out',
      url,
    ];
    let killed = false;
    const first = await cli(args, {
      endpoint,
      onSpawn: (child) => {
        const timer = setInterval(() => {
          if (partSeen && !killed) {
            killed = true;
            child.kill('SIGKILL');
            clearInterval(timer);
          }
        }, 20);
        child.once('exit', () => clearInterval(timer));
      },
    });
    expect(first.signal).toBe('SIGKILL');
    expect(await moto.keys(BUCKET, 'resume/mid-upload')).toEqual([]);
    // Give the held part time to land: the killed run's multipart upload is open in the bucket.
    await new Promise((r) => setTimeout(r, 1000));
    expect(await moto.openUploads(BUCKET)).toBeGreaterThan(0);
    const resumed = await cli([...args, '--resume']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(await moto.openUploads(BUCKET)).toBe(0);
    const [rows, bytes] = await totals(await saved('resume/mid-upload.ndjson'), 'ndjson');
    expect([rows, bytes]).toEqual([BIG_FLOWS, bytesOf(OP_BIG)]);
  }, 120_000);

  test('kill -9 after the upload completed, then --resume: the upload is not repeated, the status is written', async () => {
    const url = `s3://${BUCKET}/resume/after-data.parquet`;
    const killed = await cli([...apiExport(OP_A), '--out', url], {
      env: { NFW_FLOWS_TEST_CRASH_AT: 'after-data' },
    });
    expect(killed.signal).toBe('SIGKILL');
    const head = await moto.client.send(
      new HeadObjectCommand({ Bucket: BUCKET, Key: 'resume/after-data.parquet' }),
    );
    expect(await moto.keys(BUCKET, 'resume/after-data')).toEqual(['resume/after-data.parquet']);
    const plain = await cli([...apiExport(OP_A), '--out', url]);
    expect(plain.code).toBe(2);
    expect(plain.stderr).toContain('--resume');
    const resumed = await cli([...apiExport(OP_A), '--out', url, '--resume']);
    expect(resumed.code, resumed.stderr).toBe(0);
    const after = await moto.client.send(
      new HeadObjectCommand({ Bucket: BUCKET, Key: 'resume/after-data.parquet' }),
    );
    expect(after.ETag).toBe(head.ETag);
    expect(after.LastModified).toEqual(head.LastModified);
    expect(await statusOf('resume/after-data.parquet.nfw-status.json')).toMatchObject({
      complete: true,
      flows: FLOWS_A,
    });
    expect(existsSync(tmp.dir) && readdirSync(tmp.dir).filter((n) => n.includes('nfw-partial'))).toEqual([]);
  });

  test('kill -9 before the commit, then --resume: one object, no parts left', async () => {
    const url = `s3://${BUCKET}/resume/before-commit.csv`;
    const killed = await cli([...apiExport(OP_A), '--out', url], {
      env: { NFW_FLOWS_TEST_CRASH_AT: 'before-commit' },
    });
    expect(killed.signal).toBe('SIGKILL');
    expect(await moto.keys(BUCKET, 'resume/before-commit')).toEqual([]);
    const resumed = await cli([...apiExport(OP_A), '--out', url, '--resume']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(await totals(await saved('resume/before-commit.csv'), 'csv')).toEqual([FLOWS_A, bytesOf(OP_A)]);
    expect(await moto.openUploads(BUCKET)).toBe(0);
  });
});
