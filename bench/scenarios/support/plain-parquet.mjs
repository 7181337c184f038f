// The plain Node script peer for Parquet: what a user writes without nfw-flows. The whole file through
// JSON.parse, one object per flow (addresses as text), apache-arrow's tableFromJSON, then parquet-wasm
// (zstd), which takes Arrow IPC stream bytes. Prints the row count.
// Usage: node plain-parquet.mjs <capture.json> <out.parquet>
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const fromCore = createRequire(new URL('../../../packages/core/package.json', import.meta.url));
const arrow = fromCore('apache-arrow');
const parquet = fromCore('parquet-wasm');
const [file, out] = process.argv.slice(2);
const doc = JSON.parse(readFileSync(file, 'utf8'));
const rows = doc.Flows.map((f) => ({
  firewall_arn: doc.FirewallArn,
  flow_operation_id: doc.FlowOperationId,
  source_address: f.SourceAddress?.AddressDefinition ?? null,
  destination_address: f.DestinationAddress?.AddressDefinition ?? null,
  source_port: f.SourcePort ?? null,
  destination_port: f.DestinationPort ?? null,
  protocol: f.Protocol ?? null,
  age: f.Age ?? null,
  packet_count: f.PacketCount ?? null,
  byte_count: f.ByteCount ?? null,
}));
const table = parquet.Table.fromIPCStream(arrow.tableToIPC(arrow.tableFromJSON(rows), 'stream'));
const properties = new parquet.WriterPropertiesBuilder().setCompression(parquet.Compression.ZSTD).build();
writeFileSync(out, parquet.writeParquet(table, properties));
process.stdout.write(`${rows.length}\n`);
