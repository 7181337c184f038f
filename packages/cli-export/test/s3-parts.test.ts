/**
 * S3 datasets of several parts per partition (`--partitioned --max-file-size`) and the fleet capture
 * into S3, end to end: the built CLI against the emulator and moto_server, both on 127.0.0.1; the
 * dataset read back from moto by pyarrow (where python3 has it) with exact totals; kill -9 between two
 * objects, then --resume: the objects already uploaded are not uploaded again (a versioned bucket keeps
 * one version of each key) and the dataset is the one an uninterrupted run writes.
 */
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
} from '@aws-sdk/client-s3';
import { DEFAULT_ROW_GROUP_SIZE } from '@nfw-flows/core/engine';
import { type Emulator, startEmulator } from '@nfw-flows/fixtures';
import { FLEET_TWO_ARN, fleetFirewalls } from '@nfw-flows/fixtures/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  ALL_ZONES_EXPORT,
  ARN,
  assertBuilt,
  quickCapture,
  type RunOptions,
  run,
  tempDir,
  zoneExport,
} from './helpers.js';
import { hasMoto, type Moto, startMoto } from './moto.js';
import { pyarrowMissing, readS3Dataset } from './pyarrow-s3.js';

const BUCKET = 'nfw-parts';
const VERSIONED = 'nfw-parts-versioned';
const OP_A = '11111111-2222-4333-8444-00000000000a';
const OP_B = '11111111-2222-4333-8444-00000000000b';
const OP_BIG = '11111111-2222-4333-8444-0000000000b1';
const FLOWS_A = 12_000;
const FLOWS_B = 3_000;
/** Several Parquet row groups. */
const FLOWS_BIG = 70_000;
const ZONES = ['us-east-1a', 'us-east-1b', 'us-east-1c'];
const TABLE = 5_000;

let moto: Moto;
let tmp: ReturnType<typeof tempDir>;

async function statusOf(bucket: string, key: string) {
  const res = await moto.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return JSON.parse(await res.Body!.transformToString('utf8'));
}

/** Totals of operations of the emulator: rows, byte and packet sums. */
function totalsOf(emulator: Emulator, ids: string[]) {
  let rows = 0;
  let bytes = 0n;
  let packets = 0n;
  for (const id of ids) {
    const op = emulator.operation(id)!;
    rows += op.flowCount;
    for (let i = 0; i < op.flows.count; i++) {
      bytes += BigInt(op.flows.flowAt(i).ByteCount ?? 0);
      packets += BigInt(op.flows.flowAt(i).PacketCount ?? 0);
    }
  }
  return { rows, bytes: String(bytes), packets: String(packets) };
}

interface Part {
  path: string;
  rows: number;
  bytes: number;
}
interface Operation {
  availability_zone: string;
  flow_operation_id: string;
  flows: number;
  parts: Part[];
}

/** The keys of the status object's parts are the keys under the prefix, sizes as listed. */
async function checkKeys(bucket: string, prefix: string, operations: Operation[]) {
  const parts = operations.flatMap((o) => o.parts);
  expect(await moto.keys(bucket, prefix)).toEqual(
    [`${prefix}_nfw-status.json`, ...parts.map((p) => `${prefix}${p.path}`)].sort(),
  );
  for (const p of parts) {
    const head = await moto.client.send(new HeadObjectCommand({ Bucket: bucket, Key: `${prefix}${p.path}` }));
    expect(head.ContentLength).toBe(p.bytes);
  }
  for (const o of operations) expect(o.parts.reduce((n, p) => n + p.rows, 0)).toBe(o.flows);
}

describe.skipIf(!hasMoto())('S3 (moto)', () => {
  beforeAll(async () => {
    assertBuilt();
    moto = await startMoto();
    tmp = tempDir();
  }, 60_000);
  afterAll(async () => {
    await moto?.stop();
    tmp?.cleanup();
  });

  describe('S3 datasets in parts', () => {
    let emulator: Emulator;
    const cli = (args: string[], options: RunOptions = {}) =>
      run(args, { cwd: tmp.dir, timeoutMs: 180_000, ...options, env: { ...moto.env, ...options.env } });
    const twoZones = () => [...ALL_ZONES_EXPORT, '--endpoint-url', emulator.endpoint, '--partitioned'];

    beforeAll(async () => {
      emulator = await startEmulator({
        seed: 24,
        operations: [
          { firewallArn: ARN, flowOperationId: OP_A, availabilityZone: 'us-east-1a', flows: FLOWS_A },
          { firewallArn: ARN, flowOperationId: OP_B, availabilityZone: 'us-east-1b', flows: FLOWS_B },
          { firewallArn: ARN, flowOperationId: OP_BIG, availabilityZone: 'us-east-1c', flows: FLOWS_BIG },
        ],
      });
      await moto.createBucket(BUCKET);
      await moto.createBucket(VERSIONED);
      await moto.client.send(
        new PutBucketVersioningCommand({ Bucket: VERSIONED, VersioningConfiguration: { Status: 'Enabled' } }),
      );
    }, 60_000);
    afterAll(async () => {
      await emulator?.close();
    });

    test('Parquet: a partition over the limit as parts of whole row groups; pyarrow reads exact totals', async () => {
      const r = await cli([
        ...zoneExport(OP_BIG, emulator.endpoint, 'us-east-1c'),
        '--partitioned',
        '--max-file-size',
        '1MB',
        '--out',
        `s3://${BUCKET}/big/`,
      ]);
      expect(r.code, r.stderr).toBe(0);
      const status = await statusOf(BUCKET, 'big/_nfw-status.json');
      const [op] = status.operations as Operation[];
      expect(op!.parts.length).toBeGreaterThan(1);
      op!.parts.forEach((p, i) => {
        expect(p.path.split('/').at(-1)).toBe(`part-${i}.parquet`);
        if (i < op!.parts.length - 1) {
          expect(p.rows % DEFAULT_ROW_GROUP_SIZE).toBe(0);
          expect(p.bytes).toBeGreaterThanOrEqual(1e6);
        }
      });
      await checkKeys(BUCKET, 'big/', [op!]);
      if (pyarrowMissing !== null) return;
      expect(await readS3Dataset(moto, `${BUCKET}/big/`, 'parquet')).toMatchObject({
        ...totalsOf(emulator, [OP_BIG]),
        files: op!.parts.length,
        partitions: { [`us-east-1c|${OP_BIG}`]: FLOWS_BIG },
      });
    }, 240_000);

    test('kill -9 after the first object, then --resume: nothing uploaded twice, the same dataset as an uninterrupted run', async () => {
      const args = (prefix: string) => [
        ...twoZones(),
        '--format',
        'csv',
        '--max-file-size',
        '300KB',
        '--out',
        `s3://${VERSIONED}/${prefix}/`,
      ];
      const clean = await cli(args('clean'));
      expect(clean.code, clean.stderr).toBe(0);
      const killed = await cli(args('killed'), { env: { NFW_FLOWS_TEST_CRASH_AT: 'after-first-object' } });
      expect(killed.signal).toBe('SIGKILL');
      const first = await moto.keys(VERSIONED, 'killed/');
      expect(first).toHaveLength(1);
      const resumed = await cli([...args('killed'), '--resume']);
      expect(resumed.code, resumed.stderr).toBe(0);
      // One version of every key: the object of the killed run was not uploaded again.
      const versions = await moto.client.send(
        new ListObjectVersionsCommand({ Bucket: VERSIONED, Prefix: 'killed/' }),
      );
      const keys = (versions.Versions ?? []).map((v) => v.Key!).sort();
      expect(keys).toEqual(await moto.keys(VERSIONED, 'killed/'));
      expect(keys).toContain(first[0]);
      // The same parts, rows and bytes as the uninterrupted run; objects with the same ETags.
      const ops = async (prefix: string) =>
        ((await statusOf(VERSIONED, `${prefix}/_nfw-status.json`)).operations as Operation[]).map(
          (o) => o.parts,
        );
      expect(await ops('killed')).toEqual(await ops('clean'));
      const etags = async (prefix: string) => {
        const out: string[] = [];
        for (const key of await moto.keys(VERSIONED, `${prefix}/`))
          if (!key.endsWith('_nfw-status.json'))
            out.push(
              `${key.slice(prefix.length)} ${(await moto.client.send(new HeadObjectCommand({ Bucket: VERSIONED, Key: key }))).ETag}`,
            );
        return out;
      };
      expect(await etags('killed')).toEqual(await etags('clean'));
      const status = await statusOf(VERSIONED, 'killed/_nfw-status.json');
      await checkKeys(VERSIONED, 'killed/', status.operations);
      expect(status.operations.map((o: Operation) => o.parts.length > 1)).toEqual([true, false]);
      expect(await moto.openUploads(VERSIONED)).toBe(0);
      if (pyarrowMissing !== null) return;
      expect(await readS3Dataset(moto, `${VERSIONED}/killed/`, 'csv')).toMatchObject({
        ...totalsOf(emulator, [OP_A, OP_B]),
        files: status.operations.reduce((n: number, o: Operation) => n + o.parts.length, 0),
        partitions: { [`us-east-1a|${OP_A}`]: FLOWS_A, [`us-east-1b|${OP_B}`]: FLOWS_B },
      });
    }, 240_000);
  });

  describe('fleet capture into S3', () => {
    let emulator: Emulator;

    beforeAll(async () => {
      emulator = await startEmulator({
        seed: 25,
        firewalls: fleetFirewalls({ associations: 1, fleetTwoZones: ZONES }),
        capture: { flows: TABLE, durationMs: 40 },
      });
      await moto.createBucket('nfw-fleet');
    }, 60_000);
    afterAll(async () => {
      await emulator?.close();
    });

    test('capture of every zone of a firewall into a prefix: one partition per zone, pyarrow reads exact totals', async () => {
      const r = await run(
        quickCapture(
          emulator.endpoint,
          '--firewall-arn',
          FLEET_TWO_ARN,
          '--partitioned',
          '--out',
          's3://nfw-fleet/fleet/',
        ),
        { cwd: tmp.dir, timeoutMs: 180_000, env: moto.env },
      );
      expect(r.code, r.stderr).toBe(0);
      const ops = emulator.operations();
      expect(ops.map((o) => o.availabilityZone).sort()).toEqual(ZONES);
      const status = await statusOf('nfw-fleet', 'fleet/_nfw-status.json');
      expect(status).toMatchObject({ complete: true, partitioned: true, flows: TABLE * ZONES.length });
      expect(status.operations.map((o: Operation) => o.availability_zone).sort()).toEqual(ZONES);
      await checkKeys('nfw-fleet', 'fleet/', status.operations);
      if (pyarrowMissing !== null) return;
      expect(await readS3Dataset(moto, 'nfw-fleet/fleet/', 'parquet')).toMatchObject({
        ...totalsOf(
          emulator,
          ops.map((o) => o.flowOperationId),
        ),
        files: ZONES.length,
        partitions: Object.fromEntries(ops.map((o) => [`${o.availabilityZone}|${o.flowOperationId}`, TABLE])),
      });
    }, 240_000);
  });
});
