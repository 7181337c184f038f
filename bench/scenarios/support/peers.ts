/**
 * Peer tools run beside nfw-flows on the same input: stream-json (packed options, just reading the
 * flows) and DuckDB (`read_json` -> Parquet through @duckdb/node-api, in this process).
 */
import { createReadStream } from 'node:fs';
import { importFromCore } from './tools.js';

/** Counts the flows of a capture file with stream-json: the cost of tokenizing alone. */
export async function streamJsonCount(file: string): Promise<number> {
  const { parser } = await importFromCore<{ parser(options: object): unknown }>('stream-json');
  const { pick } = await importFromCore<{ pick(options: object): unknown }>('stream-json/filters/pick.js');
  const { streamArray } = await importFromCore<{ streamArray(): unknown }>(
    'stream-json/streamers/stream-array.js',
  );
  const chain = (
    await importFromCore<{ default: (steps: unknown[]) => AsyncIterable<unknown> }>('stream-chain')
  ).default;
  const pipe = chain([
    createReadStream(file),
    parser({ packValues: true, streamValues: false, packKeys: true, streamKeys: false }),
    pick({ filter: 'Flows' }),
    streamArray(),
  ]);
  let n = 0;
  for await (const _ of pipe) n++;
  return n;
}

interface DuckConnection {
  run(sql: string): Promise<unknown>;
  runAndReadAll(sql: string): Promise<{ getRowObjects(): Record<string, unknown>[] }>;
}
interface DuckModule {
  DuckDBInstance: { create(path: string): Promise<{ connect(): Promise<DuckConnection> }> };
}

export async function duckConnection(): Promise<DuckConnection> {
  const { DuckDBInstance } = await importFromCore<DuckModule>('@duckdb/node-api');
  return (await DuckDBInstance.create(':memory:')).connect();
}

const quote = (text: string) => `'${text.replaceAll("'", "''")}'`;

/**
 * `read_json` of a capture file (one object, or the AWS CLI's merged output) -> Parquet (Snappy,
 * DuckDB's default, unless asked), one row per flow with named columns. The whole file is one JSON object, so
 * maximum_object_size must exceed it.
 */
export async function duckJsonToParquet(
  connection: DuckConnection,
  file: string,
  fileBytes: number,
  out: string,
  compression: 'snappy' | 'zstd' = 'snappy',
): Promise<void> {
  await connection.run(`COPY (
    SELECT f.SourceAddress.AddressDefinition AS source_address,
           f.DestinationAddress.AddressDefinition AS destination_address,
           f.SourcePort AS source_port, f.DestinationPort AS destination_port, f.Protocol AS protocol,
           f.Age AS age, f.PacketCount AS packet_count, f.ByteCount AS byte_count,
           FirewallArn AS firewall_arn, FlowOperationId AS flow_operation_id
    FROM (SELECT unnest(Flows) AS f, FirewallArn, FlowOperationId
          FROM read_json(${quote(file)}, maximum_object_size = ${fileBytes + 1024})))
    TO ${quote(out)} (FORMAT parquet, COMPRESSION ${compression})`);
}

export async function duckCount(connection: DuckConnection, parquet: string): Promise<number> {
  const rows = (
    await connection.runAndReadAll(`SELECT count(*) AS n FROM read_parquet(${quote(parquet)})`)
  ).getRowObjects();
  return Number(rows[0]!.n);
}
