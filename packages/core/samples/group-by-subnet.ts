// Traffic per source subnet (/24 for IPv4, /64 for IPv6) and destination port of one flow operation,
// written as an Arrow IPC file that pandas, polars and DuckDB open.
// Usage: node --import tsx group-by-subnet.ts FIREWALL_ARN FLOW_OPERATION_ID AVAILABILITY_ZONE [OUT]
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { NetworkFirewallClient } from '@aws-sdk/client-network-firewall';
import { flowResults, groupBy, toArrow } from '@nfw-flows/core';

const [FirewallArn, FlowOperationId, AvailabilityZone, out = 'by-subnet.arrow'] = process.argv.slice(2);
if (!FirewallArn || !FlowOperationId || !AvailabilityZone) {
  console.error('usage: group-by-subnet.ts FIREWALL_ARN FLOW_OPERATION_ID AVAILABILITY_ZONE [OUT]');
  process.exit(2);
}

const client = new NetworkFirewallClient({});
const flows = flowResults(client, { FirewallArn, FlowOperationId, AvailabilityZone });
// One row per (subnet, port): flows, packets, bytes (exact uint64), age min/max/mean, null counts.
const grouped = groupBy({ keys: ['source/24,64', 'destinationPort'] });
// The transform knows its columns; the Arrow writer needs them to write rows instead of flows.
const arrow = toArrow({
  columns: grouped.columns,
  metadata: () => ({ 'nfw_flows.status': flows.summary().status ?? 'UNKNOWN' }),
});
await pipeline(flows, grouped, arrow, createWriteStream(out));

const summary = flows.summary();
console.error(
  `${out}: ${summary.emitted} flows grouped; columns ${grouped.columns.map((c) => c.name).join(', ')}`,
);
if (summary.incomplete || summary.rejected > 0) process.exitCode = 3;
