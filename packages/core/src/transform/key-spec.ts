import { describeValue, NfwError } from '../errors.js';
import type { ColumnSpec, FlowRecord, ParsedAddress, PortRange, Row } from '../types.js';

/**
 * Group keys: option parsing, packing a record's key into uint32 words (no strings on the hot
 * path), ordering packed keys, and turning a packed key back into row columns once per group.
 */

/** A field a group-by or top-talkers key can use. `ip` is either end of the flow, like nfdump's `ip`. */
export type KeyName =
  | 'source'
  | 'destination'
  | 'ip'
  | 'sourcePort'
  | 'destinationPort'
  | 'protocol'
  | 'availabilityZone'
  | 'vpcEndpointId'
  | 'vpcEndpointAssociationArn'
  | 'flowOperationId'
  | 'firewallArn';

/** Roll-up prefix per family. */
export interface AddressMask {
  v4: number;
  v6: number;
}

/**
 * A roll-up prefix: `{ v4, v6 }` (a missing family keeps its full length), or one number `n`,
 * which means `{ v4: n, v6: 128 }` when n <= 32 and `{ v4: 32, v6: n }` when 32 < n <= 128.
 */
export type MaskOption = number | { v4?: number; v6?: number };

/** One key of a group-by: a name, a string like `'source/24'` or `'ip/24,64'`, or an object. */
export type KeyOption = KeyName | string | { key: KeyName | string; mask?: MaskOption };

/** A validated key. `mask` is set for address keys only. */
export interface NormalizedKey {
  key: KeyName;
  mask: AddressMask | null;
}

const ADDRESS_KEYS = new Set<KeyName>(['source', 'destination', 'ip']);

const KEY_ALIASES: Record<string, KeyName> = {
  source: 'source',
  src: 'source',
  srcip: 'source',
  destination: 'destination',
  dst: 'destination',
  dstip: 'destination',
  ip: 'ip',
  sourceport: 'sourcePort',
  srcport: 'sourcePort',
  destinationport: 'destinationPort',
  dstport: 'destinationPort',
  protocol: 'protocol',
  proto: 'protocol',
  availabilityzone: 'availabilityZone',
  az: 'availabilityZone',
  vpcendpointid: 'vpcEndpointId',
  vpcendpointassociationarn: 'vpcEndpointAssociationArn',
  flowoperationid: 'flowOperationId',
  firewallarn: 'firewallArn',
};

export function invalidOption(field: string, value: unknown, why: string): NfwError {
  return new NfwError('NFW_INVALID_OPTION', `Invalid option ${field} = ${describeValue(value)}: ${why}`, {
    field,
    value,
  });
}

function isPrefix(value: unknown, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= max;
}

/** Validate a roll-up prefix option (see MaskOption). `undefined` means no roll-up (/32 and /128). */
export function normalizeMask(value: unknown, field: string): AddressMask {
  if (value === undefined) return { v4: 32, v6: 128 };
  if (typeof value === 'number') {
    if (isPrefix(value, 32)) return { v4: value, v6: 128 };
    if (isPrefix(value, 128)) return { v4: 32, v6: value };
    throw invalidOption(field, value, 'a prefix length is an integer 0..32 (IPv4) or 33..128 (IPv6)');
  }
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const { v4 = 32, v6 = 128, ...rest } = value as { v4?: unknown; v6?: unknown };
    const extra = Object.keys(rest);
    if (extra.length > 0) throw invalidOption(`${field}.${extra[0]}`, value, 'expected only v4 and v6');
    if (!isPrefix(v4, 32)) throw invalidOption(`${field}.v4`, v4, 'an IPv4 prefix is an integer 0..32');
    if (!isPrefix(v6, 128)) throw invalidOption(`${field}.v6`, v6, 'an IPv6 prefix is an integer 0..128');
    return { v4, v6 };
  }
  throw invalidOption(field, value, 'expected a prefix length or { v4, v6 }');
}

/**
 * Parse the compact key form of group-by keys and top-talkers keys (as the CLI takes them): a key name (aliases: `src`/`srcip`, `dst`/`dstip`,
 * `srcport`, `dstport`, `proto`, `az`; any case), then for address keys an optional `/v4` prefix,
 * `/v4,v6` for both families, or `/n` with n > 32 for IPv6 only: `'source/24'`, `'ip/24,64'`,
 * `'dst/64'`, `'dstport'`. `pair` is accepted here too (source and destination).
 */
export function parseCompactKey(
  text: string,
  field = 'key',
): { key: KeyName | 'pair'; mask: AddressMask | null } {
  if (typeof text !== 'string') throw invalidOption(field, text, 'expected a key name such as "source/24"');
  const slash = text.indexOf('/');
  const name = (slash < 0 ? text : text.slice(0, slash)).trim().toLowerCase();
  const key: KeyName | 'pair' | undefined = name === 'pair' ? 'pair' : KEY_ALIASES[name];
  if (key === undefined) throw invalidOption(field, text, 'unknown key');
  const isAddress = key === 'pair' || ADDRESS_KEYS.has(key);
  if (slash < 0) return { key, mask: isAddress ? { v4: 32, v6: 128 } : null };
  if (!isAddress) throw invalidOption(field, text, 'only address keys take a /prefix');
  const parts = text.slice(slash + 1).split(',');
  const numbers = parts.map((p) => (/^\s*\d{1,3}\s*$/.test(p) ? Number(p) : Number.NaN));
  if (numbers.some(Number.isNaN) || numbers.length > 2) {
    throw invalidOption(field, text, 'expected /v4, /v6 (> 32) or /v4,v6');
  }
  const mask =
    numbers.length === 2
      ? normalizeMask({ v4: numbers[0], v6: numbers[1] }, field)
      : normalizeMask(numbers[0], field);
  return { key, mask };
}

/** Validate one group-by key option; `defaultMask` applies to address keys without their own mask. */
export function normalizeKey(option: unknown, field: string, defaultMask: AddressMask): NormalizedKey {
  if (typeof option === 'string') {
    const parsed = parseCompactKey(option, field);
    if (parsed.key === 'pair') throw invalidOption(field, option, 'use the keys source and destination');
    const hasOwnMask = option.includes('/');
    return { key: parsed.key, mask: parsed.mask === null ? null : hasOwnMask ? parsed.mask : defaultMask };
  }
  if (typeof option === 'object' && option !== null && !Array.isArray(option)) {
    const { key, mask, ...rest } = option as { key?: unknown; mask?: unknown };
    const extra = Object.keys(rest);
    if (extra.length > 0) throw invalidOption(`${field}.${extra[0]}`, option, 'expected only key and mask');
    if (typeof key !== 'string' || key.includes('/')) throw invalidOption(`${field}.key`, key, 'unknown key');
    const parsed = normalizeKey(key, `${field}.key`, defaultMask);
    if (mask === undefined) return parsed;
    if (parsed.mask === null) throw invalidOption(`${field}.mask`, mask, 'only address keys take a mask');
    return { key: parsed.key, mask: normalizeMask(mask, `${field}.mask`) };
  }
  throw invalidOption(field, option, 'expected a key name or { key, mask }');
}

/** Validate a key list: at least one key, no repeats, and `ip` not beside source/destination. */
export function normalizeKeys(option: unknown, field: string, defaultMask: AddressMask): NormalizedKey[] {
  const list = Array.isArray(option) ? option : [option];
  if (option === undefined || list.length === 0) throw invalidOption(field, option, 'at least one key');
  const keys = list.map((k, i) =>
    normalizeKey(k, Array.isArray(option) ? `${field}[${i}]` : field, defaultMask),
  );
  const seen = new Set<KeyName>();
  for (const k of keys) {
    if (seen.has(k.key)) throw invalidOption(field, option, `key ${k.key} appears twice`);
    seen.add(k.key);
  }
  if (seen.has('ip') && (seen.has('source') || seen.has('destination'))) {
    throw invalidOption(field, option, 'ip already covers source and destination');
  }
  return keys;
}

// ---- column names -------------------------------------------------------------------------------

const STRING_COLUMNS: Record<string, string> = {
  availabilityZone: 'availability_zone',
  vpcEndpointId: 'vpc_endpoint_id',
  vpcEndpointAssociationArn: 'vpc_endpoint_association_arn',
  flowOperationId: 'flow_operation_id',
  firewallArn: 'firewall_arn',
};

/** `source_ip_version`, `destination_ip_version`, and for the ip key plain `ip_version`. */
function versionColumn(prefix: string): string {
  return prefix === 'ip' ? 'ip_version' : `${prefix}_ip_version`;
}

function addressColumns(prefix: string, label: string): ColumnSpec[] {
  return [
    {
      name: `${prefix}_address`,
      type: 'utf8',
      nullable: false,
      description: `${label} network at the roll-up prefix: address alone for a host, network/prefix otherwise`,
    },
    {
      name: versionColumn(prefix),
      type: 'uint8',
      nullable: false,
      description: `${label} IP version, 4 or 6`,
    },
    {
      name: `${prefix}_prefix_length`,
      type: 'uint8',
      nullable: false,
      description: `${label} prefix length of the group: min(roll-up prefix, the record's own prefix)`,
    },
  ];
}

function portColumns(prefix: string, label: string): ColumnSpec[] {
  return [
    {
      name: `${prefix}_port_from`,
      type: 'uint16',
      nullable: true,
      description: `${label} port range start (ANY -> 0)`,
    },
    {
      name: `${prefix}_port_to`,
      type: 'uint16',
      nullable: true,
      description: `${label} port range end (ANY -> 65535)`,
    },
  ];
}

/** The key columns of one key, in order. */
export function keyColumns(key: NormalizedKey): ColumnSpec[] {
  switch (key.key) {
    case 'source':
      return addressColumns('source', 'Source');
    case 'destination':
      return addressColumns('destination', 'Destination');
    case 'ip':
      return addressColumns('ip', 'Source or destination');
    case 'sourcePort':
      return portColumns('source', 'Source');
    case 'destinationPort':
      return portColumns('destination', 'Destination');
    case 'protocol':
      return [
        { name: 'protocol', type: 'uint8', nullable: true, description: 'IANA protocol number' },
        {
          name: 'protocol_name',
          type: 'utf8',
          nullable: true,
          description: 'IANA protocol keyword, e.g. TCP',
        },
      ];
    default: {
      const name = STRING_COLUMNS[key.key]!;
      return [{ name, type: 'utf8', nullable: name !== 'firewall_arn' && name !== 'flow_operation_id' }];
    }
  }
}

// ---- packing ------------------------------------------------------------------------------------

/** MASK_WORD[n]: a uint32 with its n leading bits set. */
const MASK_WORD = new Uint32Array(33);
for (let n = 1; n <= 32; n++) MASK_WORD[n] = (0xffffffff << (32 - n)) >>> 0;

const PORT_NULL = 0x00010000; // from 1 to 0: impossible for a real range, so it cannot collide
const PROTOCOL_NULL = 256;
const STRING_NULL = 0xffffffff;

type Encoder = (r: FlowRecord, out: Uint32Array, offset: number) => void;
type Compare = (keys: Uint32Array, a: number, b: number) => number;
type Decode = (keys: Uint32Array, base: number, row: Row) => void;
type Text = (keys: Uint32Array, base: number) => string | null;

interface Component {
  width: number;
  encodeSource: Encoder;
  /** For `ip`: the same key taken from the destination end; other components ignore the side. */
  encodeDestination: Encoder;
  compare: Compare;
  decode: Decode;
  text: Text;
}

/** Packed keys for a key list, compiled once. */
export interface CompiledKeys {
  width: number;
  /** True when a record yields two keys (the `ip` key): `encode(r, out, 0)` and `encode(r, out, 1)`. */
  twoSided: boolean;
  /** Pack record `r`'s key for side 0 (source) or 1 (destination, only for `ip`) into `out`. */
  encode(r: FlowRecord, out: Uint32Array, side: 0 | 1): void;
  /** Order of two packed keys (groups a and b of `keys`): addresses by family, bits then prefix; numbers ascending; strings by code unit; nulls last. */
  compare(keys: Uint32Array, a: number, b: number): number;
  /** Write the key columns of group `g` into `row`. */
  decode(keys: Uint32Array, g: number, row: Row): void;
  /** A one-cell text form of group `g`'s key (parts joined with ' -> '), null when all parts are null. */
  text(keys: Uint32Array, g: number): string | null;
}

/** Pack an address at min(own prefix, roll-up prefix): word 0 = family << 8 | prefix, words 1..4 = masked bits. */
function packAddress(a: ParsedAddress, out: Uint32Array, o: number, m4: number, m6: number): void {
  const b = a.bytes;
  if (a.family === 4) {
    const p = Math.min(a.prefixLength, m4);
    out[o] = 0x400 | p;
    out[o + 1] = 0;
    out[o + 2] = 0;
    out[o + 3] = 0;
    out[o + 4] = (((b[12]! << 24) | (b[13]! << 16) | (b[14]! << 8) | b[15]!) & MASK_WORD[p]!) >>> 0;
    return;
  }
  const p = Math.min(a.prefixLength, m6);
  out[o] = 0x600 | p;
  for (let w = 0; w < 4; w++) {
    const bits = p - 32 * w;
    const i = 4 * w;
    out[o + 1 + w] =
      bits <= 0
        ? 0
        : (((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) &
            MASK_WORD[Math.min(bits, 32)]!) >>>
          0;
  }
}

function addressComponent(mask: AddressMask, side: 'source' | 'destination' | 'ip'): Component {
  const m4 = mask.v4;
  const m6 = mask.v6;
  // Direct property access per end (no r[field] keyed load on the hot path).
  const fromSource: Encoder = (r, out, o) => packAddress(r.source, out, o, m4, m6);
  const fromDestination: Encoder = (r, out, o) => packAddress(r.destination, out, o, m4, m6);
  // Column names computed once, not per row.
  const addressName = `${side}_address`;
  const prefixName = `${side}_prefix_length`;
  const version = versionColumn(side);
  const encodeSource = side === 'destination' ? fromDestination : fromSource;
  const encodeDestination = side === 'ip' ? fromDestination : encodeSource;
  return {
    width: 5,
    encodeSource,
    encodeDestination,
    compare: (keys, a, b) =>
      keys[a]! >>> 8 !== keys[b]! >>> 8
        ? (keys[a]! >>> 8) - (keys[b]! >>> 8)
        : keys[a + 1]! - keys[b + 1]! ||
          keys[a + 2]! - keys[b + 2]! ||
          keys[a + 3]! - keys[b + 3]! ||
          keys[a + 4]! - keys[b + 4]! ||
          (keys[a]! & 0xff) - (keys[b]! & 0xff),
    decode: (keys, base, row) => {
      row[addressName] = formatPackedAddress(keys, base);
      row[version] = keys[base]! >>> 8 === 6 ? 6 : 4;
      row[prefixName] = keys[base]! & 0xff;
    },
    text: formatPackedAddress,
  };
}

function portComponent(field: 'sourcePort' | 'destinationPort', prefix: string): Component {
  const pack = (p: PortRange | null) => (p === null ? PORT_NULL : ((p.from << 16) | p.to) >>> 0);
  const encode: Encoder =
    field === 'sourcePort'
      ? (r, out, o) => {
          out[o] = pack(r.sourcePort);
        }
      : (r, out, o) => {
          out[o] = pack(r.destinationPort);
        };
  const rank = (w: number) => (w === PORT_NULL ? 0x100000000 : w);
  const fromName = `${prefix}_port_from`;
  const toName = `${prefix}_port_to`;
  return {
    width: 1,
    encodeSource: encode,
    encodeDestination: encode,
    compare: (keys, a, b) => rank(keys[a]!) - rank(keys[b]!),
    decode: (keys, base, row) => {
      const w = keys[base]!;
      row[fromName] = w === PORT_NULL ? null : w >>> 16;
      row[toName] = w === PORT_NULL ? null : w & 0xffff;
    },
    text: (keys, base) => {
      const w = keys[base]!;
      if (w === PORT_NULL) return null;
      const from = w >>> 16;
      const to = w & 0xffff;
      return from === to ? String(from) : `${from}:${to}`;
    },
  };
}

function protocolComponent(): Component {
  // Names come from the records themselves (first seen per number), so no table lookup is needed.
  const names: (string | undefined)[] = new Array(256);
  const encode: Encoder = (r, out, o) => {
    const p = r.protocol;
    if (p === null) {
      out[o] = PROTOCOL_NULL;
    } else {
      out[o] = p.number;
      if (names[p.number] === undefined) names[p.number] = p.name;
    }
  };
  return {
    width: 1,
    encodeSource: encode,
    encodeDestination: encode,
    compare: (keys, a, b) => keys[a]! - keys[b]!,
    decode: (keys, base, row) => {
      const n = keys[base]!;
      row.protocol = n === PROTOCOL_NULL ? null : n;
      row.protocol_name = n === PROTOCOL_NULL ? null : (names[n] ?? null);
    },
    text: (keys, base) => {
      const n = keys[base]!;
      return n === PROTOCOL_NULL ? null : (names[n] ?? String(n));
    },
  };
}

const STRING_GETTERS = {
  availabilityZone: (r: FlowRecord) => r.availabilityZone,
  vpcEndpointId: (r: FlowRecord) => r.vpcEndpointId,
  vpcEndpointAssociationArn: (r: FlowRecord) => r.vpcEndpointAssociationArn,
  flowOperationId: (r: FlowRecord) => r.flowOperationId,
  firewallArn: (r: FlowRecord) => r.firewallArn,
};

function stringComponent(
  field:
    | 'availabilityZone'
    | 'vpcEndpointId'
    | 'vpcEndpointAssociationArn'
    | 'flowOperationId'
    | 'firewallArn',
  column: string,
): Component {
  // Interned ids; the last value is cached because every record of a page shares the same string.
  const ids = new Map<string, number>();
  const values: string[] = [];
  let last: string | null = null;
  let lastId = STRING_NULL;
  const get = STRING_GETTERS[field];
  const encode: Encoder = (r, out, o) => {
    const s = get(r);
    if (s !== last) {
      last = s;
      if (s === null) lastId = STRING_NULL;
      else {
        let id = ids.get(s);
        if (id === undefined) {
          id = values.length;
          values.push(s);
          ids.set(s, id);
        }
        lastId = id;
      }
    }
    out[o] = lastId;
  };
  const value = (w: number) => (w === STRING_NULL ? null : values[w]!);
  return {
    width: 1,
    encodeSource: encode,
    encodeDestination: encode,
    compare: (keys, a, b) => {
      const x = value(keys[a]!);
      const y = value(keys[b]!);
      if (x === y) return 0;
      if (x === null) return 1;
      if (y === null) return -1;
      return x < y ? -1 : 1;
    },
    decode: (keys, base, row) => {
      row[column] = value(keys[base]!);
    },
    text: (keys, base) => value(keys[base]!),
  };
}

function component(key: NormalizedKey): Component {
  switch (key.key) {
    case 'source':
    case 'destination':
    case 'ip':
      return addressComponent(key.mask!, key.key);
    case 'sourcePort':
      return portComponent('sourcePort', 'source');
    case 'destinationPort':
      return portComponent('destinationPort', 'destination');
    case 'protocol':
      return protocolComponent();
    default:
      return stringComponent(key.key, STRING_COLUMNS[key.key]!);
  }
}

/** Compile validated keys into packing, ordering and decoding functions. */
export function compileKeys(keys: NormalizedKey[]): CompiledKeys {
  const parts = keys.map(component);
  const offsets: number[] = [];
  let width = 0;
  for (const p of parts) {
    offsets.push(width);
    width += p.width;
  }
  const twoSided = keys.some((k) => k.key === 'ip');
  const sources = parts.map((p) => p.encodeSource);
  const destinations = parts.map((p) => p.encodeDestination);
  let encode: CompiledKeys['encode'];
  if (parts.length === 1) {
    // The common single-key case without the loop.
    const s = sources[0]!;
    const d = destinations[0]!;
    encode = (r, out, side) => (side === 0 ? s(r, out, 0) : d(r, out, 0));
  } else if (parts.length === 2 || parts.length === 3) {
    // Unrolled: each call site sees one packer, so V8 can inline it.
    const [s0, s1, s2] = sources as [Encoder, Encoder, Encoder | undefined];
    const [d0, d1, d2] = destinations as [Encoder, Encoder, Encoder | undefined];
    const [o1, o2] = [offsets[1]!, offsets[2] ?? 0];
    encode =
      s2 === undefined || d2 === undefined
        ? (r, out, side) => {
            if (side === 0) {
              s0(r, out, 0);
              s1(r, out, o1);
            } else {
              d0(r, out, 0);
              d1(r, out, o1);
            }
          }
        : (r, out, side) => {
            if (side === 0) {
              s0(r, out, 0);
              s1(r, out, o1);
              s2(r, out, o2);
            } else {
              d0(r, out, 0);
              d1(r, out, o1);
              d2(r, out, o2);
            }
          };
  } else {
    encode = (r, out, side) => {
      const list = side === 0 ? sources : destinations;
      for (let i = 0; i < list.length; i++) list[i]!(r, out, offsets[i]!);
    };
  }
  return {
    width,
    twoSided,
    encode,
    compare: (k, a, b) => {
      for (let i = 0; i < parts.length; i++) {
        const c = parts[i]!.compare(k, a * width + offsets[i]!, b * width + offsets[i]!);
        if (c !== 0) return c;
      }
      return 0;
    },
    decode: (k, g, row) => {
      for (let i = 0; i < parts.length; i++) parts[i]!.decode(k, g * width + offsets[i]!, row);
    },
    text: (k, g) => {
      const texts = parts.map((p, i) => p.text(k, g * width + offsets[i]!));
      if (texts.every((t) => t === null)) return null;
      return texts.map((t) => t ?? '-').join(' -> ');
    },
  };
}

// ---- address text -------------------------------------------------------------------------------

/** Canonical text of a packed address key: the address alone for a host prefix, `network/prefix` otherwise. */
function formatPackedAddress(keys: Uint32Array, base: number): string {
  const family = keys[base]! >>> 8;
  const prefix = keys[base]! & 0xff;
  if (family === 4) {
    const w = keys[base + 4]!;
    const text = `${w >>> 24}.${(w >>> 16) & 0xff}.${(w >>> 8) & 0xff}.${w & 0xff}`;
    return prefix === 32 ? text : `${text}/${prefix}`;
  }
  const text = formatIPv6Words(keys[base + 1]!, keys[base + 2]!, keys[base + 3]!, keys[base + 4]!);
  return prefix === 128 ? text : `${text}/${prefix}`;
}

/** RFC 5952 text of an IPv6 address given as four uint32 words, with section 5's mixed notation for IPv4-mapped addresses. */
export function formatIPv6Words(w0: number, w1: number, w2: number, w3: number): string {
  if (w0 === 0 && w1 === 0 && w2 === 0xffff) {
    return `::ffff:${w3 >>> 24}.${(w3 >>> 16) & 0xff}.${(w3 >>> 8) & 0xff}.${w3 & 0xff}`;
  }
  const groups = [
    w0 >>> 16,
    w0 & 0xffff,
    w1 >>> 16,
    w1 & 0xffff,
    w2 >>> 16,
    w2 & 0xffff,
    w3 >>> 16,
    w3 & 0xffff,
  ];
  // The longest run of two or more zero groups becomes '::' (the first on a tie).
  let bestStart = -1;
  let bestLength = 1;
  let runStart = -1;
  for (let i = 0; i <= 8; i++) {
    if (i < 8 && groups[i] === 0) {
      if (runStart < 0) runStart = i;
    } else if (runStart >= 0) {
      if (i - runStart > bestLength) {
        bestStart = runStart;
        bestLength = i - runStart;
      }
      runStart = -1;
    }
  }
  const hex = (g: number) => g.toString(16);
  if (bestStart < 0) return groups.map(hex).join(':');
  return `${groups.slice(0, bestStart).map(hex).join(':')}::${groups
    .slice(bestStart + bestLength)
    .map(hex)
    .join(':')}`;
}
