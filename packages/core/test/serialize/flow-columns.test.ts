/**
 * The writers address columns by name (COLUMN), derived from the one schema definition. This pins the
 * contract order of schema v1 and checks that names, positions and getters agree, so a reordering that
 * is not carried through every derived list fails here.
 */
import { describe, expect, test } from 'vitest';
import { COLUMN, FLOW_COLUMNS, FLOW_GETTERS } from '../../src/serialize/flow-columns.js';
import type { FlowRecord } from '../../src/types.js';

/** Schema v1, in the order of ARCHITECTURE.md's contract table. */
const CONTRACT_ORDER = [
  'firewall_arn',
  'availability_zone',
  'vpc_endpoint_id',
  'vpc_endpoint_association_arn',
  'flow_operation_id',
  'flow_request_timestamp',
  'source_address',
  'source_ip_version',
  'source_prefix_length',
  'source_port_from',
  'source_port_to',
  'destination_address',
  'destination_ip_version',
  'destination_prefix_length',
  'destination_port_from',
  'destination_port_to',
  'protocol',
  'protocol_name',
  'age_seconds',
  'packet_count',
  'byte_count',
];

/** A record whose every column holds a value no other column holds. */
const requested = new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 6));
const record: FlowRecord = {
  firewallArn: 'arn:fw',
  availabilityZone: 'az-1',
  vpcEndpointId: 'vpce-1',
  vpcEndpointAssociationArn: 'arn:assoc',
  flowOperationId: 'op-1',
  flowRequestTimestamp: requested,
  source: Object.freeze({
    family: 4,
    address: '10.0.0.0',
    prefixLength: 24,
    isHost: false,
    network: '10.0.0.0',
    text: '10.0.0.0/24',
    bytes: new Uint8Array(16),
  }),
  sourcePort: { from: 1001, to: 1002, any: false },
  destination: Object.freeze({
    family: 6,
    address: 'fd00::1',
    prefixLength: 128,
    isHost: true,
    network: 'fd00::1',
    text: 'fd00::1',
    bytes: new Uint8Array(16),
  }),
  destinationPort: { from: 2001, to: 2002, any: false },
  protocol: { number: 17, name: 'UDP' },
  ageSeconds: 33,
  packetCount: 44,
  byteCount: 55,
};
const EXPECTED: Record<string, unknown> = {
  firewall_arn: 'arn:fw',
  availability_zone: 'az-1',
  vpc_endpoint_id: 'vpce-1',
  vpc_endpoint_association_arn: 'arn:assoc',
  flow_operation_id: 'op-1',
  flow_request_timestamp: requested,
  source_address: '10.0.0.0/24',
  source_ip_version: 4,
  source_prefix_length: 24,
  source_port_from: 1001,
  source_port_to: 1002,
  destination_address: 'fd00::1',
  destination_ip_version: 6,
  destination_prefix_length: 128,
  destination_port_from: 2001,
  destination_port_to: 2002,
  protocol: 17,
  protocol_name: 'UDP',
  age_seconds: 33,
  packet_count: 44,
  byte_count: 55,
};

describe('schema v1 column positions', () => {
  test('FLOW_COLUMNS is in the contract order', () => {
    expect(FLOW_COLUMNS.map((c) => c.name)).toEqual(CONTRACT_ORDER);
  });

  test('COLUMN names every column at its position in FLOW_COLUMNS, and nothing else', () => {
    expect(Object.keys(COLUMN).sort()).toEqual([...CONTRACT_ORDER].sort());
    for (const [name, position] of Object.entries(COLUMN)) {
      expect([name, FLOW_COLUMNS[position]?.name]).toEqual([name, name]);
    }
  });

  test('the getter at each position reads that column’s field', () => {
    expect(FLOW_GETTERS).toHaveLength(FLOW_COLUMNS.length);
    const read = Object.fromEntries(FLOW_COLUMNS.map((c, i) => [c.name, FLOW_GETTERS[i]!(record)]));
    expect(read).toEqual(EXPECTED);
  });

  test('the derived lists cannot be changed at run time', () => {
    expect(Object.isFrozen(COLUMN)).toBe(true);
    expect(Object.isFrozen(FLOW_COLUMNS)).toBe(true);
    expect(Object.isFrozen(FLOW_GETTERS)).toBe(true);
  });
});
