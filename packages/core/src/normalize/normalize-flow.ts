import { describeValue, NfwError } from '../errors.js';
import { parseAddress, parsePortRange, parseProtocol } from '../parse/index.js';
import type { FlowContext, FlowRecord, ParsedAddress, PortRange, Protocol } from '../types.js';

/** Age is an Arrow Uint32 column (`age_seconds`): a larger value could not be written, so it is rejected here. */
const MAX_AGE = 0xffff_ffff;

/** Cached parse results are shared between records: bounded so memory does not grow with distinct values. */
const CACHE_LIMIT = 16_384;

export type FlowNormalizer = (flow: unknown, context: FlowContext) => FlowRecord;

/**
 * Normalize one `Flow` of a ListFlowOperationResults response (as JSON or as the SDK returns it).
 * Throws NfwError: `NFW_INVALID_RECORD` for wrong JSON types, missing addresses or counters that are not
 * non-negative safe integers, or the parser's code (`NFW_INVALID_ADDRESS`, `NFW_INVALID_PORT`, ...), always
 * with `field` (e.g. `SourceAddress.AddressDefinition`) and `value`. Unknown keys are ignored, so a newer API
 * that adds fields keeps working. An absent (or JSON `null`) port, protocol or counter becomes `null`.
 */
export function normalizeFlow(flow: unknown, context: FlowContext): FlowRecord {
  return buildRecord(flow, context, parseAddress, parsePortRange, parseProtocol);
}

/**
 * A normalizer for one stream: the same result as `normalizeFlow`, with bounded caches of parsed addresses,
 * ports and protocols (flows repeat the same talkers). Cached objects are frozen and shared between records.
 */
export function createFlowNormalizer(): FlowNormalizer {
  const address = cached(parseAddress);
  const port = cached(parsePortRange);
  const protocol = cached(parseProtocol);
  return (flow, context) => buildRecord(flow, context, address, port, protocol);
}

function cached<T extends object>(parse: (text: string, field?: string) => T) {
  const cache = new Map<string, T>();
  return (text: string, field: string): T => {
    let value = cache.get(text);
    if (value === undefined) {
      value = Object.freeze(parse(text, field));
      if (cache.size >= CACHE_LIMIT) cache.clear();
      cache.set(text, value);
    }
    return value;
  };
}

function buildRecord(
  flow: unknown,
  context: FlowContext,
  address: (text: string, field: string) => ParsedAddress,
  port: (text: string, field: string) => PortRange,
  protocol: (text: string, field: string) => Protocol,
): FlowRecord {
  if (typeof flow !== 'object' || flow === null || Array.isArray(flow)) {
    throw new NfwError('NFW_INVALID_RECORD', `a Flow must be a JSON object, got ${describeValue(flow)}`, {
      field: 'Flow',
      value: flow,
    });
  }
  const f = flow as Record<string, unknown>;
  const sourcePortText = optionalString(f.SourcePort, 'SourcePort');
  const destinationPortText = optionalString(f.DestinationPort, 'DestinationPort');
  const protocolText = optionalString(f.Protocol, 'Protocol');
  return {
    firewallArn: context.firewallArn,
    availabilityZone: context.availabilityZone,
    vpcEndpointId: context.vpcEndpointId,
    vpcEndpointAssociationArn: context.vpcEndpointAssociationArn,
    flowOperationId: context.flowOperationId,
    flowRequestTimestamp: context.flowRequestTimestamp,
    source: address(addressText(f.SourceAddress, 'SourceAddress'), 'SourceAddress.AddressDefinition'),
    sourcePort: sourcePortText === null ? null : port(sourcePortText, 'SourcePort'),
    destination: address(
      addressText(f.DestinationAddress, 'DestinationAddress'),
      'DestinationAddress.AddressDefinition',
    ),
    destinationPort: destinationPortText === null ? null : port(destinationPortText, 'DestinationPort'),
    protocol: protocolText === null ? null : protocol(protocolText, 'Protocol'),
    ageSeconds: counter(f.Age, 'Age', MAX_AGE),
    packetCount: counter(f.PacketCount, 'PacketCount', Number.MAX_SAFE_INTEGER),
    byteCount: counter(f.ByteCount, 'ByteCount', Number.MAX_SAFE_INTEGER),
  };
}

function addressText(value: unknown, field: string): string {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new NfwError(
      'NFW_INVALID_RECORD',
      `${field} must be an object with AddressDefinition, got ${describeValue(value)}`,
      { field, value },
    );
  }
  const text = (value as Record<string, unknown>).AddressDefinition;
  if (typeof text !== 'string') {
    throw new NfwError(
      'NFW_INVALID_RECORD',
      `${field}.AddressDefinition must be a string, got ${describeValue(text)}`,
      { field: `${field}.AddressDefinition`, value: text },
    );
  }
  return text;
}

function optionalString(value: unknown, field: string): string | null {
  if (typeof value === 'string') return value;
  if (value === undefined || value === null) return null;
  throw new NfwError('NFW_INVALID_RECORD', `${field} must be a string, got ${describeValue(value)}`, {
    field,
    value,
  });
}

function counter(value: unknown, field: string, max: number): number | null {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 && value <= max) {
    return value === 0 ? 0 : value; // -0 from JSON "-0" becomes 0
  }
  if (value === undefined || value === null) return null;
  throw new NfwError(
    'NFW_INVALID_RECORD',
    `${field} must be a non-negative integer${max === MAX_AGE ? ' below 2^32' : ' below 2^53'}, got ${describeValue(value)}`,
    { field, value },
  );
}
