/**
 * `nfw-flows diff` end to end: two saved captures of the emulator's flow table (the clock advanced
 * between them) in every output format, the ranked --top table, two operations read from the emulator
 * through the real SDK, and the usage errors that leave nothing behind.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { NetworkFirewallClient, StartFlowCaptureCommand } from '@aws-sdk/client-network-firewall';
import { DIFF_COLUMNS, diffCaptures, flowResultsFromFile, type Row } from '@nfw-flows/core';
import {
  createFlowTable,
  DEFAULT_FIREWALL_ARN,
  DEFAULT_TIMESTAMP,
  type Emulator,
  fastRetryStrategy,
  startEmulator,
  writeCaptureFile,
} from '@nfw-flows/fixtures';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { main } from '../src/main.js';
import { diffPlan } from '../src/plans/diff-plan.js';
import { buildProgram } from '../src/program.js';
import { FakeStream } from './fake-terminal.js';
import { assertBuilt, closeDuckdb, query, readArrow, run, sqlString, tempDir } from './helpers.js';

const FLOWS = 2000;
const INTERVAL = 300;
const T0 = DEFAULT_TIMESTAMP;

let dir: string;
let cleanup: () => void;
let before: string;
let after: string;
let expected: { rows: number; changes: Record<string, number> };

async function capture(file: string, at: number): Promise<void> {
  const table = createFlowTable(77, FLOWS).at(at);
  const flows = Array.from({ length: table.count }, (_, i) => table.flowAt(i));
  await writeCaptureFile(file, {
    flows,
    shape: 'cli',
    metadata: { FlowRequestTimestamp: at, FlowOperationId: `op-${at}` },
  });
}

async function libraryDiff(b: string, a: string): Promise<Row[]> {
  const rows: Row[] = [];
  for await (const row of diffCaptures(flowResultsFromFile(b), flowResultsFromFile(a))) rows.push(row as Row);
  return rows;
}

const changes = (rows: readonly Record<string, unknown>[]) => {
  const out: Record<string, number> = {};
  for (const r of rows) out[String(r.change)] = (out[String(r.change)] ?? 0) + 1;
  return out;
};

beforeAll(async () => {
  assertBuilt();
  ({ dir, cleanup } = tempDir());
  before = path.join(dir, 'before.json');
  after = path.join(dir, 'after.json');
  await capture(before, T0);
  await capture(after, T0 + INTERVAL);
  const rows = await libraryDiff(before, after);
  expected = { rows: rows.length, changes: changes(rows) };
});

afterAll(() => {
  closeDuckdb();
  cleanup();
});

describe('nfw-flows diff --before FILE --after FILE', () => {
  test('the two captures differ realistically: flows continue, end and begin', () => {
    expect(expected.changes.continuing).toBeGreaterThan(FLOWS / 10);
    expect(expected.changes.new).toBeGreaterThan(FLOWS / 10);
    expect(expected.changes.ended).toBeGreaterThan(FLOWS / 10);
  });

  test('NDJSON: every change row with the documented columns, as the library computes them', async () => {
    const out = path.join(dir, 'churn.ndjson');
    const r = await run(['diff', '--before', before, '--after', after, '--out', out]);
    expect(r.stderr).toContain('continuing');
    expect(r.code).toBe(0);
    const lines = readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.length).toBe(expected.rows);
    expect(changes(lines)).toEqual(expected.changes);
    expect(Object.keys(lines[0])).toEqual(DIFF_COLUMNS.map((c) => c.name));
    for (const l of lines) {
      expect(l.interval_seconds).toBe(INTERVAL);
      if (l.change === 'continuing' && l.counter_reset === 0)
        expect(l.bytes_per_second).toBeCloseTo(l.delta_bytes / INTERVAL, 9);
    }
  });

  test.each([
    ['arrow', 'churn.arrow'],
    ['arrows', 'churn.arrows'],
    ['parquet', 'churn.parquet'],
    ['csv', 'churn.csv'],
  ])('%s output holds every row with the change-row schema', async (format, name) => {
    const out = path.join(dir, name);
    const r = await run(['diff', '--before', before, '--after', after, '--out', out, '--quiet']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    if (format === 'arrow' || format === 'arrows') {
      const table = readArrow(out);
      expect(table.numRows).toBe(expected.rows);
      expect(table.schema.fields.map((f) => f.name)).toEqual(DIFF_COLUMNS.map((c) => c.name));
      expect(table.schema.metadata.get('nfw_flows.content')).toBe('diff');
    } else if (format === 'parquet') {
      const rows = await query(
        `SELECT change, count(*)::INTEGER AS n FROM read_parquet(${sqlString(out)}) GROUP BY change`,
      );
      expect(Object.fromEntries(rows.map((x) => [x.change, x.n]))).toEqual(expected.changes);
    } else {
      const lines = readFileSync(out, 'utf8').trim().split('\n');
      expect(lines[0]).toBe(DIFF_COLUMNS.map((c) => c.name).join(','));
      expect(lines.length - 1).toBe(expected.rows);
    }
    // Atomic: no temporaries left beside the output.
    expect(readdirSync(dir).filter((f) => f.includes('nfw-tmp'))).toEqual([]);
  });

  test('--top N --by bytes-per-second prints the ranked rows (table, and JSON with --json)', async () => {
    const topFile = path.join(dir, 'top.csv');
    const table = await run([
      'diff',
      '--before',
      before,
      '--after',
      after,
      '--top',
      '5',
      '--by',
      'bytes-per-second',
      '--out',
      topFile,
    ]);
    expect(table.code, table.stderr).toBe(0);
    // --out as well: every row in the file, the ranking on stdout.
    expect(readFileSync(topFile, 'utf8').trim().split('\n').length - 1).toBe(expected.rows);
    const lines = table.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^#\s+CHANGE\s+SOURCE\s+DESTINATION/);
    expect(lines.length).toBeGreaterThanOrEqual(6);
    const json = await run(['diff', '--before', before, '--after', after, '--top', '5', '--json', '--quiet']);
    expect(json.code, json.stderr).toBe(0);
    const rows = JSON.parse(json.stdout) as { bytes_per_second: number }[];
    expect(rows).toHaveLength(5);
    const all = (await libraryDiff(before, after))
      .map((r) => r.bytes_per_second)
      .filter((v): v is number => typeof v === 'number')
      .sort((a, b) => b - a);
    expect(rows.map((r) => r.bytes_per_second)).toEqual(all.slice(0, 5));
  });

  test('--out - with --format streams to stdout', async () => {
    const r = await run([
      'diff',
      '--before',
      before,
      '--after',
      after,
      '--out',
      '-',
      '--format',
      'ndjson',
      '--quiet',
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n').length).toBe(expected.rows);
  });

  test('swapped captures fail with NFW_CAPTURES_OUT_OF_ORDER and leave no file', async () => {
    const out = path.join(dir, 'swapped.parquet');
    const r = await run(['diff', '--before', after, '--after', before, '--out', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('NFW_CAPTURES_OUT_OF_ORDER');
    expect(existsSync(out)).toBe(false);
  });

  test('--rejects keeps the rejected records of both captures as export --rejects does, with their side; exit 3', async () => {
    const bad = (at: number, extra: Record<string, unknown>) => {
      const table = createFlowTable(77, 50).at(at);
      return [
        ...Array.from({ length: table.count }, (_, i) => table.flowAt(i) as Record<string, unknown>),
        extra,
      ];
    };
    const badBefore = path.join(dir, 'bad-before.json');
    const badAfter = path.join(dir, 'bad-after.json');
    await writeCaptureFile(badBefore, {
      flows: bad(T0, {
        SourceAddress: { AddressDefinition: '010.0.0.1' },
        DestinationAddress: { AddressDefinition: '10.0.0.2' },
      }) as never,
      shape: 'cli',
      metadata: { FlowRequestTimestamp: T0, FlowOperationId: 'op-b' },
    });
    await writeCaptureFile(badAfter, {
      flows: bad(T0 + INTERVAL, {
        SourceAddress: { AddressDefinition: '10.0.0.1' },
        DestinationAddress: { AddressDefinition: '10.0.0.2' },
        SourcePort: '70000',
      }) as never,
      shape: 'cli',
      metadata: { FlowRequestTimestamp: T0 + INTERVAL, FlowOperationId: 'op-a' },
    });
    const rejectsFile = path.join(dir, 'diff-rejects.ndjson');
    const [diffRun, exportRun] = await Promise.all([
      run([
        'diff',
        '--before',
        badBefore,
        '--after',
        badAfter,
        '--out',
        path.join(dir, 'bad.arrow'),
        '--rejects',
        rejectsFile,
      ]),
      run([
        'export',
        '--input',
        badBefore,
        '--out',
        path.join(dir, 'bad-export.csv'),
        '--rejects',
        path.join(dir, 'export-rejects.ndjson'),
      ]),
    ]);
    expect(diffRun.code, diffRun.stderr).toBe(3);
    expect(exportRun.code).toBe(3);
    const lines = (file: string) =>
      readFileSync(file, 'utf8')
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l));
    const rejects = lines(rejectsFile);
    expect(rejects.map((r) => [r.side, r.code, r.field])).toEqual([
      ['before', 'NFW_AMBIGUOUS_IPV4', expect.anything()],
      ['after', 'NFW_INVALID_PORT', 'SourcePort'],
    ]);
    expect(rejects[1].raw.SourcePort).toBe('70000');
    // Without `side`, a line is what export --rejects writes for the same capture.
    const { side: _, ...plain } = rejects[0];
    expect(lines(path.join(dir, 'export-rejects.ndjson'))).toEqual([plain]);
    // A failed diff leaves no rejects file (nor a temporary).
    const failedRejects = path.join(dir, 'failed-rejects.ndjson');
    const failed = await run([
      'diff',
      '--before',
      badAfter,
      '--after',
      badBefore,
      '--out',
      path.join(dir, 'failed.csv'),
      '--rejects',
      failedRejects,
    ]);
    expect(failed.code).toBe(1);
    expect(existsSync(failedRejects)).toBe(false);
    expect(readdirSync(dir).filter((f) => f.includes('nfw-tmp'))).toEqual([]);
    // --rejects may be neither an input nor the output.
    for (const target of [badBefore, path.join(dir, 'same.csv')]) {
      const r = await run([
        'diff',
        '--before',
        badBefore,
        '--after',
        badAfter,
        '--out',
        path.join(dir, 'same.csv'),
        '--rejects',
        target,
      ]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('--rejects');
    }
  });

  test('usage errors exit 2 and write nothing', async () => {
    const existing = path.join(dir, 'exists.csv');
    writeFileSync(existing, 'keep');
    for (const args of [
      ['diff', '--before', before, '--out', path.join(dir, 'x.csv')],
      ['diff', '--before', before, '--after', after],
      ['diff', '--before', before, '--after', after, '--out', existing],
      ['diff', '--before', before, '--after', after, '--out', path.join(dir, 'x.unknown')],
      ['diff', '--before', before, '--after', after, '--top', '5', '--by', 'bytes'],
      [
        'diff',
        '--before',
        before,
        '--after',
        after,
        '--before-operation-id',
        'x',
        '--out',
        path.join(dir, 'y.csv'),
      ],
      ['diff', '--before-operation-id', 'a', '--out', path.join(dir, 'z.csv')],
      [
        'diff',
        '--firewall-arn',
        DEFAULT_FIREWALL_ARN,
        '--before-operation-id',
        '6c8d1f9e-2b1a-4c3d-9e8f-0a1b2c3d4e5f',
        '--after-operation-id',
        '0f4e2a7c-9d1b-4e8f-a2c3-5b6d7e8f9a0b',
        '--starting-token',
        't',
        '--out',
        path.join(dir, 'z.csv'),
      ],
    ]) {
      // In process: usage errors are found before any I/O.
      const stderr = new FakeStream({ isTTY: false });
      const code = await main(args, {
        stdout: new FakeStream({ isTTY: false }).asWriteStream(),
        stderr: stderr.asWriteStream(),
      });
      expect(code, `${args.join(' ')}: ${stderr.text()}`).toBe(2);
      // Each names its flag: --starting-token is refused for itself, before any client exists.
      if (args.includes('--starting-token')) expect(stderr.text()).toContain('--starting-token');
    }
    expect(readFileSync(existing, 'utf8')).toBe('keep');
    expect(readdirSync(dir).filter((f) => /^[xyz]\./.test(f))).toEqual([]);
  });
});

describe('nfw-flows diff --before-operation-id --after-operation-id (emulator, real SDK)', () => {
  let emulator: Emulator;
  let client: NetworkFirewallClient;
  let now = T0 * 1000;

  beforeAll(async () => {
    emulator = await startEmulator({ seed: 5, clock: () => now, capture: { flows: 1500, durationMs: 0 } });
    client = new NetworkFirewallClient({
      region: 'us-east-1',
      endpoint: emulator.endpoint,
      credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' },
      retryStrategy: fastRetryStrategy(3, 1) as never,
    });
  });

  afterAll(async () => {
    client.destroy();
    await emulator.close();
  });

  test('two captures of one zone, the clock advanced between them: the same rows as the library from the saved pages', async () => {
    const scope = { FirewallArn: DEFAULT_FIREWALL_ARN, AvailabilityZone: 'us-east-1b' };
    const start = async () =>
      (
        await client.send(
          new StartFlowCaptureCommand({ ...scope, FlowFilters: [{}], MinimumFlowAgeInSeconds: 0 }),
        )
      ).FlowOperationId!;
    const first = await start();
    now += INTERVAL * 1000;
    const second = await start();
    const out = path.join(dir, 'api.ndjson');
    const r = await run([
      'diff',
      '--firewall-arn',
      DEFAULT_FIREWALL_ARN,
      '--availability-zone',
      'us-east-1b',
      '--before-operation-id',
      first,
      '--after-operation-id',
      second,
      '--endpoint-url',
      emulator.endpoint,
      '--out',
      out,
    ]);
    expect(r.code, r.stderr).toBe(0);
    const lines = readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const got = changes(lines);
    expect(got.continuing).toBeGreaterThan(100);
    expect(got.new).toBeGreaterThan(100);
    expect(got.ended).toBeGreaterThan(100);
    expect(lines.every((l) => l.interval_seconds === INTERVAL)).toBe(true);
    expect(new Set(lines.map((l) => l.flow_operation_id_after).filter(Boolean))).toEqual(new Set([second]));
    // The same flows exported to files, diffed by the library: the same counts.
    const files = [path.join(dir, 'op1.ndjson'), path.join(dir, 'op2.ndjson')];
    for (const [i, id] of [first, second].entries()) {
      const e = await run([
        'export',
        '--firewall-arn',
        DEFAULT_FIREWALL_ARN,
        '--availability-zone',
        'us-east-1b',
        '--flow-operation-id',
        id,
        '--endpoint-url',
        emulator.endpoint,
        '--out',
        files[i]!,
        '--quiet',
      ]);
      expect(e.code, e.stderr).toBe(0);
    }
    expect(lines.length).toBe(got.continuing! + got.new! + got.ended!);
    expect(got.continuing! + got.new!).toBe(readFileSync(files[1]!, 'utf8').trim().split('\n').length);
    expect(got.continuing! + got.ended!).toBe(readFileSync(files[0]!, 'utf8').trim().split('\n').length);
  });
});

describe('nfw-flows diff --help', () => {
  test('every example passes the flag checks', async () => {
    const stdout = new FakeStream({ isTTY: false });
    expect(await main(['diff', '--help'], { stdout: stdout.asWriteStream() })).toBe(0);
    const lines = stdout
      .text()
      .split('\n')
      .filter((l) => l.startsWith('  $ nfw-flows '))
      .map((l) => l.slice('  $ nfw-flows '.length).trim().split(/\s+/));
    expect(lines.length).toBeGreaterThanOrEqual(3);
    for (const example of lines) {
      // Saved captures must exist at plan time; outputs go to the temporary directory.
      const argv = example.map((a, i) =>
        example[i - 1] === '--before'
          ? before
          : example[i - 1] === '--after'
            ? after
            : example[i - 1] === '--out'
              ? path.join(dir, `help-${a}`)
              : a,
      );
      const program = buildProgram(async (_command, flags) => {
        diffPlan(flags);
      });
      for (const cmd of [program, ...program.commands]) cmd.exitOverride();
      await expect(program.parseAsync(argv, { from: 'user' }), argv.join(' ')).resolves.toBeDefined();
    }
  });
});
