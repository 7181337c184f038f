/**
 * `capture --every` against the emulator's evolving flow tables, with the real SDK over HTTP. The
 * schedule runs in-process on a stepped clock (its waits take no time and no round is ever late, so
 * nothing depends on this machine's speed) or, for Ctrl-C, as the real CLI. Read back: DuckDB over the
 * capture_time partitions with exact per-round totals, the diffs against `nfw-flows diff` of the same
 * two operations, a failed round logged and skipped by the next diff, overruns logged as missed.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { NetworkFirewallClient } from '@aws-sdk/client-network-firewall';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { type Emulator, startEmulator } from '@nfw-flows/fixtures';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { runCaptureSchedule, type ScheduleClock } from '../src/commands/capture-schedule.js';
import { tableDdl } from '../src/commands/table-ddl.js';
import { buildProgram } from '../src/program.js';
import { type RoundRecord, SCHEDULE_LOG } from '../src/schedule/schedule-log.js';
import { UsageError } from '../src/usage-error.js';
import {
  ARN,
  assertBuilt,
  closeDuckdb,
  query,
  quickCapture,
  run,
  SHORT_STALL,
  sqlString,
  startJsonServer,
  tempDir,
} from './helpers.js';
import { hasMoto, type Moto, startMoto } from './moto.js';

const TABLE = 150;

/** pyarrow reads the dataset back where python3 has it (a fresh machine does not: one line). */
const pyarrowMissing = (() => {
  const r = spawnSync('python3', ['-c', 'import pyarrow.dataset'], { encoding: 'utf8' });
  return r.error ? 'python3 not found' : r.status !== 0 ? 'python3 has no pyarrow' : null;
})();
if (pyarrowMissing !== null) console.log(`pyarrow read-back of capture --every skipped: ${pyarrowMissing}`);

const PYARROW_READ = `
import json, sys
import pyarrow.dataset as ds
root = sys.argv[1]
flows = ds.dataset(root, format=sys.argv[2], partitioning='hive').to_table()
diffs = ds.dataset(root + '/_diff', format=sys.argv[2], partitioning='hive').to_table()
count = lambda t: {r['capture_time']: r['capture_time_count'] for r in t.group_by('capture_time').aggregate([('capture_time', 'count')]).to_pylist()}
print(json.dumps({'flows': count(flows), 'diffs': count(diffs), 'columns': flows.schema.names}))
`;
let tmp: ReturnType<typeof tempDir>;
let emu: Emulator | undefined;

beforeAll(() => {
  assertBuilt();
  tmp = tempDir();
});
afterAll(() => {
  closeDuckdb();
  tmp?.cleanup();
});
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

async function emulator(): Promise<Emulator> {
  emu = await startEmulator({ seed: 21, capture: { flows: TABLE, durationMs: 30 } });
  return emu;
}

/** A clock whose waits pass at once; `lag` ms are added on every reading (a slow world). */
function steppedClock(lag = 0): ScheduleClock {
  let t = Date.UTC(2026, 11, 4, 12, 0, 0, 250);
  return {
    now: () => {
      t += lag;
      return t;
    },
    sleep: async (ms) => {
      t += ms;
    },
  };
}

/** `capture` of the test firewall (of every firewall with --all-firewalls in `rest`). */
const captureArgs = (e: Emulator, ...rest: string[]) =>
  quickCapture(e.endpoint, ...(rest.includes('--all-firewalls') ? [] : ['--firewall-arn', ARN]), ...rest);

interface Scheduled {
  code: number;
  stderr: string;
  rounds: RoundRecord[];
}

/** The argv of a schedule of one zone: `--every`, `--count`, `--diff` when asked, `--partitioned`, then `more`. */
function zoneSeries(every: string, count: number, diff: boolean, ...more: string[]): string[] {
  return [
    '--availability-zone',
    'us-east-1a',
    '--every',
    every,
    '--count',
    String(count),
    ...(diff ? ['--diff'] : []),
    '--partitioned',
    ...more,
  ];
}

/** The schedule in-process: flags parsed by the CLI's own program, the SDK client talking HTTP. */
async function schedule(e: Emulator, args: string[], clock: ScheduleClock, root: string): Promise<Scheduled> {
  const client = new NetworkFirewallClient({
    region: 'us-east-1',
    endpoint: e.endpoint,
    credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' },
    maxAttempts: 1,
  });
  let stderr = '';
  const sink = new Writable({
    write(chunk, _encoding, callback) {
      stderr += String(chunk);
      callback();
    },
  }) as unknown as NodeJS.WriteStream;
  const ctx = { signal: new AbortController().signal, stdout: sink, stderr: sink };
  let code = -1;
  const program = buildProgram(async (_command, flags) => {
    code = await runCaptureSchedule(flags, ctx, client, clock);
  });
  program.exitOverride();
  await program.parseAsync(captureArgs(e, ...args), { from: 'user' });
  return { code, stderr, rounds: readLog(root) };
}

function readLog(root: string): RoundRecord[] {
  const file = path.join(root, SCHEDULE_LOG);
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as RoundRecord);
}

function opTotals(e: Emulator, id: string): { flows: number; bytes: bigint } {
  const op = e.operation(id)!;
  let bytes = 0n;
  for (let i = 0; i < op.flows.count; i++) bytes += BigInt(op.flows.flowAt(i).ByteCount ?? 0);
  return { flows: op.flows.count, bytes };
}

describe('capture --every into capture_time partitions', () => {
  test('--count 3 --diff: three partitions DuckDB reads with exact per-round totals; diffs equal nfw-flows diff', async () => {
    const e = await emulator();
    const root = path.join(tmp.dir, 'series');
    const s = await schedule(e, zoneSeries('5m', 3, true, '--out', root), steppedClock(), root);
    expect(s.code, s.stderr).toBe(0);
    expect(s.rounds.map((r) => [r.round, r.status])).toEqual([
      [1, 'ok'],
      [2, 'ok'],
      [3, 'ok'],
    ]);
    expect(s.rounds.map((r) => r.capture_time)).toEqual([
      '20261204T120000Z',
      '20261204T120500Z',
      '20261204T121000Z',
    ]);
    expect(s.stderr.split('\n').filter((l) => l.includes(' round '))).toHaveLength(3);
    const rows = await query(
      `SELECT capture_time::VARCHAR AS t, flow_operation_id AS op, count(*)::BIGINT AS n, sum(byte_count)::VARCHAR AS b
       FROM read_parquet(${sqlString(`${root}/capture_time=*/*/*/*/*.parquet`)}, hive_partitioning = true) GROUP BY ALL ORDER BY 1`,
    );
    expect(rows.map((r) => [r.t, r.op, Number(r.n), BigInt(r.b as string)])).toEqual(
      s.rounds.map((r) => {
        const t = opTotals(e, r.flow_operation_ids[0]!);
        return [r.capture_time, r.flow_operation_ids[0], t.flows, t.bytes];
      }),
    );
    for (const r of s.rounds) expect(r.flows).toBe(opTotals(e, r.flow_operation_ids[0]!).flows);
    // table-ddl --capture-time describes it: the DuckDB view reads the same rounds.
    await query(
      tableDdl({
        location: `${root}/`,
        table: 'series',
        database: 'main',
        engine: 'duckdb',
        captureTime: true,
      }),
    );
    const viewed = await query(
      'SELECT capture_time, count(*)::BIGINT AS n FROM series GROUP BY ALL ORDER BY 1',
    );
    expect(viewed.map((r) => [r.capture_time, Number(r.n)])).toEqual(rows.map((r) => [r.t, Number(r.n)]));
    // The diffs: round 1 has none to compare with; rounds 2 and 3 equal `nfw-flows diff` of the same operations.
    expect(s.rounds[0]!.diff).toEqual({ status: 'skipped', against: null });
    for (const [before, after] of [
      [s.rounds[0]!, s.rounds[1]!],
      [s.rounds[1]!, s.rounds[2]!],
    ] as const) {
      expect(after.diff?.against).toBe(before.capture_time);
      const ours = path.join(root, after.diff!.path!);
      expect(ours).toBe(path.join(root, '_diff', `capture_time=${after.capture_time}`, 'diff.parquet'));
      const theirs = path.join(tmp.dir, `diff-${after.round}.parquet`);
      const d = await run([
        'diff',
        '--firewall-arn',
        ARN,
        '--availability-zone',
        'us-east-1a',
        '--before-operation-id',
        before.flow_operation_ids[0]!,
        '--after-operation-id',
        after.flow_operation_ids[0]!,
        '--endpoint-url',
        e.endpoint,
        '--out',
        theirs,
      ]);
      expect(d.code, d.stderr).toBe(0);
      const differ = await query(
        `SELECT (SELECT count(*) FROM (SELECT * FROM read_parquet(${sqlString(ours)}, hive_partitioning = false) EXCEPT ALL SELECT * FROM read_parquet(${sqlString(theirs)})))::BIGINT AS a,
                (SELECT count(*) FROM (SELECT * FROM read_parquet(${sqlString(theirs)}) EXCEPT ALL SELECT * FROM read_parquet(${sqlString(ours)}, hive_partitioning = false)))::BIGINT AS b,
                (SELECT count(*) FROM read_parquet(${sqlString(ours)}, hive_partitioning = false))::BIGINT AS n`,
      );
      expect(differ.map((x) => [Number(x.a), Number(x.b), Number(x.n)])).toEqual([[0, 0, after.diff!.rows]]);
      expect(after.diff!.rows).toBeGreaterThan(0);
    }
    // Each round keeps its status file; nothing else is left at the root.
    for (const r of s.rounds) expect(existsSync(path.join(root, r.path!, '_nfw-status.json'))).toBe(true);
    expect(readdirSync(root).sort()).toEqual([
      '_diff',
      SCHEDULE_LOG,
      ...s.rounds.map((r) => `capture_time=${r.capture_time}`),
    ]);
  });

  test.each([[[]], [['--all-firewalls']]])(
    'a fleet capture %j (no scope flag): every zone in each round',
    async (fleet) => {
      const e = await emulator();
      const root = path.join(tmp.dir, `fleet${fleet.length}`);
      const s = await schedule(
        e,
        [
          ...fleet,
          '--every',
          '30s',
          '--count',
          '2',
          '--diff',
          '--partitioned',
          '--out',
          root,
          '--format',
          'ndjson',
          '--quiet',
        ],
        steppedClock(),
        root,
      );
      expect(s.code, s.stderr).toBe(0);
      expect(s.stderr).toBe('');
      expect(s.rounds.map((r) => [r.status, r.flow_operation_ids.length, r.flows])).toEqual([
        ['ok', 2, 2 * TABLE],
        ['ok', 2, 2 * TABLE],
      ]);
      // The diff covers both zones: every flow of both rounds is in one of its rows.
      const d = s.rounds[1]!.diff!;
      expect([d.status, d.continuing! * 2 + d.new! + d.ended!]).toEqual(['ok', 4 * TABLE]);
      const zonesDiffed = new Set(
        readFileSync(path.join(root, d.path!), 'utf8')
          .split('\n')
          .filter((l) => l !== '')
          .map((l) => (JSON.parse(l) as { availability_zone: string }).availability_zone),
      );
      expect([...zonesDiffed].sort()).toEqual(['us-east-1a', 'us-east-1b']);
      const zones = readdirSync(
        path.join(
          root,
          `capture_time=${s.rounds[1]!.capture_time}`,
          readdirSync(path.join(root, `capture_time=${s.rounds[1]!.capture_time}`)).find((d) =>
            d.startsWith('firewall_arn='),
          )!,
        ),
      );
      expect(zones.sort()).toEqual(['availability_zone=us-east-1a', 'availability_zone=us-east-1b']);
    },
  );

  test('a failed round is logged with its code, the schedule goes on, and the next diff is against the last good round', async () => {
    const e = await emulator();
    // The second StartFlowCapture (round 2's) is answered 500; the client makes one attempt.
    e.setFaults({ operations: ['StartFlowCapture'], failRequests: [2], failKind: 'error' });
    const root = path.join(tmp.dir, 'failing');
    const s = await schedule(
      e,
      zoneSeries('1s', 3, true, '--out', root, '--format', 'ndjson'),
      steppedClock(),
      root,
    );
    expect(s.code, s.stderr).toBe(3);
    expect(s.rounds.map((r) => r.status)).toEqual(['ok', 'failed', 'ok']);
    const failed = s.rounds[1]!;
    expect(failed.error_code).toBe('NFW_PAGINATION_FAILED');
    expect(failed.error).toContain('InternalServerError');
    expect(failed.flow_operation_ids).toEqual([]);
    expect(existsSync(path.join(root, `capture_time=${failed.capture_time}`))).toBe(false);
    expect(s.rounds[2]!.diff).toMatchObject({ status: 'ok', against: s.rounds[0]!.capture_time });
    expect(s.stderr).toContain('failed: NFW_PAGINATION_FAILED');
  });

  test('captures that end FAILED: each round logged with NFW_OPERATION_FAILED and the message; no data at all exits 1', async () => {
    const op = '11111111-2222-4333-8444-00000000000f';
    const failed = { FirewallArn: ARN, AvailabilityZone: 'us-east-1a', FlowOperationId: op };
    const server = await startJsonServer((operation) => ({
      body:
        operation === 'StartFlowCapture'
          ? { ...failed, FlowOperationStatus: 'IN_PROGRESS' }
          : operation === 'DescribeFlowOperation'
            ? {
                ...failed,
                FlowOperationType: 'FLOW_CAPTURE',
                FlowOperationStatus: 'FAILED',
                StatusMessage: 'no capacity',
              }
            : {
                ...failed,
                FlowOperationStatus: 'FAILED',
                StatusMessage: 'no capacity',
                Flows: [],
                FlowRequestTimestamp: 1767225600,
              },
    }));
    try {
      const root = path.join(tmp.dir, 'all-failed');
      const s = await schedule(
        { endpoint: server.endpoint } as Emulator,
        zoneSeries('1m', 2, true, '--out', root),
        steppedClock(),
        root,
      );
      expect(s.code, s.stderr).toBe(1);
      expect(s.rounds.map((r) => [r.status, r.error_code])).toEqual([
        ['failed', 'NFW_OPERATION_FAILED'],
        ['failed', 'NFW_OPERATION_FAILED'],
      ]);
      expect(s.rounds[0]!.error).toContain('no capacity');
      expect(s.rounds.map((r) => r.diff)).toEqual([undefined, undefined]);
    } finally {
      await server.close();
    }
  });

  test('a round whose paging fails after the retries is logged with its operation; no resume state is left among the partitions', async () => {
    const e = await emulator();
    // Round 1 reads its two pages; every later page request fails (the retry budget is 200 ms).
    e.setFaults({ operations: ['ListFlowOperationResults'], failAfterPages: 2, failKind: 'error' });
    const root = path.join(tmp.dir, 'paging');
    const s = await schedule(
      e,
      zoneSeries('1m', 2, false, '--out', root, ...SHORT_STALL),
      steppedClock(),
      root,
    );
    expect(s.code, s.stderr).toBe(3);
    expect(s.rounds.map((r) => [r.status, r.error_code])).toEqual([
      ['ok', null],
      ['failed', 'NFW_PAGINATION_FAILED'],
    ]);
    expect(s.rounds[1]!.flow_operation_ids).toHaveLength(1);
    expect(e.operation(s.rounds[1]!.flow_operation_ids[0]!)).toBeDefined();
    expect(readdirSync(root).sort()).toEqual([SCHEDULE_LOG, `capture_time=${s.rounds[0]!.capture_time}`]);
  });

  test('rounds that overrun the interval: the ticks they covered are logged as missed, never run late', async () => {
    const e = await emulator();
    const root = path.join(tmp.dir, 'slow');
    // Each reading of the clock moves it 700 ms on an interval of 1 s: every round overruns.
    const s = await schedule(
      e,
      zoneSeries('1s', 6, true, '--out', root, '--format', 'ndjson'),
      steppedClock(700),
      root,
    );
    expect(s.code, s.stderr).toBe(3);
    expect(s.rounds.map((r) => r.round)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(s.rounds[0]!.status).toBe('ok');
    expect(s.rounds.some((r) => r.status === 'missed')).toBe(true);
    let lastGood: string | null = null;
    for (const r of s.rounds) {
      expect(['ok', 'missed']).toContain(r.status);
      expect(existsSync(path.join(root, `capture_time=${r.capture_time}`))).toBe(r.status === 'ok');
      if (r.status === 'missed') expect([r.started_at, r.flow_operation_ids]).toEqual([null, []]);
      else {
        // A round starts no earlier than it was due.
        expect(Date.parse(r.started_at!)).toBeGreaterThanOrEqual(Date.parse(r.scheduled_at));
        expect(r.diff?.against ?? null).toBe(lastGood);
        lastGood = r.capture_time;
      }
    }
  });
});

describe('pyarrow', () => {
  test.skipIf(pyarrowMissing !== null)(
    'reads the flows dataset at the root (the diffs and logs are left out) and the diffs under _diff/',
    async () => {
      const e = await emulator();
      const root = path.join(tmp.dir, 'pyarrow');
      const s = await schedule(e, zoneSeries('1m', 2, true, '--out', root), steppedClock(), root);
      expect(s.code, s.stderr).toBe(0);
      const r = spawnSync('python3', ['-c', PYARROW_READ, root, 'parquet'], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      const read = JSON.parse(r.stdout) as {
        flows: Record<string, number>;
        diffs: Record<string, number>;
        columns: string[];
      };
      expect(read.flows).toEqual(Object.fromEntries(s.rounds.map((x) => [x.capture_time, x.flows])));
      expect(read.diffs).toEqual({ [s.rounds[1]!.capture_time]: s.rounds[1]!.diff!.rows });
      expect(read.columns.slice(-4)).toEqual([
        'capture_time',
        'firewall_arn',
        'availability_zone',
        'flow_operation_id',
      ]);
    },
  );
});

describe.skipIf(!hasMoto())('an S3 prefix', () => {
  const BUCKET = 'nfw-series';
  let moto: Moto;
  let cwd: string;
  beforeAll(async () => {
    moto = await startMoto();
    await moto.createBucket(BUCKET);
    // An S3 output keeps its lock and resume state in the current directory.
    cwd = process.cwd();
    process.chdir(tmp.dir);
  });
  afterAll(async () => {
    process.chdir(cwd);
    await moto?.stop();
  });

  test('rounds, diffs and the log are objects under the prefix; rounds are added on a second run', async () => {
    const e = await emulator();
    const root = `s3://${BUCKET}/series/`;
    const args = zoneSeries('1m', 2, true);
    const first = await schedule(e, [...args, '--out', root], steppedClock(), tmp.dir);
    expect(first.code, first.stderr).toBe(0);
    const clock = steppedClock();
    await clock.sleep(3_600_000, new AbortController().signal);
    const second = await schedule(e, [...args, '--count', '1', '--out', root], clock, tmp.dir);
    expect(second.code, second.stderr).toBe(0);
    const log = await moto.client.send(
      new GetObjectCommand({ Bucket: BUCKET, Key: 'series/_nfw-schedule.jsonl' }),
    );
    const rounds = (await log.Body!.transformToString())
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as RoundRecord);
    expect(rounds.map((r) => [r.capture_time, r.status, r.diff?.status])).toEqual([
      ['20261204T120000Z', 'ok', 'skipped'],
      ['20261204T120100Z', 'ok', 'ok'],
      ['20261204T130000Z', 'ok', 'skipped'],
    ]);
    const keys = await moto.keys(BUCKET, 'series/');
    const opKey = (r: RoundRecord) =>
      `series/capture_time=${r.capture_time}/firewall_arn=${encodeURIComponent(ARN)}/availability_zone=us-east-1a/flow_operation_id=${r.flow_operation_ids[0]}/part-0.parquet`;
    expect(keys).toEqual(
      [
        'series/_diff/capture_time=20261204T120100Z/diff.parquet',
        'series/_nfw-schedule.jsonl',
        ...rounds.flatMap((r) => [`series/capture_time=${r.capture_time}/_nfw-status.json`, opKey(r)]),
      ].sort(),
    );
    expect(await moto.openUploads(BUCKET)).toBe(0);
    // Nothing is left in the current directory (the rounds' locks and resume state).
    expect(readdirSync(tmp.dir).filter((f) => f.includes('nfw-s3-'))).toEqual([]);
  });

  test("a prefix holding someone else's objects is refused before any capture", async () => {
    const e = await emulator();
    await moto.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'theirs/notes.txt', Body: 'mine' }));
    const args = ['--every', '1m', '--partitioned', '--out', `s3://${BUCKET}/theirs/`];
    const error = await schedule(e, args, steppedClock(), tmp.dir).then(
      () => null,
      (x: unknown) => x,
    );
    expect([(error as UsageError).flag, (error as UsageError).code]).toEqual(['--out', 'NFW_INVALID_OPTION']);
    expect(e.operations()).toEqual([]);
  });
});

describe('flags', () => {
  test.each([
    [['--every', '0s', '--partitioned'], '--every'],
    [['--every', '5 minutes', '--partitioned'], '--every'],
    [['--every', '5m'], '--every'],
    [['--count', '3', '--partitioned'], '--count'],
    [['--diff', '--partitioned'], '--diff'],
    [['--every', '5m', '--count', '0', '--partitioned'], '--count'],
    [['--every', '5m', '--partitioned', '--resume'], '--resume'],
    [['--every', '5m', '--partitioned', '--force'], '--force'],
    [['--every', '13h', '--diff', '--partitioned'], '--diff'],
  ])('%j is refused naming %s', async (flags, flag) => {
    const e = await emulator();
    const root = path.join(tmp.dir, 'refused');
    const error = await schedule(e, [...flags, '--out', root], steppedClock(), root).then(
      () => null,
      (x: unknown) => x,
    );
    expect(error).toBeInstanceOf(UsageError);
    expect([(error as UsageError).flag, (error as UsageError).code]).toEqual([flag, 'NFW_INVALID_OPTION']);
    expect(existsSync(root)).toBe(false);
  });

  test('an S3 object (not a prefix), stdout and a directory of something else are refused', async () => {
    const e = await emulator();
    const someone = path.join(tmp.dir, 'someone');
    mkdirSync(someone, { recursive: true });
    writeFileSync(path.join(someone, 'notes.txt'), 'mine\n');
    for (const out of ['s3://my-lake/series', '-', someone]) {
      const error = await schedule(
        e,
        ['--every', '5m', '--partitioned', '--out', out],
        steppedClock(),
        tmp.dir,
      ).then(
        () => null,
        (x: unknown) => x,
      );
      expect((error as UsageError).flag).toBe('--out');
    }
  });

  test('the CLI exits 2 with one line naming the flag and the value', async () => {
    const r = await run([
      'capture',
      '--firewall-arn',
      ARN,
      '--every',
      '5x',
      '--partitioned',
      '--out',
      path.join(tmp.dir, 'x'),
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^nfw-flows: --every 5x: is not a duration/);
  });
});

describe('Ctrl-C', () => {
  async function waitFor(check: () => boolean): Promise<void> {
    while (!check()) await new Promise((resolve) => setTimeout(resolve, 20));
  }

  test.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)(
    '%s between rounds: exit %d at once, the rounds done are kept and logged',
    async (signal, code) => {
      const e = await emulator();
      const root = path.join(tmp.dir, `${signal}-between`);
      const r = await run(
        captureArgs(
          e,
          '--availability-zone',
          'us-east-1a',
          '--every',
          '1h',
          '--count',
          '3',
          '--partitioned',
          '--out',
          root,
        ),
        {
          onSpawn: (child) => {
            void waitFor(() => readLog(root).length === 1).then(() => child.kill(signal));
          },
        },
      );
      expect(r.code, r.stderr).toBe(code);
      const rounds = readLog(root);
      expect(rounds.map((x) => x.status)).toEqual(['ok']);
      expect(readdirSync(root).sort()).toEqual([SCHEDULE_LOG, `capture_time=${rounds[0]!.capture_time}`]);
      expect(readFileSync(path.join(root, rounds[0]!.path!, '_nfw-status.json'), 'utf8')).toContain(
        '"complete": true',
      );
      expect(existsSync(path.join(tmp.dir, `.${signal}-between.nfw-lock`))).toBe(false);
    },
  );

  test('during a round: exit 130, the round is logged as interrupted', async () => {
    emu = await startEmulator({ seed: 22, capture: { flows: TABLE, durationMs: 3_600_000 } });
    const e = emu;
    const root = path.join(tmp.dir, 'sigint-during');
    const r = await run(
      captureArgs(e, '--availability-zone', 'us-east-1a', '--every', '1h', '--partitioned', '--out', root),
      {
        onSpawn: (child) => {
          void waitFor(() => e.operations().some((o) => o.polls > 0)).then(() => child.kill('SIGINT'));
        },
      },
    );
    expect(r.code, r.stderr).toBe(130);
    const [round] = readLog(root);
    expect([round?.status, round?.error_code]).toEqual(['interrupted', 'NFW_ABORTED']);
    // The round's resume state is not left among the partitions; its operation is logged instead.
    expect(readdirSync(root)).toEqual([SCHEDULE_LOG]);
    for (const id of round!.flow_operation_ids) expect(e.operation(id)).toBeDefined();
  });
});
