import { parseAddress } from '../../src/parse/index.js';
import type { FlowContext, FlowRecord } from '../../src/types.js';

/** The provenance of a test flow: one firewall, no zone, endpoint or timestamp, unless given. */
export function flowContext(fields: Partial<FlowContext> = {}): FlowContext {
  return {
    firewallArn: 'arn:aws:network-firewall:us-east-1:123456789012:firewall/fw',
    availabilityZone: null,
    vpcEndpointId: null,
    vpcEndpointAssociationArn: null,
    flowOperationId: 'op',
    flowRequestTimestamp: null,
    ...fields,
  };
}

/** A flow record from 10.0.0.1 to 10.0.0.2 with every optional field null, unless given. */
export function flowRecord(fields: Partial<FlowRecord> = {}): FlowRecord {
  return {
    ...flowContext(),
    source: parseAddress('10.0.0.1'),
    destination: parseAddress('10.0.0.2'),
    sourcePort: null,
    destinationPort: null,
    protocol: null,
    ageSeconds: null,
    packetCount: null,
    byteCount: null,
    ...fields,
  };
}
