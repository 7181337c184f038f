/**
 * `nfw-flows table-ddl`: the table definition of a `--partitioned` Parquet dataset, for Athena (with
 * partition projection: no crawler, no MSCK REPAIR), Spark/Glue, or a DuckDB view. The columns are
 * schema v1 minus the partition keys, which the paths hold; the text is built here without I/O.
 *
 * Types: unsigned Arrow integers are written to Parquet as INT32/INT64 with an unsigned INT annotation
 * (UINT_8/16/32/64). Each engine gets the smallest signed type that holds every value:
 * uint8 -> SMALLINT, uint16 -> INT, uint32 -> BIGINT. For uint64 (packet_count, byte_count): Spark reads
 * Parquet UINT_64 as DECIMAL(20,0) and refuses to read it as BIGINT, so the Spark form says
 * DECIMAL(20,0); Athena's Parquet reader takes the INT64 column as BIGINT, which holds every value
 * AWS can return (ByteCount is a signed 64-bit Long and PacketCount a 32-bit Integer in the API), so
 * the Athena form says BIGINT. DuckDB reads UINT_64 natively (UBIGINT).
 */
import { type ColumnType, FLOW_COLUMNS } from '@nfw-flows/core';
import { Command, Option } from 'commander';
import { EXIT_OK } from '../exit.js';
import { PARTITION_KEYS as FLOW_PARTITION_KEYS } from '../export/write-output.js';
import { parseS3Url } from '../output/s3-target.js';
import { CAPTURE_TIME_FORMAT, CAPTURE_TIME_KEY } from '../schedule/capture-time.js';
import { UsageError } from '../usage-error.js';
import type { RunContext } from './export.js';

export type DdlEngine = 'athena' | 'spark' | 'duckdb';
export const DDL_ENGINES: readonly DdlEngine[] = ['athena', 'spark', 'duckdb'];

export interface TableDdlOptions {
  /** Where the dataset is: `s3://bucket/prefix/` (or a local directory for the DuckDB view). */
  location: string;
  table: string;
  database: string;
  engine: DdlEngine;
  /** The dataset of a `capture --every` schedule: a leading `capture_time` partition above the others. */
  captureTime?: boolean;
}

const TYPES: Record<DdlEngine, Record<ColumnType, string>> = {
  athena: {
    utf8: 'string',
    uint8: 'smallint',
    uint16: 'int',
    uint32: 'bigint',
    uint64: 'bigint',
    float64: 'double',
    timestamp_ms: 'timestamp',
  },
  spark: {
    utf8: 'STRING',
    uint8: 'SMALLINT',
    uint16: 'INT',
    uint32: 'BIGINT',
    uint64: 'DECIMAL(20,0)',
    float64: 'DOUBLE',
    timestamp_ms: 'TIMESTAMP',
  },
  duckdb: {
    utf8: 'VARCHAR',
    uint8: 'UTINYINT',
    uint16: 'USMALLINT',
    uint32: 'UINTEGER',
    uint64: 'UBIGINT',
    float64: 'DOUBLE',
    timestamp_ms: 'TIMESTAMPTZ',
  },
};

/** Glue and Athena names: lowercase letters, digits, underscores (Athena lowercases the rest anyway). */
const IDENTIFIER = /^[a-z_][a-z0-9_]{0,254}$/;

/** A DuckDB string literal: a quote is doubled. */
function sqlString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** A Hive (Athena DDL, Spark SQL) string literal: quotes and backslashes take a backslash, not doubling. */
function hiveString(text: string): string {
  return `'${text.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
}

/** The file columns (schema v1 without the partition keys), in file order. */
function fileColumns() {
  return FLOW_COLUMNS.filter((c) => !FLOW_PARTITION_KEYS.includes(c.name));
}

/**
 * capture_time as Athena projects it: a date in the value's format, one second apart (the schedule's
 * resolution), over the last year; queries name a capture_time range, so only it is projected.
 */
const CAPTURE_TIME_PROJECTION = [
  `  'projection.${CAPTURE_TIME_KEY}.type' = 'date'`,
  // Double quotes: the format holds single quotes, which a Hive DDL string cannot double.
  `  'projection.${CAPTURE_TIME_KEY}.format' = "${CAPTURE_TIME_FORMAT}"`,
  `  'projection.${CAPTURE_TIME_KEY}.range' = 'NOW-1YEARS,NOW'`,
  `  'projection.${CAPTURE_TIME_KEY}.interval' = '1'`,
  `  'projection.${CAPTURE_TIME_KEY}.interval.unit' = 'SECONDS'`,
].join(',\n');

/** The CREATE statement(s) for `engine`, ending with a newline. */
export function tableDdl(options: TableDdlOptions): string {
  const { location, table, database, engine } = options;
  const types = TYPES[engine];
  const columns = fileColumns();
  const keys = options.captureTime ? [CAPTURE_TIME_KEY, ...FLOW_PARTITION_KEYS] : FLOW_PARTITION_KEYS;
  if (engine === 'athena') {
    const width = Math.max(...columns.map((c) => c.name.length)) + 2;
    return [
      `CREATE EXTERNAL TABLE IF NOT EXISTS \`${database}\`.\`${table}\` (`,
      columns.map((c) => `  ${`\`${c.name}\``.padEnd(width)} ${types[c.type]}`).join(',\n'),
      ')',
      `PARTITIONED BY (${keys.map((k) => `\`${k}\` string`).join(', ')})`,
      'STORED AS PARQUET',
      `LOCATION ${hiveString(location)}`,
      'TBLPROPERTIES (',
      "  'projection.enabled' = 'true',",
      keys
        .map((k) =>
          k === CAPTURE_TIME_KEY ? CAPTURE_TIME_PROJECTION : `  'projection.${k}.type' = 'injected'`,
        )
        .join(',\n'),
      ');',
      '',
    ].join('\n');
  }
  if (engine === 'spark') {
    const all = [...columns, ...keys.map((name) => ({ name, type: 'utf8' as const }))];
    return [
      `CREATE TABLE IF NOT EXISTS ${database}.${table} (`,
      all.map((c) => `  ${c.name} ${types[c.type]}`).join(',\n'),
      ')',
      'USING PARQUET',
      `PARTITIONED BY (${keys.join(', ')})`,
      `LOCATION ${hiveString(location)};`,
      `MSCK REPAIR TABLE ${database}.${table};`,
      '',
    ].join('\n');
  }
  const glob = `${location.endsWith('/') ? location : `${location}/`}${'*/'.repeat(keys.length)}*.parquet`;
  return [
    `CREATE OR REPLACE VIEW ${table} AS`,
    'SELECT',
    [...columns, ...keys.map((name) => ({ name, type: 'utf8' as const }))]
      .map((c) => `  CAST(${c.name} AS ${types[c.type]}) AS ${c.name}`)
      .join(',\n'),
    `FROM read_parquet(${sqlString(glob)}, hive_partitioning = true);`,
    '',
  ].join('\n');
}

/** The DDL plan from the command's flags, checked before anything is printed. */
export function tableDdlOptions(flags: Record<string, unknown>): TableDdlOptions {
  const location = typeof flags.location === 'string' ? flags.location : '';
  if (location === '')
    throw new UsageError(
      '--location',
      undefined,
      'is required',
      'the --out of a --partitioned export: s3://bucket/prefix/',
    );
  parseS3Url('--location', location, true);
  const format = (flags.format as string | undefined) ?? 'parquet';
  if (format !== 'parquet')
    throw new UsageError('--format', format, 'is not supported', 'table-ddl describes Parquet datasets');
  const names: Record<string, string> = {};
  for (const [flag, key, fallback] of [
    ['--table', 'table', 'nfw_flows'],
    ['--database', 'database', 'default'],
  ] as const) {
    const value = (flags[key] as string | undefined) ?? fallback;
    if (!IDENTIFIER.test(value))
      throw new UsageError(
        flag,
        value,
        'is not a Glue/Athena name',
        'lowercase letters, digits and underscores',
      );
    names[key] = value;
  }
  return {
    location,
    table: names.table!,
    database: names.database!,
    engine: flags.engine as DdlEngine,
    ...(flags.captureTime === true ? { captureTime: true } : {}),
  };
}

export function runTableDdl(flags: Record<string, unknown>, ctx: RunContext): number {
  ctx.stdout.write(tableDdl(tableDdlOptions(flags)));
  return EXIT_OK;
}

/** The commander definition; `action` is the program's dispatcher (main.ts). */
export function tableDdlCommand(
  action: (command: string, flags: Record<string, unknown>) => Promise<void>,
): Command {
  return new Command('table-ddl')
    .description(
      'print the CREATE TABLE of a --partitioned Parquet dataset on S3 (Athena with partition projection, Spark/Glue, DuckDB)',
    )
    .option('--location <s3-url>', 'the dataset: the --out of a --partitioned export, s3://bucket/prefix/')
    .option('--table <name>', 'table name', 'nfw_flows')
    .option('--database <name>', 'database (Glue catalog)', 'default')
    .option('--format <format>', 'file format of the dataset (parquet)', 'parquet')
    .option('--capture-time', 'the dataset of capture --every: a capture_time partition above the others')
    .addOption(new Option('--engine <engine>', 'SQL dialect').choices(DDL_ENGINES).default('athena'))
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  $ nfw-flows table-ddl --location s3://my-lake/nfw-flows/ --database security --table flows',
        '  $ nfw-flows table-ddl --location s3://my-lake/nfw-flows/ --engine spark',
        '  $ nfw-flows table-ddl --location s3://my-lake/series/ --capture-time   # capture --every datasets',
      ].join('\n'),
    )
    .action(async (flags: Record<string, unknown>) => action('table-ddl', flags));
}
