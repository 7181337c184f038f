import { flattenString } from '../parse/flatten-string.js';
import type { FlowRecord, ParsedAddress, PortRange, Protocol } from '../types.js';
import { type CellValue, COLUMN } from './flow-columns.js';

/**
 * The schema v1 fast path of the text formats: a record's line is put together from fragments, each
 * the text of a few columns made by the format's own (generic, checked) cell function, so the output is
 * exactly the generic formatter's:
 * - the six provenance columns are one fragment, rebuilt only when one of their values changes (they
 *   hold one value per page);
 * - address, port and protocol fragments are cached per object when the object is frozen: a frozen
 *   value never changes, so its text cannot either (the normalizer freezes every value it shares
 *   between records; a mutable object is formatted every time);
 * - counters that are plain safe integers are written inline.
 */
export type FlowCell = (column: number, value: CellValue) => string;

const MAX_U32 = 0xffffffff;

/** A line fragment built by `+`; flattened once, as every line that uses it is encoded to bytes. */
const fragment = flattenString;

/** The three columns of an address and the two of a port range, by position. */
const SOURCE = [COLUMN.source_address, COLUMN.source_ip_version, COLUMN.source_prefix_length] as const;
const DESTINATION = [
  COLUMN.destination_address,
  COLUMN.destination_ip_version,
  COLUMN.destination_prefix_length,
] as const;
const SOURCE_PORT = [COLUMN.source_port_from, COLUMN.source_port_to] as const;
const DESTINATION_PORT = [COLUMN.destination_port_from, COLUMN.destination_port_to] as const;

export function flowLineFormatter(
  cell: FlowCell,
  /** What `cell` writes before a column's value (`,"name":` or `,`), for the inline counters. */
  lead: (column: number) => string,
  end: string,
): (r: FlowRecord) => string {
  const ageLead = lead(COLUMN.age_seconds);
  const packetLead = lead(COLUMN.packet_count);
  const byteLead = lead(COLUMN.byte_count);
  const sources = new WeakMap<ParsedAddress, string>();
  const destinations = new WeakMap<ParsedAddress, string>();
  const sourcePorts = new WeakMap<PortRange, string>();
  const destinationPorts = new WeakMap<PortRange, string>();
  const protocols = new WeakMap<Protocol, string>();
  const noSourcePort = fragment(cell(SOURCE_PORT[0], null) + cell(SOURCE_PORT[1], null));
  const noDestinationPort = fragment(cell(DESTINATION_PORT[0], null) + cell(DESTINATION_PORT[1], null));
  const noProtocol = fragment(cell(COLUMN.protocol, null) + cell(COLUMN.protocol_name, null));

  // Provenance: the values of the last record and their fragment (null before the first record).
  let arn: unknown;
  let az: unknown;
  let vpce: unknown;
  let association: unknown;
  let operation: unknown;
  let requested: unknown;
  let requestedMs = Number.NaN;
  let provenance: string | null = null;

  const address = (cache: WeakMap<ParsedAddress, string>, a: ParsedAddress, at: typeof SOURCE): string => {
    let text = cache.get(a);
    if (text === undefined) {
      text = fragment(cell(at[0], a.text) + cell(at[1], a.family) + cell(at[2], a.prefixLength));
      if (Object.isFrozen(a)) cache.set(a, text);
    }
    return text;
  };
  const port = (cache: WeakMap<PortRange, string>, p: PortRange, at: typeof SOURCE_PORT): string => {
    let text = cache.get(p);
    if (text === undefined) {
      text = fragment(cell(at[0], p.from) + cell(at[1], p.to));
      if (Object.isFrozen(p)) cache.set(p, text);
    }
    return text;
  };

  return (r) => {
    const ts = r.flowRequestTimestamp as unknown;
    if (
      r.firewallArn !== arn ||
      r.availabilityZone !== az ||
      r.vpcEndpointId !== vpce ||
      r.vpcEndpointAssociationArn !== association ||
      r.flowOperationId !== operation ||
      ts !== requested ||
      provenance === null ||
      // A Date is mutable: same object, other time -> new fragment.
      (ts instanceof Date && ts.getTime() !== requestedMs)
    ) {
      provenance = fragment(
        cell(COLUMN.firewall_arn, r.firewallArn) +
          cell(COLUMN.availability_zone, r.availabilityZone) +
          cell(COLUMN.vpc_endpoint_id, r.vpcEndpointId) +
          cell(COLUMN.vpc_endpoint_association_arn, r.vpcEndpointAssociationArn) +
          cell(COLUMN.flow_operation_id, r.flowOperationId) +
          cell(COLUMN.flow_request_timestamp, r.flowRequestTimestamp),
      );
      arn = r.firewallArn;
      az = r.availabilityZone;
      vpce = r.vpcEndpointId;
      association = r.vpcEndpointAssociationArn;
      operation = r.flowOperationId;
      requested = ts;
      requestedMs = ts instanceof Date ? ts.getTime() : Number.NaN;
    }
    const sp = r.sourcePort;
    const dp = r.destinationPort;
    const proto = r.protocol;
    let protocolText: string;
    if (proto === null) protocolText = noProtocol;
    else {
      const cached = protocols.get(proto);
      if (cached !== undefined) protocolText = cached;
      else {
        protocolText = fragment(cell(COLUMN.protocol, proto.number) + cell(COLUMN.protocol_name, proto.name));
        if (Object.isFrozen(proto)) protocols.set(proto, protocolText);
      }
    }
    const age = r.ageSeconds;
    const packets = r.packetCount;
    const bytes = r.byteCount;
    return (
      provenance +
      address(sources, r.source, SOURCE) +
      (sp === null ? noSourcePort : port(sourcePorts, sp, SOURCE_PORT)) +
      address(destinations, r.destination, DESTINATION) +
      (dp === null ? noDestinationPort : port(destinationPorts, dp, DESTINATION_PORT)) +
      protocolText +
      (typeof age === 'number' && age >>> 0 === age && age <= MAX_U32
        ? ageLead + age
        : cell(COLUMN.age_seconds, age)) +
      (isSafeCount(packets) ? packetLead + packets : cell(COLUMN.packet_count, packets)) +
      (isSafeCount(bytes) ? byteLead + bytes : cell(COLUMN.byte_count, bytes)) +
      end
    );
  };
}

function isSafeCount(n: unknown): n is number {
  return typeof n === 'number' && n >= 0 && n <= Number.MAX_SAFE_INTEGER && Math.floor(n) === n;
}
