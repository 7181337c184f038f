import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeDuckdb, query as duck } from '@nfw-flows/fixtures/testing';
import pl from 'nodejs-polars';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { toArrow, toCsv, toNdjson, toParquet } from '../../src/serialize/index.js';
import type { FlowRecord } from '../../src/types.js';
import { makeRecords, runBytes } from './helpers.js';

// Independent readers (polars' Rust IPC reader, DuckDB's Parquet/JSON/CSV readers) as oracles.
const COUNT = 50_000;
const records = makeRecords(COUNT, 42);
let dir: string;

function totals(rs: FlowRecord[]) {
  let bytes = 0n;
  let packets = 0n;
  let nullBytes = 0;
  const byProtocol = new Map<string, bigint>();
  for (const r of rs) {
    if (r.byteCount === null) nullBytes++;
    else bytes += BigInt(r.byteCount);
    if (r.packetCount !== null) packets += BigInt(r.packetCount);
    const key = r.protocol?.name ?? 'null';
    byProtocol.set(key, (byProtocol.get(key) ?? 0n) + BigInt(r.byteCount ?? 0));
  }
  return { bytes, packets, nullBytes, byProtocol };
}
const expected = totals(records);

async function checkSums(from: string): Promise<void> {
  const [row] = await duck(
    `SELECT count(*)::VARCHAR AS n, sum(byte_count)::VARCHAR AS bytes, sum(packet_count)::VARCHAR AS packets,
            count(*) FILTER (WHERE byte_count IS NULL)::VARCHAR AS null_bytes FROM ${from}`,
  );
  expect(row).toEqual({
    n: String(COUNT),
    bytes: String(expected.bytes),
    packets: String(expected.packets),
    null_bytes: String(expected.nullBytes),
  });
  const groups = await duck(
    `SELECT coalesce(protocol_name, 'null') AS p, sum(coalesce(byte_count, 0))::VARCHAR AS b FROM ${from} GROUP BY 1`,
  );
  expect(new Map(groups.map((g) => [g.p as string, BigInt(g.b as string)]))).toEqual(expected.byProtocol);
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'nfw-serialize-'));
});
afterAll(() => {
  closeDuckdb();
  rmSync(dir, { recursive: true, force: true });
});

describe('polars reads the Arrow IPC output', () => {
  for (const format of ['file', 'stream'] as const) {
    test(`${format} format: dtypes and values`, async () => {
      const bytes = await runBytes(records, toArrow({ format, batchSize: 8192 }));
      const df = format === 'file' ? pl.readIPC(bytes) : pl.readIPCStream(bytes);
      expect(df.height).toBe(COUNT);
      expect(String(df.getColumn('byte_count').dtype)).toBe('DataType(UInt64)');
      expect(String(df.getColumn('packet_count').dtype)).toBe('DataType(UInt64)');
      expect(String(df.getColumn('flow_request_timestamp').dtype)).toBe('DataType(Datetime(ms,UTC))');
      expect(String(df.getColumn('source_port_from').dtype)).toBe('DataType(UInt16)');
      expect(String(df.getColumn('protocol').dtype)).toBe('DataType(UInt8)');
      expect(String(df.getColumn('age_seconds').dtype)).toBe('DataType(UInt32)');
      expect(String(df.getColumn('source_address').dtype)).toBe('DataType(String)');
      // polars hands UInt64 back as bigint: exact. Compared as joined text to keep a failure's diff cheap.
      const values = df.getColumn('byte_count').toArray() as (bigint | null)[];
      expect(values.map(String).join()).toBe(records.map((r) => String(r.byteCount)).join());
      let sum = 0n;
      for (const v of values) if (v !== null) sum += BigInt(v);
      expect(sum).toBe(expected.bytes);
      expect((df.getColumn('source_address').toArray() as string[]).join()).toBe(
        records.map((r) => r.source.text).join(),
      );
      const ms = df.getColumn('flow_request_timestamp').toArray() as unknown[];
      expect(new Date(ms[0] as Date).getTime()).toBe(records[0].flowRequestTimestamp!.getTime());
      expect(df.getColumn('byte_count').nullCount()).toBe(expected.nullBytes);
    });
  }
});

describe('DuckDB reads Parquet, NDJSON and CSV', () => {
  test('Parquet: same sums and group-bys, UBIGINT counts, UTC timestamps, nfw_flows metadata', async () => {
    const bytes = await runBytes(
      records,
      toParquet({ rowGroupSize: 10_000, metadata: { 'nfw_flows.status': 'COMPLETED' } }),
    );
    const file = join(dir, 'flows.parquet');
    writeFileSync(file, bytes);
    await checkSums(`read_parquet('${file}')`);
    const [types] = await duck(
      `SELECT typeof(byte_count) AS b, typeof(flow_request_timestamp) AS t, typeof(source_port_from) AS p,
              typeof(protocol) AS proto, typeof(age_seconds) AS age,
              epoch_ms(flow_request_timestamp)::VARCHAR AS ms FROM read_parquet('${file}') LIMIT 1`,
    );
    expect(types).toEqual({
      b: 'UBIGINT',
      t: 'TIMESTAMP WITH TIME ZONE',
      p: 'USMALLINT',
      proto: 'UTINYINT',
      age: 'UINTEGER',
      ms: String(records[0].flowRequestTimestamp!.getTime()),
    });
    const [groups] = await duck(
      `SELECT count(*)::VARCHAR AS n FROM parquet_metadata('${file}') WHERE column_id = 0`,
    );
    expect(groups.n).toBe('5');
    const kv = await duck(
      `SELECT decode(key) AS k, decode(value) AS v FROM parquet_kv_metadata('${file}') WHERE decode(key) LIKE 'nfw_flows.%'`,
    );
    expect(Object.fromEntries(kv.map((r) => [r.k, r.v]))).toMatchObject({
      'nfw_flows.schema_version': '1',
      'nfw_flows.status': 'COMPLETED',
    });
  });

  test('NDJSON: same sums and group-bys', async () => {
    const file = join(dir, 'flows.ndjson');
    writeFileSync(file, await runBytes(records, toNdjson()));
    await checkSums(
      `read_json('${file}', format='newline_delimited', columns={byte_count: 'UBIGINT', packet_count: 'UBIGINT', protocol_name: 'VARCHAR'})`,
    );
  });

  test('CSV: same sums and group-bys', async () => {
    const file = join(dir, 'flows.csv');
    writeFileSync(file, await runBytes(records, toCsv()));
    await checkSums(
      `read_csv('${file}', header=true, types={'byte_count': 'UBIGINT', 'packet_count': 'UBIGINT'})`,
    );
  });
});
