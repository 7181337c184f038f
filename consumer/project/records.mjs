// A user's own program, as plain JavaScript: their own AWS SDK client, @nfw-flows/core as installed from
// its package, the records of one flow operation as NDJSON on stdout. SDK_PACKAGE names the SDK copy to
// build the client from (the consumer project also installs another version under an alias).
// Usage: node records.mjs FIREWALL_ARN FLOW_OPERATION_ID AVAILABILITY_ZONE
import { pipeline } from 'node:stream/promises';
import { flowResults, toNdjson } from '@nfw-flows/core';

const { NetworkFirewallClient } = await import(process.env.SDK_PACKAGE ?? '@aws-sdk/client-network-firewall');
const [FirewallArn, FlowOperationId, AvailabilityZone] = process.argv.slice(2);
const client = new NetworkFirewallClient({}); // region, credentials and endpoint from the environment
const flows = flowResults(client, { FirewallArn, FlowOperationId, AvailabilityZone });
await pipeline(flows, toNdjson(), process.stdout);
const summary = flows.summary();
console.error(
  `${summary.emitted} flows, ${summary.rejected} rejected, ${summary.pages} pages, ${summary.status}`,
);
