/**
 * `nfw-flows table-ddl`: the exact Athena text (golden), the Spark/Glue differences, usage errors, and
 * the DuckDB form run over a partitioned dataset the CLI wrote, with exact totals and the declared types.
 */
import { type Emulator, startEmulator } from '@nfw-flows/fixtures';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { tableDdl, tableDdlOptions } from '../src/commands/table-ddl.js';
import { UsageError } from '../src/usage-error.js';
import { ARN, assertBuilt, closeDuckdb, query, run, tempDir } from './helpers.js';

const ATHENA = `CREATE EXTERNAL TABLE IF NOT EXISTS \`security\`.\`flows\` (
  \`vpc_endpoint_id\`              string,
  \`vpc_endpoint_association_arn\` string,
  \`flow_request_timestamp\`       timestamp,
  \`source_address\`               string,
  \`source_ip_version\`            smallint,
  \`source_prefix_length\`         smallint,
  \`source_port_from\`             int,
  \`source_port_to\`               int,
  \`destination_address\`          string,
  \`destination_ip_version\`       smallint,
  \`destination_prefix_length\`    smallint,
  \`destination_port_from\`        int,
  \`destination_port_to\`          int,
  \`protocol\`                     smallint,
  \`protocol_name\`                string,
  \`age_seconds\`                  bigint,
  \`packet_count\`                 bigint,
  \`byte_count\`                   bigint
)
PARTITIONED BY (\`firewall_arn\` string, \`availability_zone\` string, \`flow_operation_id\` string)
STORED AS PARQUET
LOCATION 's3://my-lake/nfw/flows/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.firewall_arn.type' = 'injected',
  'projection.availability_zone.type' = 'injected',
  'projection.flow_operation_id.type' = 'injected'
);
`;

describe('DDL text', () => {
  test('Athena: schema v1 without the partition keys, projection of the three keys (golden)', () => {
    const options = tableDdlOptions({
      location: 's3://my-lake/nfw/flows/',
      table: 'flows',
      database: 'security',
      engine: 'athena',
    });
    expect(tableDdl(options)).toBe(ATHENA);
  });

  test('Spark/Glue: uint64 counters as DECIMAL(20,0), keys as partition columns, MSCK REPAIR', () => {
    const text = tableDdl({ location: "s3://b-1/it's/", table: 't', database: 'd', engine: 'spark' });
    expect(text).toContain('  byte_count DECIMAL(20,0),\n');
    expect(text).toContain('  packet_count DECIMAL(20,0),\n');
    expect(text).toContain('  age_seconds BIGINT,\n');
    expect(text).toContain('PARTITIONED BY (firewall_arn, availability_zone, flow_operation_id)\n');
    expect(text).toContain("LOCATION 's3://b-1/it\\'s/';\n");
    expect(text.endsWith('MSCK REPAIR TABLE d.t;\n')).toBe(true);
  });

  test('a quote or backslash in the location: backslash escapes for Hive (Athena, Spark), doubling for DuckDB', () => {
    const location = "s3://b-1/it's\\x/";
    const base = { location, table: 't', database: 'd' };
    expect(tableDdl({ ...base, engine: 'athena' })).toContain("LOCATION 's3://b-1/it\\'s\\\\x/'\n");
    expect(tableDdl({ ...base, engine: 'spark' })).toContain("LOCATION 's3://b-1/it\\'s\\\\x/';\n");
    expect(tableDdl({ ...base, engine: 'duckdb' })).toContain(
      "read_parquet('s3://b-1/it''s\\x/*/*/*/*.parquet'",
    );
  });

  test('--capture-time: a leading capture_time partition, projected as a date in its format', () => {
    const options = tableDdlOptions({
      location: 's3://my-lake/nfw/flows/',
      table: 'flows',
      database: 'security',
      engine: 'athena',
      captureTime: true,
    });
    const text = tableDdl(options);
    expect(text).toBe(
      ATHENA.replace('PARTITIONED BY (', 'PARTITIONED BY (`capture_time` string, ').replace(
        "  'projection.enabled' = 'true',\n",
        [
          "  'projection.enabled' = 'true',",
          "  'projection.capture_time.type' = 'date',",
          `  'projection.capture_time.format' = "yyyyMMdd'T'HHmmss'Z'",`,
          "  'projection.capture_time.range' = 'NOW-1YEARS,NOW',",
          "  'projection.capture_time.interval' = '1',",
          "  'projection.capture_time.interval.unit' = 'SECONDS',",
          '',
        ].join('\n'),
      ),
    );
    const spark = tableDdl({ ...options, engine: 'spark' });
    expect(spark).toContain(
      'PARTITIONED BY (capture_time, firewall_arn, availability_zone, flow_operation_id)\n',
    );
    expect(spark).toContain('  capture_time STRING,\n');
    const duck = tableDdl({ ...options, engine: 'duckdb' });
    expect(duck).toContain(
      "read_parquet('s3://my-lake/nfw/flows/*/*/*/*/*.parquet', hive_partitioning = true)",
    );
    expect(duck).toContain('  CAST(capture_time AS VARCHAR) AS capture_time,\n');
  });

  test.each([
    [{}, '--location'],
    [{ location: 's3://my-lake/flows' }, '--location'],
    [{ location: '/tmp/flows/' }, '--location'],
    [{ location: 's3://my-lake/flows/', table: 'Flows-1' }, '--table'],
    [{ location: 's3://my-lake/flows/', database: 'a;b' }, '--database'],
    [{ location: 's3://my-lake/flows/', format: 'csv' }, '--format'],
  ])('%j is a usage error on %s', (flags, flag) => {
    let error: unknown;
    try {
      tableDdlOptions({ engine: 'athena', ...flags });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).flag).toBe(flag);
  });

  test('the CLI prints it on stdout', async () => {
    assertBuilt();
    const r = await run([
      'table-ddl',
      '--location',
      's3://my-lake/nfw/flows/',
      '--database',
      'security',
      '--table',
      'flows',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(ATHENA);
    const bad = await run(['table-ddl', '--location', 's3://my-lake/nfw/flows']);
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe('');
  });
});

describe('the DuckDB form over a dataset the CLI wrote', () => {
  const OPS = [
    { id: '11111111-2222-4333-8444-000000000001', az: 'us-east-1a', flows: 700 },
    { id: '11111111-2222-4333-8444-000000000002', az: 'us-east-1b', flows: 300 },
  ];
  let emulator: Emulator;
  let tmp: ReturnType<typeof tempDir>;
  beforeAll(async () => {
    assertBuilt();
    emulator = await startEmulator({
      seed: 3,
      operations: OPS.map((o) => ({
        firewallArn: ARN,
        flowOperationId: o.id,
        availabilityZone: o.az,
        flows: o.flows,
      })),
    });
    tmp = tempDir();
  });
  afterAll(async () => {
    closeDuckdb();
    await emulator?.close();
    tmp?.cleanup();
  });

  test('a view with the declared types reads every flow with the exact byte total', async () => {
    const dir = `${tmp.dir}/lake/`;
    const args = ['export', '--firewall-arn', ARN, '--all-operations', '--endpoint-url', emulator.endpoint];
    for (const o of OPS) args.push('--availability-zone', o.az);
    const r = await run([...args, '--partitioned', '--out', dir]);
    expect(r.code, r.stderr).toBe(0);
    let bytes = 0n;
    for (const o of OPS) {
      const op = emulator.operation(o.id)!;
      for (let i = 0; i < op.flows.count; i++) bytes += BigInt(op.flows.flowAt(i).ByteCount ?? 0);
    }
    await query(tableDdl({ location: dir, table: 'nfw_flows', database: 'main', engine: 'duckdb' }));
    const rows = await query(
      'SELECT flow_operation_id, availability_zone, firewall_arn, count(*)::BIGINT AS n, sum(byte_count)::VARCHAR AS b FROM nfw_flows GROUP BY ALL ORDER BY 1',
    );
    expect(rows.map((x) => [x.flow_operation_id, x.availability_zone, x.firewall_arn, Number(x.n)])).toEqual(
      OPS.map((o) => [o.id, o.az, ARN, o.flows]),
    );
    expect(rows.reduce((t, x) => t + BigInt(x.b as string), 0n)).toBe(bytes);
    const types = await query('DESCRIBE nfw_flows');
    const typeOf = new Map(types.map((t) => [t.column_name, t.column_type]));
    expect(typeOf.get('byte_count')).toBe('UBIGINT');
    expect(typeOf.get('flow_request_timestamp')).toBe('TIMESTAMP WITH TIME ZONE');
    expect(typeOf.get('firewall_arn')).toBe('VARCHAR');
  });
});
