import { describeValue, NfwError } from '../errors.js';
import { parseAddress, parsePortRange, parseProtocol } from '../parse/index.js';
import { plainDecimal } from '../parse/plain-decimal.js';
import type { FlowContext, FlowRecord, ParsedAddress, PortRange, Protocol } from '../types.js';

/** Age is an Arrow Uint32 column (`age_seconds`): a larger value could not be written, so it is rejected here. */
const MAX_AGE = 0xffff_ffff;

/** Addresses kept per generation of the normalizer's memo (two generations: at most twice this many). */
const MEMO_LIMIT = 16_384;

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
 * records (frozen): a memo of addresses (flows repeat the same talkers), one object per single port, and
 * PROTOCOLS' entries (parseProtocol already shares them).
 */
export function createFlowNormalizer(): FlowNormalizer {
  const address = addressMemo();
  return (flow, context) => buildRecord(flow, context, address, sharedPort, parseProtocol);
}

/**
 * Two generations of at most MEMO_LIMIT entries: when the young one is full it becomes the old one and the
 * previous old one is dropped, so memory is bounded and addresses still in use survive a rotation. A
 * working set a little larger than one generation (tens of thousands of talkers) still hits.
 * IPv4 hosts (most addresses) are keyed by their 32-bit value in open-addressing typed-array tables: a
 * string-keyed Map lookup hashes the fresh string and compares it with a key scattered in the old
 * space, and that was most of the normalizer's time behind the SDK. A strict dotted quad is its own
 * canonical text, so equal values mean equal texts. Everything else goes through the Map generations.
 */
function addressMemo(): (text: string, field: string) => ParsedAddress {
  let young = new Map<string, ParsedAddress>();
  let old = new Map<string, ParsedAddress>();
  let youngV4 = new V4Table();
  let oldV4: V4Table | undefined; // made at the first rotation: most streams never rotate
  return (text, field) => {
    const v4 = ipv4HostValue(text);
    if (v4 >= 0) {
      let value = youngV4.get(v4);
      if (value !== undefined) return value;
      value = oldV4?.get(v4) ?? parseAddress(text, field); // frozen, shareable
      if (youngV4.size >= MEMO_LIMIT) {
        const spare = oldV4;
        oldV4 = youngV4;
        youngV4 = spare === undefined ? new V4Table() : spare.clear();
      }
      youngV4.set(v4, value);
      return value;
    }
    let value = young.get(text);
    if (value !== undefined) return value;
    let key = text;
    value = old.get(text);
    if (value === undefined) {
      value = parseAddress(text, field); // frozen, shareable
      // The memo outlives the record: an own copy of the text, never a slice pinning a larger string.
      key = ` ${text}`.slice(1);
    }
    if (young.size >= MEMO_LIMIT) {
      old = young;
      young = new Map();
    }
    young.set(key, value);
    return value;
  };
}

/** Slots per table: a power of two, at least twice MEMO_LIMIT (load factor at most 1/2, so probes end). */
const V4_BITS = 32 - Math.clz32(MEMO_LIMIT * 2 - 1);
const V4_SLOTS = 1 << V4_BITS;
const V4_SHIFT = 32 - V4_BITS;

/** Open addressing (linear probing) from an IPv4 value to its parsed address; keys stored as value + 1. */
class V4Table {
  readonly #keys = new Float64Array(V4_SLOTS);
  readonly #values: (ParsedAddress | undefined)[] = [];
  size = 0;

  constructor() {
    for (let i = 0; i < V4_SLOTS; i++) this.#values.push(undefined); // packed, not holey
  }

  get(v4: number): ParsedAddress | undefined {
    const keys = this.#keys;
    const key = v4 + 1;
    for (let slot = Math.imul(v4, 0x9e3779b1) >>> V4_SHIFT; ; slot = (slot + 1) & (V4_SLOTS - 1)) {
      const k = keys[slot]!;
      if (k === key) return this.#values[slot];
      if (k === 0) return undefined;
    }
  }

  set(v4: number, value: ParsedAddress): void {
    const keys = this.#keys;
    const key = v4 + 1;
    for (let slot = Math.imul(v4, 0x9e3779b1) >>> V4_SHIFT; ; slot = (slot + 1) & (V4_SLOTS - 1)) {
      const k = keys[slot]!;
      if (k === key || k === 0) {
        if (k === 0) this.size++;
        keys[slot] = key;
        this.#values[slot] = value;
        return;
      }
    }
  }

  clear(): this {
    this.#keys.fill(0);
    this.#values.fill(undefined);
    this.size = 0;
    return this;
  }
}

/**
 * The 32-bit value of a strict dotted quad without a prefix (four decimals 0..255, no leading zeros,
 * nothing else), or -1 for any other text (left to the Map memo and the parser).
 */
function ipv4HostValue(text: string): number {
  const length = text.length;
  if (length < 7 || length > 15) return -1;
  let value = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || dots === 3) return -1;
      value = value * 256 + part;
      part = 0;
      digits = 0;
      dots++;
    } else if (c >= 48 && c <= 57) {
      if (digits === 1 && part === 0) return -1; // leading zero
      part = part * 10 + (c - 48);
      if (part > 255) return -1;
      digits++;
    } else {
      return -1;
    }
  }
  if (dots !== 3 || digits === 0) return -1;
  return value * 256 + part;
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
