import type { FlowRecord, ParsedAddress, PortRange, Protocol } from '../types.js';
import type { CellValue } from './flow-columns.js';

/**
 * The schema v1 fast path of the text formats: a record's line is put together from fragments, each
 * the text of a few columns made by the format's own (generic, checked) cell function, so the output is
 * exactly the generic formatter's:
 * - the six provenance columns are one fragment, rebuilt only when one of their values changes (they
 *   hold one value per page);
 * - address, port and protocol fragments are cached per object when the object is frozen, as the
 *   normalizer's shared, cached parse results are (a mutable object is formatted every time);
 * - counters that are plain safe integers are written inline.
 */
export type FlowCell = (column: number, value: CellValue) => string;

const MAX_U32 = 0xffffffff;

/**
 * The string flattened in place. A fragment built by `+` is a rope; used in every line, it would be
 * walked again each time a 64K chunk is encoded to bytes (that walk cost more than building the line).
 * Reading a character makes V8 flatten the rope once.
 */
function flat(s: string): string {
  s.charCodeAt(0);
  return s;
}

export function flowLineFormatter(
  cell: FlowCell,
  /** What `cell` writes before a column's value (`,"name":` or `,`), for the inline counters. */
  lead: (column: number) => string,
  end: string,
): (r: FlowRecord) => string {
  const ageLead = lead(18);
  const packetLead = lead(19);
  const byteLead = lead(20);
  const sources = new WeakMap<ParsedAddress, string>();
  const destinations = new WeakMap<ParsedAddress, string>();
  const sourcePorts = new WeakMap<PortRange, string>();
  const destinationPorts = new WeakMap<PortRange, string>();
  const protocols = new WeakMap<Protocol, string>();
  const noSourcePort = flat(cell(9, null) + cell(10, null));
  const noDestinationPort = flat(cell(14, null) + cell(15, null));
  const noProtocol = flat(cell(16, null) + cell(17, null));

  // Provenance: the values of the last record and their fragment (null before the first record).
  let arn: unknown;
  let az: unknown;
  let vpce: unknown;
  let association: unknown;
  let operation: unknown;
  let requested: unknown;
  let requestedMs = Number.NaN;
  let provenance: string | null = null;

  const address = (cache: WeakMap<ParsedAddress, string>, a: ParsedAddress, first: number): string => {
    let text = cache.get(a);
    if (text === undefined) {
      text = flat(cell(first, a.text) + cell(first + 1, a.family) + cell(first + 2, a.prefixLength));
      if (Object.isFrozen(a)) cache.set(a, text);
    }
    return text;
  };
  const port = (cache: WeakMap<PortRange, string>, p: PortRange, first: number): string => {
    let text = cache.get(p);
    if (text === undefined) {
      text = flat(cell(first, p.from) + cell(first + 1, p.to));
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
      provenance = flat(
        cell(0, r.firewallArn) +
          cell(1, r.availabilityZone) +
          cell(2, r.vpcEndpointId) +
          cell(3, r.vpcEndpointAssociationArn) +
          cell(4, r.flowOperationId) +
          cell(5, r.flowRequestTimestamp),
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
        protocolText = flat(cell(16, proto.number) + cell(17, proto.name));
        if (Object.isFrozen(proto)) protocols.set(proto, protocolText);
      }
    }
    const age = r.ageSeconds;
    const packets = r.packetCount;
    const bytes = r.byteCount;
    return (
      provenance +
      address(sources, r.source, 6) +
      (sp === null ? noSourcePort : port(sourcePorts, sp, 9)) +
      address(destinations, r.destination, 11) +
      (dp === null ? noDestinationPort : port(destinationPorts, dp, 14)) +
      protocolText +
      (typeof age === 'number' && age >>> 0 === age && age <= MAX_U32 ? ageLead + age : cell(18, age)) +
      (isSafeCount(packets) ? packetLead + packets : cell(19, packets)) +
      (isSafeCount(bytes) ? byteLead + bytes : cell(20, bytes)) +
      end
    );
  };
}

function isSafeCount(n: unknown): n is number {
  return typeof n === 'number' && n >= 0 && n <= Number.MAX_SAFE_INTEGER && Math.floor(n) === n;
}
