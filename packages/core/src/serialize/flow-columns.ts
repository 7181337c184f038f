import type { ColumnSpec, FlowRecord } from '../types.js';

/**
 * Arrow schema v1 of flow records (contract: names, types, nullability), with how each column reads its
 * value from a FlowRecord. This list is the one definition: FLOW_COLUMNS, FLOW_GETTERS and the named
 * positions in COLUMN are derived from it, so the writers never depend on a position written by hand.
 * Order is the column order of every output format. Descriptions feed the README table.
 */
const DEFINITION = [
  {
    name: 'firewall_arn',
    type: 'utf8',
    nullable: false,
    description: 'ARN of the firewall',
    get: (r) => r.firewallArn,
  },
  {
    name: 'availability_zone',
    type: 'utf8',
    nullable: true,
    description: 'Availability Zone of the capture, when the operation was scoped to one',
    get: (r) => r.availabilityZone,
  },
  {
    name: 'vpc_endpoint_id',
    type: 'utf8',
    nullable: true,
    description: 'Firewall endpoint ID, when the operation was scoped to one',
    get: (r) => r.vpcEndpointId,
  },
  {
    name: 'vpc_endpoint_association_arn',
    type: 'utf8',
    nullable: true,
    description: 'VPC endpoint association ARN, when the operation was scoped to one',
    get: (r) => r.vpcEndpointAssociationArn,
  },
  {
    name: 'flow_operation_id',
    type: 'utf8',
    nullable: false,
    description: 'ID of the flow operation',
    get: (r) => r.flowOperationId,
  },
  {
    name: 'flow_request_timestamp',
    type: 'timestamp_ms',
    nullable: true,
    description: 'When the flow operation was requested (UTC, milliseconds)',
    get: (r) => r.flowRequestTimestamp,
  },
  {
    name: 'source_address',
    type: 'utf8',
    nullable: false,
    description: 'Source address: canonical IPv4/IPv6 text, `address/prefix` unless a host prefix',
    get: (r) => r.source.text,
  },
  {
    name: 'source_ip_version',
    type: 'uint8',
    nullable: false,
    description: '4 or 6',
    get: (r) => r.source.family,
  },
  {
    name: 'source_prefix_length',
    type: 'uint8',
    nullable: false,
    description: 'Prefix length of the source (32/128 for a host)',
    get: (r) => r.source.prefixLength,
  },
  {
    name: 'source_port_from',
    type: 'uint16',
    nullable: true,
    description: 'First source port (ANY -> 0; null when absent)',
    get: (r) => (r.sourcePort === null ? null : r.sourcePort.from),
  },
  {
    name: 'source_port_to',
    type: 'uint16',
    nullable: true,
    description: 'Last source port (ANY -> 65535; null when absent)',
    get: (r) => (r.sourcePort === null ? null : r.sourcePort.to),
  },
  {
    name: 'destination_address',
    type: 'utf8',
    nullable: false,
    description: 'Destination address, as for source',
    get: (r) => r.destination.text,
  },
  {
    name: 'destination_ip_version',
    type: 'uint8',
    nullable: false,
    description: '4 or 6',
    get: (r) => r.destination.family,
  },
  {
    name: 'destination_prefix_length',
    type: 'uint8',
    nullable: false,
    description: 'Prefix length of the destination',
    get: (r) => r.destination.prefixLength,
  },
  {
    name: 'destination_port_from',
    type: 'uint16',
    nullable: true,
    description: 'First destination port',
    get: (r) => (r.destinationPort === null ? null : r.destinationPort.from),
  },
  {
    name: 'destination_port_to',
    type: 'uint16',
    nullable: true,
    description: 'Last destination port',
    get: (r) => (r.destinationPort === null ? null : r.destinationPort.to),
  },
  {
    name: 'protocol',
    type: 'uint8',
    nullable: true,
    description: 'IANA protocol number (6 = TCP)',
    get: (r) => (r.protocol === null ? null : r.protocol.number),
  },
  {
    name: 'protocol_name',
    type: 'utf8',
    nullable: true,
    description: 'IANA protocol keyword, e.g. TCP',
    get: (r) => (r.protocol === null ? null : r.protocol.name),
  },
  {
    name: 'age_seconds',
    type: 'uint32',
    nullable: true,
    description: 'Age of the flow in seconds',
    get: (r) => r.ageSeconds,
  },
  {
    name: 'packet_count',
    type: 'uint64',
    nullable: true,
    description: 'Packets seen on the flow',
    get: (r) => r.packetCount,
  },
  {
    name: 'byte_count',
    type: 'uint64',
    nullable: true,
    description: 'Bytes seen on the flow',
    get: (r) => r.byteCount,
  },
] as const satisfies readonly (ColumnSpec & { get: (r: FlowRecord) => CellValue })[];

/** A value as the column builders and text formatters take it (uint64 as number or bigint). */
export type CellValue = string | number | bigint | Date | null;

/** The name of a schema v1 column. */
export type FlowColumnName = (typeof DEFINITION)[number]['name'];

export const FLOW_COLUMNS: readonly ColumnSpec[] = Object.freeze(
  DEFINITION.map(({ name, type, nullable, description }) => ({ name, type, nullable, description })),
);

/** How each schema v1 column reads its value from a FlowRecord, in FLOW_COLUMNS order. */
export const FLOW_GETTERS: readonly ((r: FlowRecord) => CellValue)[] = Object.freeze(
  DEFINITION.map((c) => c.get),
);

/** The position of each schema v1 column in FLOW_COLUMNS (and in every batch and line), by name. */
export const COLUMN: Readonly<Record<FlowColumnName, number>> = Object.freeze(
  Object.fromEntries(DEFINITION.map((c, i) => [c.name, i])) as Record<FlowColumnName, number>,
);

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
