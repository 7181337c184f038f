import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  createFlowGenerator,
  type Emulator,
  makeMetadata,
  type RawFlow,
  startEmulator,
  writeCaptureFile,
} from '@nfw-flows/fixtures';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { main } from '../src/main.js';
import { FakeStream, renderScreen } from './fake-terminal.js';
import {
  ALL_ZONES_EXPORT,
  ARN,
  assertBuilt,
  closeDuckdb,
  ENV,
  query,
  readArrow,
  run,
  sqlString,
  tempDir,
  zoneCapture,
} from './helpers.js';

const OP_A = '11111111-2222-4333-8444-00000000000a';
const OP_B = '11111111-2222-4333-8444-00000000000b';
const OP_FAILED = '11111111-2222-4333-8444-0000000000ff';
const OP_BAD = '11111111-2222-4333-8444-0000000000bd';
const FLOWS_A = 1234;
const FLOWS_B = 300;

// Valid flows with a few invalid ones among them (rejected, counted, kept in --rejects).
const badFlows: RawFlow[] = [
  ...createFlowGenerator({ seed: 5, count: 40 }).flows(),
  {
    SourceAddress: { AddressDefinition: '010.0.0.1' },
    DestinationAddress: { AddressDefinition: '10.0.0.2' },
    Protocol: '6',
  },
  {
    SourceAddress: { AddressDefinition: '10.0.0.1' },
    DestinationAddress: { AddressDefinition: '10.0.0.2' },
    SourcePort: '70000',
  },
];

let emulator: Emulator;
let endpoint: string[];
let tmp: ReturnType<typeof tempDir>;
let bytesA: bigint;

function sumBytes(id: string): bigint {
  const op = emulator.operation(id)!;
  let total = 0n;
  for (let i = 0; i < op.flows.count; i++) total += BigInt(op.flows.flowAt(i).ByteCount ?? 0);
  return total;
}

const exportArgs = (id: string, az: string) => [
  'export',
  '--firewall-arn',
  ARN,
  '--flow-operation-id',
  id,
  '--availability-zone',
  az,
  ...endpoint,
];
const out = (name: string) => path.join(tmp.dir, name);
const statusOf = (file: string) => JSON.parse(readFileSync(`${file}.nfw-status.json`, 'utf8'));
const CORE_VERSION = JSON.parse(
  readFileSync(path.resolve(import.meta.dirname, '../../core/package.json'), 'utf8'),
).version;

beforeAll(async () => {
  assertBuilt();
  emulator = await startEmulator({
    seed: 11,
    operations: [
      { firewallArn: ARN, flowOperationId: OP_A, availabilityZone: 'us-east-1a', flows: FLOWS_A },
      {
        firewallArn: ARN,
        flowOperationId: OP_B,
        availabilityZone: 'us-east-1b',
        flows: FLOWS_B,
        status: 'COMPLETED_WITH_ERRORS',
        statusMessage: 'shard 2 timed out',
      },
      {
        firewallArn: ARN,
        flowOperationId: OP_FAILED,
        availabilityZone: 'us-east-1a',
        flows: 10,
        status: 'FAILED',
        statusMessage: 'engine error',
      },
      { firewallArn: ARN, flowOperationId: OP_BAD, availabilityZone: 'us-east-1a', flows: badFlows },
    ],
  });
  endpoint = ['--endpoint-url', emulator.endpoint];
  tmp = tempDir();
  bytesA = sumBytes(OP_A);
});

afterAll(async () => {
  closeDuckdb();
  await emulator?.close();
  tmp?.cleanup();
});

describe('export from the API, every format, read back by independent readers', () => {
  test('arrow, arrows, parquet, ndjson and csv hold every flow with the exact byte total', async () => {
    const formats = ['flows.arrow', 'flows.arrows', 'flows.parquet', 'flows.ndjson', 'flows.csv'];
    const results = await Promise.all(
      formats.map((f) => run([...exportArgs(OP_A, 'us-east-1a'), '--out', out(f), '--page-size', '100'])),
    );
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    for (const f of ['flows.arrow', 'flows.arrows']) {
      const table = readArrow(out(f));
      expect(table.numRows).toBe(FLOWS_A);
      let total = 0n;
      for (const v of table.getChild('byte_count')!) total += BigInt(v ?? 0);
      expect(total).toBe(bytesA);
      expect(table.schema.metadata.get('nfw_flows.status')).toBe('COMPLETED');
    }
    const readers: Record<string, string> = {
      'flows.parquet': `read_parquet(${sqlString(out('flows.parquet'))})`,
      'flows.ndjson': `read_json(${sqlString(out('flows.ndjson'))}, format = 'newline_delimited')`,
      'flows.csv': `read_csv(${sqlString(out('flows.csv'))}, header = true)`,
    };
    for (const [file, from] of Object.entries(readers)) {
      const [row] = await query(
        `SELECT count(*)::BIGINT AS n, sum(byte_count)::HUGEINT AS bytes, count(DISTINCT flow_operation_id)::BIGINT AS ops FROM ${from}`,
      );
      expect({ file, n: BigInt(row!.n as bigint), bytes: BigInt(row!.bytes as bigint) }).toEqual({
        file,
        n: BigInt(FLOWS_A),
        bytes: bytesA,
      });
      expect(Number(row!.ops)).toBe(1);
    }
    // Each file has its status file: complete, with the counts and the size of the data file.
    for (const f of formats) {
      expect(statusOf(out(f))).toMatchObject({
        file: f,
        format: f.split('.')[1],
        partitioned: false,
        complete: true,
        status: 'COMPLETED',
        flows: FLOWS_A,
        rejected: 0,
        pages: 13,
        bytes: statSync(out(f)).size,
        aggregate: null,
        source: 'api',
        operations: [
          {
            firewall_arn: ARN,
            availability_zone: 'us-east-1a',
            flow_operation_id: OP_A,
            status: 'COMPLETED',
            flows: FLOWS_A,
            rejected: 0,
            pages: 13,
          },
        ],
        schema_version: '1',
        nfw_flows_version: CORE_VERSION,
      });
    }
    // No temporaries or partial directories are left behind.
    expect(readdirSync(tmp.dir).filter((f) => f.includes('nfw-tmp') || f.includes('nfw-partial'))).toEqual(
      [],
    );
  });

  test('stdout NDJSON carries only data; progress and summary go to stderr', async () => {
    const r = await run([...exportArgs(OP_A, 'us-east-1a'), '--out', '-', '--format', 'ndjson']);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(FLOWS_A);
    expect(JSON.parse(lines[0]!).flow_operation_id).toBe(OP_A);
    expect(r.stderr).toContain('1,234 flows');
  });

  test('--quiet prints nothing on stderr', async () => {
    const r = await run([...exportArgs(OP_A, 'us-east-1a'), '--out', out('quiet.csv'), '--quiet']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(existsSync(out('quiet.csv'))).toBe(true);
  });

  test('COMPLETED_WITH_ERRORS: exit 3, the file is written and its metadata says so', async () => {
    const [parquet, arrow] = await Promise.all([
      run([...exportArgs(OP_B, 'us-east-1b'), '--out', out('cwe.parquet')]),
      run([...exportArgs(OP_B, 'us-east-1b'), '--out', out('cwe.arrow')]),
    ]);
    expect(parquet.code).toBe(3);
    expect(arrow.code).toBe(3);
    const kv = await query(
      `SELECT decode(key) AS k, decode(value) AS v FROM parquet_kv_metadata(${sqlString(out('cwe.parquet'))})`,
    );
    expect(kv).toContainEqual({ k: 'nfw_flows.status', v: 'COMPLETED_WITH_ERRORS' });
    expect(kv).toContainEqual({ k: 'nfw_flows.status_message', v: 'shard 2 timed out' });
    const table = readArrow(out('cwe.arrow'));
    expect(table.numRows).toBe(FLOWS_B);
    expect(table.schema.metadata.get('nfw_flows.status')).toBe('COMPLETED_WITH_ERRORS');
    for (const f of ['cwe.parquet', 'cwe.arrow']) expect(statusOf(out(f)).complete).toBe(false);
  });

  test('COMPLETED_WITH_ERRORS in NDJSON and CSV: the status file beside the data says so', async () => {
    const results = await Promise.all(
      ['cwe.ndjson', 'cwe.csv'].map((f) => run([...exportArgs(OP_B, 'us-east-1b'), '--out', out(f)])),
    );
    for (const [i, f] of ['cwe.ndjson', 'cwe.csv'].entries()) {
      const r = results[i]!;
      expect(r.code).toBe(3);
      // The data itself stays plain NDJSON/CSV that every reader opens.
      const [row] = await query(
        `SELECT count(*)::BIGINT AS n FROM ${f.endsWith('.csv') ? 'read_csv' : 'read_json'}(${sqlString(out(f))})`,
      );
      expect(Number(row!.n)).toBe(FLOWS_B);
      expect(statusOf(out(f))).toMatchObject({
        file: f,
        complete: false,
        status: 'COMPLETED_WITH_ERRORS',
        status_message: 'shard 2 timed out',
        flows: FLOWS_B,
        rejected: 0,
        pages: 3,
        bytes: statSync(out(f)).size,
      });
      // The warning names the status file.
      const warning = r.stderr.split('\n').find((l) => l.startsWith('nfw-flows: warning: the operation'));
      expect(warning).toContain(`${f}.nfw-status.json`);
    }
  });

  test('FAILED: exit 1, no file and no partial export', async () => {
    const r = await run([...exportArgs(OP_FAILED, 'us-east-1a'), '--out', out('failed.parquet')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('NFW_OPERATION_FAILED');
    expect(existsSync(out('failed.parquet'))).toBe(false);
    // Neither the data nor a status file.
    expect(readdirSync(tmp.dir).filter((f) => f.startsWith('failed') || f.startsWith('.failed'))).toEqual([]);
  });

  test('rejected records: exit 3, kept with their reason in --rejects; --strict fails with no file', async () => {
    const [lenient, strict] = await Promise.all([
      run([
        ...exportArgs(OP_BAD, 'us-east-1a'),
        '--out',
        out('bad.ndjson'),
        '--rejects',
        out('rejects.ndjson'),
      ]),
      run([...exportArgs(OP_BAD, 'us-east-1a'), '--out', out('strict.ndjson'), '--strict']),
    ]);
    expect(lenient.code).toBe(3);
    expect(readFileSync(out('bad.ndjson'), 'utf8').trimEnd().split('\n')).toHaveLength(40);
    const rejects = readFileSync(out('rejects.ndjson'), 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(rejects.map((r) => r.code)).toEqual(['NFW_AMBIGUOUS_IPV4', 'NFW_INVALID_PORT']);
    expect(rejects[0].raw.SourceAddress.AddressDefinition).toBe('010.0.0.1');
    expect(rejects[1].field).toBe('SourcePort');
    expect(statusOf(out('bad.ndjson'))).toMatchObject({
      complete: false,
      status: 'COMPLETED',
      flows: 40,
      rejected: 2,
    });
    expect(strict.code).toBe(1);
    expect(existsSync(out('strict.ndjson'))).toBe(false);
    expect(existsSync(out('strict.ndjson.nfw-status.json'))).toBe(false);
  });

  test('an existing output is never overwritten without --force', async () => {
    writeFileSync(out('keep.csv'), 'precious\n');
    writeFileSync(out('keep.csv.nfw-status.json'), '{"status": "of the precious file"}\n');
    const refused = await run([...exportArgs(OP_A, 'us-east-1a'), '--out', out('keep.csv')]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--force');
    expect(readFileSync(out('keep.csv'), 'utf8')).toBe('precious\n');
    expect(statusOf(out('keep.csv'))).toEqual({ status: 'of the precious file' });
    const forced = await run([...exportArgs(OP_A, 'us-east-1a'), '--out', out('keep.csv'), '--force']);
    expect(forced.code).toBe(0);
    expect(readFileSync(out('keep.csv'), 'utf8').split('\n')[0]).toContain('firewall_arn');
    expect(statusOf(out('keep.csv'))).toMatchObject({
      complete: true,
      bytes: statSync(out('keep.csv')).size,
    });
  });
});

describe('progress and the final summary on stderr', () => {
  // Plain progress line (stderr is a pipe here) and the summary line of a finished export.
  const PROGRESS = /^nfw-flows export ([\d,]+) pages \| ([\d,]+) flows \| ([\d,]+) flows\/s \| \d+\.\d s$/;
  const SUMMARY =
    /^nfw-flows: wrote (.+): ([\d,]+) flows, ([\d,]+) rejected, ([\d,]+) pages, status (\w+), \d+\.\d s(?:, ([\d.]+ (?:B|KiB|MiB)))?$/;

  test('plain periodic lines (pages, flows, flows/s, elapsed) and a summary; stdout carries only data', async () => {
    emulator.setFaults({ latencyMs: 25 });
    try {
      const env = { NFW_FLOWS_PROGRESS_INTERVAL_MS: '20' };
      const [file, piped] = await Promise.all([
        run([...exportArgs(OP_A, 'us-east-1a'), '--page-size', '100', '--out', out('progress.parquet')], {
          env,
        }),
        run([...exportArgs(OP_A, 'us-east-1a'), '--page-size', '100', '--out', '-', '--format', 'ndjson'], {
          env,
        }),
      ]);
      for (const [r, target] of [
        [file, path.relative(process.cwd(), out('progress.parquet'))],
        [piped, 'stdout'],
      ] as const) {
        expect(r.code, r.stderr).toBe(0);
        expect(r.stderr).not.toContain('\x1b');
        const lines = r.stderr.trimEnd().split('\n');
        const progress = lines.filter((l) => l.startsWith('nfw-flows export '));
        expect(progress.length, r.stderr).toBeGreaterThanOrEqual(2);
        const counts = progress.map((l) => {
          const m = PROGRESS.exec(l);
          expect(m, l).not.toBeNull();
          return { pages: Number(m![1]!.replaceAll(',', '')), flows: Number(m![2]!.replaceAll(',', '')) };
        });
        // Counters only grow, never past the export's totals (13 pages of 100).
        for (let i = 1; i < counts.length; i++) {
          expect(counts[i]!.pages).toBeGreaterThan(counts[i - 1]!.pages);
          expect(counts[i]!.flows).toBeGreaterThanOrEqual(counts[i - 1]!.flows);
        }
        expect(counts.at(-1)!.pages).toBeLessThanOrEqual(13);
        expect(counts.at(-1)!.flows).toBeLessThanOrEqual(FLOWS_A);
        // The summary is the last line: every count, the status, the duration, and the size of a file.
        const summary = SUMMARY.exec(lines.at(-1)!);
        expect(summary, r.stderr).not.toBeNull();
        expect(summary!.slice(1, 6)).toEqual([target, '1,234', '0', '13', 'COMPLETED']);
        expect(summary![6] !== undefined).toBe(target !== 'stdout');
      }
      expect(file.stdout).toBe('');
      const ndjson = piped.stdout.trimEnd().split('\n');
      expect(ndjson).toHaveLength(FLOWS_A);
      for (const line of ndjson) expect(JSON.parse(line).flow_operation_id).toBe(OP_A);
    } finally {
      emulator.setFaults({});
    }
  });

  test('on a terminal the bar is gone when the summary is printed', async () => {
    for (const [k, v] of Object.entries(ENV)) vi.stubEnv(k, v);
    const stderr = new FakeStream({ isTTY: true, columns: 120 });
    const stdout = new FakeStream({ isTTY: false });
    emulator.setFaults({ latencyMs: 40 });
    try {
      const code = await main(
        [...exportArgs(OP_A, 'us-east-1a'), '--page-size', '100', '--out', out('tty.csv')],
        { stderr: stderr.asWriteStream(), stdout: stdout.asWriteStream() },
      );
      expect(code, stderr.text()).toBe(0);
    } finally {
      emulator.setFaults({});
      vi.unstubAllEnvs();
    }
    // The bar was drawn (13 pages at 40 ms each outlast several redraws)...
    expect(stderr.text()).toMatch(/nfw-flows export \d+ pages \| /);
    // ...and the screen ends with the summary alone, the cursor on a clean line below it.
    const screen = renderScreen(stderr.text());
    expect(screen.lines).toHaveLength(1);
    expect(screen.lines[0]).toMatch(SUMMARY);
    expect(screen.lines[0]).toContain('1,234 flows');
    expect({ row: screen.row, col: screen.col, line: screen.cursorLine }).toEqual({
      row: 1,
      col: 0,
      line: '',
    });
    expect(stdout.chunks).toEqual([]);
  });
});

/** `export --all-operations` of both test zones, against the emulator. */
const allZones = () => [...ALL_ZONES_EXPORT, ...endpoint];

describe('bulk exports', () => {
  test('--all-operations --partitioned: Hive partitions that DuckDB reads as one table', async () => {
    const dir = out('lake');
    const r = await run([...allZones(), '--partitioned', '--out', dir, '--concurrency', '3']);
    // OP_B is COMPLETED_WITH_ERRORS and OP_BAD has rejects: the data is there but incomplete.
    expect(r.code, r.stderr).toBe(3);
    const firewallDir = readdirSync(dir).sort();
    expect(firewallDir).toEqual([
      '_nfw-status.json',
      `firewall_arn=${ARN.replaceAll(':', '%3A').replaceAll('/', '%2F')}`,
    ]);
    const rows = await query(
      `SELECT availability_zone, flow_operation_id, count(*)::BIGINT AS n FROM read_parquet(${sqlString(`${dir}/**/*.parquet`)}, hive_partitioning = true) GROUP BY ALL ORDER BY 2`,
    );
    expect(rows.map((x) => [x.availability_zone, x.flow_operation_id, Number(x.n)])).toEqual([
      ['us-east-1a', OP_A, FLOWS_A],
      ['us-east-1b', OP_B, FLOWS_B],
      ['us-east-1a', OP_BAD, 40],
    ]);
    // One status file for the directory (ignored by Hive-style readers), one entry per partition.
    const status = JSON.parse(readFileSync(path.join(dir, '_nfw-status.json'), 'utf8'));
    expect(status).toMatchObject({
      partitioned: true,
      complete: false,
      status: 'COMPLETED_WITH_ERRORS',
      flows: FLOWS_A + FLOWS_B + 40,
      rejected: 2,
    });
    const byId = new Map(
      status.operations.map((o: { flow_operation_id: string }) => [o.flow_operation_id, o]),
    );
    expect(byId.get(OP_B)).toMatchObject({ status: 'COMPLETED_WITH_ERRORS', flows: FLOWS_B });
    expect(byId.get(OP_BAD)).toMatchObject({ status: 'COMPLETED', rejected: 2 });
    let total = 0;
    for (const o of status.operations as Array<{ path: string; bytes: number }>) {
      expect(statSync(path.join(dir, o.path)).size).toBe(o.bytes);
      total += o.bytes;
    }
    expect(status.bytes).toBe(total);
    // As Hive and Spark write datasets: the key columns are in the paths only, not inside the files.
    const inFile = await query(
      `SELECT column_name FROM (DESCRIBE SELECT * FROM read_parquet(${sqlString(path.join(dir, status.operations[0].path))}, hive_partitioning = false))`,
    );
    const names = inFile.map((x) => x.column_name);
    expect(names).toHaveLength(18);
    for (const key of ['firewall_arn', 'availability_zone', 'flow_operation_id'])
      expect(names).not.toContain(key);
  });

  test('--partitioned --format arrow: each partition without its key columns, with its own status', async () => {
    const dir = out('lake-arrow');
    const r = await run([...allZones(), '--partitioned', '--format', 'arrow', '--out', dir]);
    expect(r.code, r.stderr).toBe(3);
    const status = JSON.parse(readFileSync(path.join(dir, '_nfw-status.json'), 'utf8'));
    const operations = status.operations as Array<{
      path: string;
      flows: number;
      status: string;
      bytes: number;
    }>;
    expect(operations.map((o) => o.flows).sort()).toEqual([FLOWS_A, FLOWS_B, 40].sort());
    for (const o of operations) {
      expect(o.path.endsWith('.arrow')).toBe(true);
      const table = readArrow(path.join(dir, o.path));
      expect(table.numRows).toBe(o.flows);
      expect(table.schema.fields.map((f) => f.name)).not.toContain('flow_operation_id');
      // The partition's schema (file footer) carries its own operation's status.
      expect(table.schema.metadata.get('nfw_flows.status')).toBe(o.status);
      expect(statSync(path.join(dir, o.path)).size).toBe(o.bytes);
    }
    expect(new Set(operations.map((o) => o.status))).toEqual(new Set(['COMPLETED', 'COMPLETED_WITH_ERRORS']));
  });

  test('several --flow-operation-id into one file, told apart by the provenance columns', async () => {
    const r = await run([
      'export',
      '--firewall-arn',
      ARN,
      '--flow-operation-id',
      OP_A,
      '--flow-operation-id',
      OP_B,
      '--availability-zone',
      'us-east-1a',
      ...endpoint,
      '--out',
      out('two.parquet'),
    ]);
    // OP_B is in us-east-1b: asking for it in us-east-1a is the service's error, reported as such.
    expect(r.code).toBe(1);
    expect(existsSync(out('two.parquet'))).toBe(false);
  });
});

describe('aggregates, files, top, operations, capture', () => {
  test('--group-by and --top export aggregate rows whose sums match the flows', async () => {
    const [grouped, top] = await Promise.all([
      run([...exportArgs(OP_A, 'us-east-1a'), '--group-by', 'protocol', '--out', out('by-proto.parquet')]),
      run([
        ...exportArgs(OP_A, 'us-east-1a'),
        '--top',
        '5',
        '--by',
        'packets',
        '--key',
        'source/24',
        '--out',
        out('top.ndjson'),
      ]),
    ]);
    expect(grouped.code, grouped.stderr).toBe(0);
    const [g] = await query(
      `SELECT sum(flows)::BIGINT AS flows, sum(bytes)::HUGEINT AS bytes FROM read_parquet(${sqlString(out('by-proto.parquet'))})`,
    );
    expect(BigInt(g!.flows as bigint)).toBe(BigInt(FLOWS_A));
    expect(BigInt(g!.bytes as bigint)).toBe(bytesA);
    expect(statusOf(out('by-proto.parquet'))).toMatchObject({ aggregate: 'group-by', flows: FLOWS_A });
    expect(top.code, top.stderr).toBe(0);
    const rows = readFileSync(out('top.ndjson'), 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(rows.map((x) => x.rank)).toEqual([1, 2, 3, 4, 5]);
    const packets = rows.map((x) => Number(x.packets));
    expect([...packets].sort((a, b) => b - a)).toEqual(packets);
  });

  test('export --input and top --input read a saved response (and stdin)', async () => {
    const flows = [...createFlowGenerator({ seed: 3, count: 250 }).flows()];
    const file = out('saved.json');
    await writeCaptureFile(file, {
      flows,
      metadata: makeMetadata({ FirewallArn: ARN, FlowOperationId: OP_A }),
      shape: 'cli',
    });
    const [csv, top, stdin] = await Promise.all([
      run(['export', '--input', file, '--out', out('saved.csv')]),
      run(['top', '--input', file, '--key', 'destinationPort', '-n', '3', '--json']),
      run(['export', '--input', '-', '--out', '-', '--format', 'ndjson'], { stdin: readFileSync(file) }),
    ]);
    expect(csv.code, csv.stderr).toBe(0);
    const [row] = await query(
      `SELECT count(*)::BIGINT AS n FROM read_csv(${sqlString(out('saved.csv'))}, header = true)`,
    );
    expect(Number(row!.n)).toBe(250);
    expect(statusOf(out('saved.csv'))).toMatchObject({ source: 'file', complete: true, flows: 250 });
    expect(statusOf(out('saved.csv')).operations).toBeUndefined();
    expect(top.code, top.stderr).toBe(0);
    const json = JSON.parse(top.stdout);
    expect(json).toHaveLength(3);
    expect(json[0].rank).toBe(1);
    expect(stdin.code, stdin.stderr).toBe(0);
    expect(stdin.stdout.trimEnd().split('\n')).toHaveLength(250);
  });

  test('top prints a table with bars and shares', async () => {
    const r = await run([
      'top',
      '--firewall-arn',
      ARN,
      '--flow-operation-id',
      OP_A,
      '--availability-zone',
      'us-east-1a',
      ...endpoint,
      '--key',
      'source/16',
      '-n',
      '5',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(6);
    expect(lines[1]).toContain('█');
    expect(lines[1]).toMatch(/\d+\.\d%/);
  });

  test('operations lists the firewall operations as a table and as JSON', async () => {
    const [table, json] = await Promise.all([
      run(['operations', '--firewall-arn', ARN, '--availability-zone', 'us-east-1a', ...endpoint]),
      run(['operations', '--firewall-arn', ARN, '--availability-zone', 'us-east-1a', ...endpoint, '--json']),
    ]);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toContain(OP_A);
    expect(table.stdout).toContain('FAILED');
    expect(json.code).toBe(0);
    const ops = JSON.parse(json.stdout) as Array<{ FlowOperationId: string }>;
    expect(ops.map((o) => o.FlowOperationId).sort()).toEqual([OP_A, OP_BAD, OP_FAILED].sort());
  });

  test('capture starts a flow capture with the filters, waits for it and exports it', async () => {
    const before = new Set(emulator.operations().map((o) => o.flowOperationId));
    const r = await run([
      ...zoneCapture(emulator.endpoint),
      '--destination-port',
      '443',
      '--protocol',
      'TCP',
      '--poll-interval',
      '50ms',
      '--out',
      out('capture.arrow'),
    ]);
    expect(r.code, r.stderr).toBe(0);
    const created = emulator.operations().filter((o) => !before.has(o.flowOperationId));
    expect(created).toHaveLength(1);
    expect(created[0]!.type).toBe('FLOW_CAPTURE');
    expect(readArrow(out('capture.arrow')).numRows).toBe(created[0]!.flowCount);
  });
});
