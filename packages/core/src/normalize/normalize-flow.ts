import { describeValue, NfwError } from '../errors.js';
import { parseAddress, parsePortRange, parseProtocol } from '../parse/index.js';
import { plainDecimal } from '../parse/plain-decimal.js';
import type { FlowContext, FlowRecord, ParsedAddress, PortRange, Protocol } from '../types.js';

/** Age is an Arrow Uint32 column (`age_seconds`): a larger value could not be written, so it is rejected here. */
const MAX_AGE = 0xffff_ffff;

/**
 * A counter whose JSON text is not a plain decimal integer below 2^53 (`1e2`, `100.000000000000001`,
 * `1e400`, `9007199254740993`), put in place of the parsed double by the file source: the normalizer
 * rejects it with this text as the value, so nothing is rounded and messages show what the file says.
 */
export class JsonNumberText {
  constructor(readonly text: string) {}
  /** In a reject's `raw`: the number as written where JSON.rawJSON exists (Node 22+), else its text. */
  toJSON(): unknown {
    const rawJson = (JSON as { rawJSON?: (text: string) => unknown }).rawJSON;
    return rawJson ? rawJson(this.text) : this.text;
  }
}

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
 * A normalizer for one stream: the same result as `normalizeFlow`, with parsed values shared between
 * records: parseAddress's memo of addresses, one object per single port, and PROTOCOLS' entries.
 * Every shared value is frozen, because the text writers cache a value's text per frozen object
 * (serialize/flow-text.ts): a shared value that could change would be written with stale text.
 */
export function createFlowNormalizer(): FlowNormalizer {
  return (flow, context) => buildRecord(flow, context, parseAddress, sharedPort, parseProtocol);
}

/** Frozen single-port ranges by number, made on first use (most ports are plain decimals). */
const SINGLE_PORTS: (PortRange | undefined)[] = [];
// Filled by push, not `new Array(65536)`: that large a holey array would use slow dictionary elements.
for (let port = 0; port <= 65_535; port++) SINGLE_PORTS.push(undefined);

/** parsePortRange for a plain decimal port (same rules: 0..65535, no leading zero) without parsing twice. */
function sharedPort(text: string, field: string): PortRange {
  const value = plainDecimal(text, 0, text.length, 65_535);
  if (value >= 0) {
    let range = SINGLE_PORTS[value];
    if (range === undefined) {
      range = Object.freeze({ from: value, to: value, any: false });
      SINGLE_PORTS[value] = range;
    }
    return range;
  }
  return Object.freeze(parsePortRange(text, field)); // ranges, ANY, or the error
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
  if (value instanceof JsonNumberText) {
    throw new NfwError(
      'NFW_INVALID_RECORD',
      `${field} must be a non-negative integer${max === MAX_AGE ? ' below 2^32' : ' below 2^53'} in plain decimal digits, got ${value.text.length > 80 ? `${value.text.slice(0, 80)}… (${value.text.length} chars)` : value.text}`,
      // The value: the number when it prints back as the same text (-1, 1.5), else the text itself.
      { field, value: String(Number(value.text)) === value.text ? Number(value.text) : value.text },
    );
  }
  throw new NfwError(
    'NFW_INVALID_RECORD',
    `${field} must be a non-negative integer${max === MAX_AGE ? ' below 2^32' : ' below 2^53'}, got ${describeValue(value)}`,
    { field, value },
  );
}
