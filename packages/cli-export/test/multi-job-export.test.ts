/**
 * Single-file API exports of several jobs: paged at once (--concurrency 2), every format gives the
 * records of the job spools in job order (arrow against arrows; ndjson and csv against arrows), and
 * failures, kills and resumes leave no temporary and exactly the data; paged one after another
 * (--concurrency 1), the output written while paging is the same as the one built from the spools.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createFlowGenerator, type Emulator, type RawFlow, startEmulator } from '@nfw-flows/fixtures';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  ALL_ZONES_EXPORT,
  ARN,
  assertBuilt,
  closeDuckdb,
  query,
  readArrow,
  run,
  SHORT_STALL,
  sqlString,
  tempDir,
} from './helpers.js';

const OPS = [
  { id: '33333333-2222-4333-8444-00000000000a', az: 'us-east-1a', flows: 1250 },
  { id: '33333333-2222-4333-8444-00000000000b', az: 'us-east-1a', flows: 430 },
  { id: '33333333-2222-4333-8444-00000000000c', az: 'us-east-1b', flows: 980 },
];
const TOTAL = OPS.reduce((n, o) => n + o.flows, 0);
const OP_BAD = '33333333-2222-4333-8444-0000000000bd';
const badFlows: RawFlow[] = [
  ...createFlowGenerator({ seed: 9, count: 300 }).flows(),
  {
    SourceAddress: { AddressDefinition: '010.0.0.1' },
    DestinationAddress: { AddressDefinition: '10.0.0.2' },
  },
];

let emulator: Emulator;
let bad: Emulator;
let tmp: ReturnType<typeof tempDir>;
const out = (name: string) => path.join(tmp.dir, name);
const args = (endpoint: string) => [
  ...ALL_ZONES_EXPORT,
  '--endpoint-url',
  endpoint,
  '--page-size',
  '50',
  '--concurrency',
  '2',
];
const temporaries = () => readdirSync(tmp.dir).filter((f) => f.includes('nfw-tmp'));

/** Rows of an Arrow file or stream as JSON lines, in file order. */
function arrowRows(file: string): string[] {
  return readArrow(file)
    .toArray()
    .map((r) => JSON.stringify(r.toJSON(), (_k, v) => (typeof v === 'bigint' ? v.toString() : v)));
}

function checkpointRecords(file: string): number {
  try {
    const cp = JSON.parse(readFileSync(path.join(`${file}.nfw-partial`, 'checkpoint.json'), 'utf8'));
    return (cp.jobs as { records: number }[]).reduce((n, j) => n + j.records, 0);
  } catch {
    return 0;
  }
}

/** Each row's (operation, source, destination, bytes), in file order, read by DuckDB. */
async function keysOf(from: string): Promise<string[]> {
  const rows = await query(
    `SELECT flow_operation_id, source_address, destination_address, byte_count FROM ${from}`,
  );
  return rows.map((r) => JSON.stringify(r, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)));
}

beforeAll(async () => {
  assertBuilt();
  emulator = await startEmulator({
    seed: 31,
    operations: OPS.map((o) => ({
      firewallArn: ARN,
      flowOperationId: o.id,
      availabilityZone: o.az,
      flows: o.flows,
    })),
  });
  bad = await startEmulator({
    seed: 32,
    operations: [
      { firewallArn: ARN, flowOperationId: OPS[0]!.id, availabilityZone: 'us-east-1a', flows: 2000 },
      { firewallArn: ARN, flowOperationId: OP_BAD, availabilityZone: 'us-east-1b', flows: badFlows },
    ],
  });
  tmp = tempDir();
  // The reference: arrows, built from the jobs' spools after the paging.
  const ref = await run([...args(emulator.endpoint), '--format', 'arrows', '--out', out('ref.arrows')]);
  expect(ref.code, ref.stderr).toBe(0);
});

afterAll(async () => {
  closeDuckdb();
  await emulator?.close();
  await bad?.close();
  tmp?.cleanup();
});

describe('several jobs into one file (--concurrency 2)', () => {
  test('arrow: the same rows in the same order as arrows; the final status in the footer', async () => {
    emulator.setFaults({ latencyMs: [0, 4] });
    const r = await run([...args(emulator.endpoint), '--out', out('all.arrow')]);
    emulator.setFaults({});
    expect(r.code, r.stderr).toBe(0);
    const rows = arrowRows(out('all.arrow'));
    expect(rows).toHaveLength(TOTAL);
    expect(rows).toEqual(arrowRows(out('ref.arrows')));
    // Job order: each operation's flows together, in the order of the status file's operations.
    const status = JSON.parse(readFileSync(`${out('all.arrow')}.nfw-status.json`, 'utf8'));
    expect(status).toMatchObject({ complete: true, flows: TOTAL, status: 'COMPLETED' });
    const runs: string[] = [];
    for (const row of readArrow(out('all.arrow')).getChild('flow_operation_id')!.toArray() as string[])
      if (runs.at(-1) !== row) runs.push(row);
    expect(runs).toEqual(status.operations.map((o: { flow_operation_id: string }) => o.flow_operation_id));
    const metadata = readArrow(out('all.arrow')).schema.metadata;
    expect(metadata.get('nfw_flows.status')).toBe('COMPLETED');
    expect(metadata.get('nfw_flows.status')).toBe(
      readArrow(out('ref.arrows')).schema.metadata.get('nfw_flows.status'),
    );
  });

  test('ndjson and csv: the rows of arrows, in order (DuckDB)', async () => {
    const [nd, csv] = await Promise.all([
      run([...args(emulator.endpoint), '--format', 'ndjson', '--out', out('all.ndjson')]),
      run([...args(emulator.endpoint), '--format', 'csv', '--out', out('all.csv')]),
    ]);
    expect(nd.code, nd.stderr).toBe(0);
    expect(csv.code, csv.stderr).toBe(0);
    const arrows = readArrow(out('ref.arrows'));
    const expected = arrows.toArray().map((r) =>
      JSON.stringify({
        flow_operation_id: r.flow_operation_id,
        source_address: r.source_address,
        destination_address: r.destination_address,
        byte_count: r.byte_count === null ? null : String(r.byte_count),
      }),
    );
    expect(expected).toHaveLength(TOTAL);
    expect(await keysOf(`read_json_auto(${sqlString(out('all.ndjson'))})`)).toEqual(expected);
    expect(await keysOf(`read_csv_auto(${sqlString(out('all.csv'))})`)).toEqual(expected);
  });

  test('a paging failure mid-way: no temporary, a resumable partial; --resume gives exactly the data', async () => {
    emulator.setFaults({ failAfterPages: 30, failKind: 'error' });
    const file = out('failed.arrow');
    // A lasting outage: a stall budget of 200 ms gives up after a few quick retries.
    const failed = await run([...args(emulator.endpoint), '--out', file, ...SHORT_STALL], {
      env: { AWS_MAX_ATTEMPTS: '2' },
    });
    emulator.setFaults({});
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('NFW_PAGINATION_FAILED');
    expect(failed.stderr).toContain('--resume');
    expect(existsSync(file)).toBe(false);
    expect(temporaries()).toEqual([]);
    expect(existsSync(`${file}.nfw-partial`)).toBe(true);
    expect(checkpointRecords(file)).toBeGreaterThan(0);
    expect(checkpointRecords(file)).toBeLessThan(TOTAL);
    const resumed = await run([...args(emulator.endpoint), '--out', file, '--resume']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(arrowRows(file)).toEqual(arrowRows(out('ref.arrows')));
    expect(temporaries()).toEqual([]);
  });

  test('kill -9 mid-export, then --resume: exactly the rows of a clean run', async () => {
    emulator.setFaults({ latencyMs: 30 });
    const file = out('killed.csv');
    const killed = await run([...args(emulator.endpoint), '--format', 'csv', '--out', file], {
      onSpawn: (child) => {
        const timer = setInterval(() => {
          if (checkpointRecords(file) >= 600) {
            clearInterval(timer);
            child.kill('SIGKILL');
          }
        }, 10);
        child.on('close', () => clearInterval(timer));
      },
    });
    emulator.setFaults({});
    expect(killed.signal).toBe('SIGKILL');
    expect(existsSync(file)).toBe(false);
    expect(checkpointRecords(file)).toBeLessThan(TOTAL);
    const resumed = await run([...args(emulator.endpoint), '--format', 'csv', '--out', file, '--resume']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(readFileSync(file)).toEqual(readFileSync(out('all.csv')));
    expect(temporaries()).toEqual([]);
  });

  test('a non-resumable failure (--strict, an invalid record) removes the temporary and the partial', async () => {
    const file = out('strict.arrow');
    const r = await run([...args(bad.endpoint), '--strict', '--out', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).not.toContain('--resume');
    expect(existsSync(file)).toBe(false);
    expect(existsSync(`${file}.nfw-partial`)).toBe(false);
    expect(temporaries()).toEqual([]);
  });
});

describe('jobs paged one after another (--concurrency 1): the output is written while paging', () => {
  let mixed: Emulator;
  const MIXED = [
    { id: '44444444-2222-4333-8444-00000000000a', flows: 700 },
    {
      id: '44444444-2222-4333-8444-00000000000b',
      flows: 300,
      status: 'COMPLETED_WITH_ERRORS' as const,
      statusMessage: 'one shard lost',
    },
  ];
  const mixedArgs = (concurrency: string) => [
    'export',
    '--firewall-arn',
    ARN,
    '--all-operations',
    '--availability-zone',
    'us-east-1a',
    '--endpoint-url',
    mixed.endpoint,
    '--page-size',
    '50',
    '--concurrency',
    concurrency,
  ];

  beforeAll(async () => {
    mixed = await startEmulator({
      seed: 33,
      operations: MIXED.map((o) => ({
        firewallArn: ARN,
        flowOperationId: o.id,
        availabilityZone: 'us-east-1a',
        flows: o.flows,
        ...(o.status ? { status: o.status, statusMessage: o.statusMessage } : {}),
      })),
    });
  });
  afterAll(async () => {
    await mixed?.close();
  });

  test("a later job's status differs from the header written during the first: the file is built from the spools", async () => {
    const live = await run([...mixedArgs('1'), '--format', 'arrow', '--out', out('mixed-live.arrow')]);
    expect(live.code, live.stderr).toBe(3);
    const spooled = await run([...mixedArgs('2'), '--format', 'arrow', '--out', out('mixed-spooled.arrow')]);
    expect(spooled.code, spooled.stderr).toBe(3);
    const table = readArrow(out('mixed-live.arrow'));
    expect(table.numRows).toBe(1000);
    expect(table.schema.metadata.get('nfw_flows.status')).toBe('COMPLETED_WITH_ERRORS');
    expect(arrowRows(out('mixed-live.arrow'))).toEqual(arrowRows(out('mixed-spooled.arrow')));
    const status = JSON.parse(readFileSync(`${out('mixed-live.arrow')}.nfw-status.json`, 'utf8'));
    expect(status).toMatchObject({ complete: false, flows: 1000, status: 'COMPLETED_WITH_ERRORS' });
    expect(temporaries()).toEqual([]);
  });

  test('ndjson written while paging has the rows of the spooled export, in job order', async () => {
    const live = await run([...mixedArgs('1'), '--format', 'ndjson', '--out', out('mixed-live.ndjson')]);
    expect(live.code, live.stderr).toBe(3);
    const spooled = await run([
      ...mixedArgs('2'),
      '--format',
      'ndjson',
      '--out',
      out('mixed-spooled.ndjson'),
    ]);
    expect(spooled.code, spooled.stderr).toBe(3);
    const lines = readFileSync(out('mixed-live.ndjson'), 'utf8').trim().split('\n');
    expect(lines).toHaveLength(1000);
    expect(readFileSync(out('mixed-live.ndjson'), 'utf8')).toBe(
      readFileSync(out('mixed-spooled.ndjson'), 'utf8'),
    );
    expect(new Set(lines.map((l) => JSON.parse(l).flow_operation_id)).size).toBe(2);
  });
});
