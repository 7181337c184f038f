import type { ColumnSpec, FlowRecord } from '../types.js';

/**
 * Arrow schema v1 of flow records (contract: names, types, nullability). Order is the column order of
 * every output format. Descriptions feed the README table.
 */
export const FLOW_COLUMNS: readonly ColumnSpec[] = Object.freeze([
  { name: 'firewall_arn', type: 'utf8', nullable: false, description: 'ARN of the firewall' },
  {
    name: 'availability_zone',
    type: 'utf8',
    nullable: true,
    description: 'Availability Zone of the capture, when the operation was scoped to one',
  },
  {
    name: 'vpc_endpoint_id',
    type: 'utf8',
    nullable: true,
    description: 'Firewall endpoint ID, when the operation was scoped to one',
  },
  {
    name: 'vpc_endpoint_association_arn',
    type: 'utf8',
    nullable: true,
    description: 'VPC endpoint association ARN, when the operation was scoped to one',
  },
  { name: 'flow_operation_id', type: 'utf8', nullable: false, description: 'ID of the flow operation' },
  {
    name: 'flow_request_timestamp',
    type: 'timestamp_ms',
    nullable: true,
    description: 'When the flow operation was requested (UTC, milliseconds)',
  },
  {
    name: 'source_address',
    type: 'utf8',
    nullable: false,
    description: 'Source address: canonical IPv4/IPv6 text, `address/prefix` unless a host prefix',
  },
  { name: 'source_ip_version', type: 'uint8', nullable: false, description: '4 or 6' },
  {
    name: 'source_prefix_length',
    type: 'uint8',
    nullable: false,
    description: 'Prefix length of the source (32/128 for a host)',
  },
  {
    name: 'source_port_from',
    type: 'uint16',
    nullable: true,
    description: 'First source port (ANY -> 0; null when absent)',
  },
  {
    name: 'source_port_to',
    type: 'uint16',
    nullable: true,
    description: 'Last source port (ANY -> 65535; null when absent)',
  },
  {
    name: 'destination_address',
    type: 'utf8',
    nullable: false,
    description: 'Destination address, as for source',
  },
  { name: 'destination_ip_version', type: 'uint8', nullable: false, description: '4 or 6' },
  {
    name: 'destination_prefix_length',
    type: 'uint8',
    nullable: false,
    description: 'Prefix length of the destination',
  },
  { name: 'destination_port_from', type: 'uint16', nullable: true, description: 'First destination port' },
  { name: 'destination_port_to', type: 'uint16', nullable: true, description: 'Last destination port' },
  { name: 'protocol', type: 'uint8', nullable: true, description: 'IANA protocol number (6 = TCP)' },
  { name: 'protocol_name', type: 'utf8', nullable: true, description: 'IANA protocol keyword, e.g. TCP' },
  { name: 'age_seconds', type: 'uint32', nullable: true, description: 'Age of the flow in seconds' },
  { name: 'packet_count', type: 'uint64', nullable: true, description: 'Packets seen on the flow' },
  { name: 'byte_count', type: 'uint64', nullable: true, description: 'Bytes seen on the flow' },
] satisfies ColumnSpec[]);

/** A value as the column builders and text formatters take it (uint64 as number or bigint). */
export type CellValue = string | number | bigint | Date | null;

/** How each schema v1 column reads its value from a FlowRecord, in FLOW_COLUMNS order. */
export const FLOW_GETTERS: readonly ((r: FlowRecord) => CellValue)[] = [
  (r) => r.firewallArn,
  (r) => r.availabilityZone,
  (r) => r.vpcEndpointId,
  (r) => r.vpcEndpointAssociationArn,
  (r) => r.flowOperationId,
  (r) => r.flowRequestTimestamp,
  (r) => r.source.text,
  (r) => r.source.family,
  (r) => r.source.prefixLength,
  (r) => (r.sourcePort === null ? null : r.sourcePort.from),
  (r) => (r.sourcePort === null ? null : r.sourcePort.to),
  (r) => r.destination.text,
  (r) => r.destination.family,
  (r) => r.destination.prefixLength,
  (r) => (r.destinationPort === null ? null : r.destinationPort.from),
  (r) => (r.destinationPort === null ? null : r.destinationPort.to),
  (r) => (r.protocol === null ? null : r.protocol.number),
  (r) => (r.protocol === null ? null : r.protocol.name),
  (r) => r.ageSeconds,
  (r) => r.packetCount,
  (r) => r.byteCount,
];

/** Getters for a columns list: schema v1 when `columns` is omitted, else `row[name]` for each column. */
export function columnGetters(
  columns: readonly ColumnSpec[] | undefined,
): readonly ((item: never) => CellValue)[] {
  if (columns === undefined) return FLOW_GETTERS;
  return columns.map((c) => {
    const name = c.name;
    return (row: Record<string, CellValue>) => {
      const v = row[name];
      return v === undefined ? null : v;
    };
  });
}
