// Export one flow operation to Parquet, logging pages and rejected records, then check the status.
// Usage: node --import tsx export-to-parquet.ts FIREWALL_ARN FLOW_OPERATION_ID AVAILABILITY_ZONE [OUT]
// Region, credentials and endpoint come from the SDK's default chain (AWS_REGION, AWS_PROFILE, ...).
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { NetworkFirewallClient } from '@aws-sdk/client-network-firewall';
import { flowResults, toParquet } from '@nfw-flows/core';

const [FirewallArn, FlowOperationId, AvailabilityZone, out = 'flows.parquet'] = process.argv.slice(2);
if (!FirewallArn || !FlowOperationId || !AvailabilityZone) {
  console.error('usage: export-to-parquet.ts FIREWALL_ARN FLOW_OPERATION_ID AVAILABILITY_ZONE [OUT]');
  process.exit(2);
}

const client = new NetworkFirewallClient({}); // your region, credentials, retries
const flows = flowResults(client, { FirewallArn, FlowOperationId, AvailabilityZone });
flows.on('page', (p) => console.error(`page ${p.index}: ${p.flowCount} flows`));
flows.on('reject', (r) => console.error(`rejected ${r.code} ${r.field}=${JSON.stringify(r.value)}`));
// The operation's status goes into the file (read when the first row group is written).
const status = () => ({
  'nfw_flows.status': flows.summary().status ?? 'UNKNOWN',
  'nfw_flows.status_message': flows.summary().statusMessage ?? '',
});
await pipeline(flows, toParquet({ metadata: status }), createWriteStream(out));

const summary = flows.summary(); // { pages, received, emitted, rejected, status, incomplete, ... }
console.error(
  `${out}: ${summary.emitted} flows, ${summary.rejected} rejected, ${summary.pages} pages, ${summary.status}`,
);
// Incomplete data (COMPLETED_WITH_ERRORS, or rejected records): say so in the exit code, as nfw-flows does.
if (summary.incomplete || summary.rejected > 0) process.exitCode = 3;
