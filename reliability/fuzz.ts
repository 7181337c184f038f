/**
 * Bad-input fuzzing of the parsers and normalizeFlow with fast-check. Every input must either be
 * accepted with a value an independent oracle agrees with, or be refused with an NfwError whose code is
 * one the function documents. Anything else (another exception, an accepted value that denotes other
 * bytes than Node's inet_pton gives, a non-strict IPv4 text accepted) is a violation.
 */
import net from 'node:net';
import fc from 'fast-check';
import { PROTOCOLS } from '../packages/core/src/engine.js';
import {
  type FlowContext,
  isNfwError,
  NFW_ERROR_CODES,
  normalizeFlow,
  parseAddress,
  parsePortRange,
  parseProtocol,
} from '../packages/core/src/index.js';

export interface FuzzTarget {
  name: string;
  inputs: number;
  accepted: number;
  /** Refusals by error code. */
  refused: Record<string, number>;
  /** First few violations, each with the input that shows it. */
  violations: string[];
  violationCount: number;
}

const STRICT_V4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** 16 bytes of an IPv6 text as written by inet_ntop (`::` compression, optional dotted-quad tail). */
export function ipv6TextBytes(text: string): Uint8Array {
  const bytes = new Uint8Array(16);
  let groups: number[] = [];
  const parseGroups = (part: string): number[] => {
    if (part === '') return [];
    const out: number[] = [];
    for (const g of part.split(':')) {
      if (g.includes('.')) {
        const [a, b, c, d] = g.split('.').map(Number) as [number, number, number, number];
        out.push((a << 8) | b, (c << 8) | d);
      } else out.push(Number.parseInt(g, 16));
    }
    return out;
  };
  const at = text.indexOf('::');
  if (at < 0) groups = parseGroups(text);
  else {
    const head = parseGroups(text.slice(0, at));
    const tail = parseGroups(text.slice(at + 2));
    groups = [...head, ...new Array(8 - head.length - tail.length).fill(0), ...tail];
  }
  groups.forEach((g, i) => {
    bytes[2 * i] = g >> 8;
    bytes[2 * i + 1] = g & 0xff;
  });
  return bytes;
}

/** What Node's inet_pton makes of an address text (no prefix): 16 bytes (v4 mapped), or null. */
export function nodeBytes(text: string): { family: 4 | 6; bytes: Uint8Array } | null {
  if (net.isIPv4(text)) {
    const a = new net.SocketAddress({ address: text, family: 'ipv4' }).address;
    const bytes = new Uint8Array(16);
    bytes[10] = bytes[11] = 0xff;
    a.split('.').forEach((o, i) => {
      bytes[12 + i] = Number(o);
    });
    return { family: 4, bytes };
  }
  if (net.isIPv6(text)) {
    let address: string;
    try {
      address = new net.SocketAddress({ address: text, family: 'ipv6' }).address;
    } catch {
      return null;
    }
    return { family: 6, bytes: ipv6TextBytes(address.replace(/%.*$/, '')) };
  }
  return null;
}

const sameBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);

function target(name: string): FuzzTarget {
  return { name, inputs: 0, accepted: 0, refused: {}, violations: [], violationCount: 0 };
}

/** Records a violation; returns false so checks can `return violation(...)`. */
function violation(t: FuzzTarget, input: unknown, what: string): false {
  t.violationCount++;
  if (t.violations.length < 5) t.violations.push(`${what}: input ${JSON.stringify(input)}`);
  return false;
}

/** Run `fn`; count an NfwError with an allowed code as a refusal, anything else thrown as a violation. */
function attempt<T>(t: FuzzTarget, input: unknown, allowed: readonly string[], fn: () => T): T | undefined {
  t.inputs++;
  try {
    const value = fn();
    t.accepted++;
    return value;
  } catch (error) {
    if (isNfwError(error) && allowed.includes(error.code)) {
      t.refused[error.code] = (t.refused[error.code] ?? 0) + 1;
      if (error.value === undefined && error.field === undefined)
        violation(t, input, `${error.code} without field/value`);
    } else violation(t, input, `threw ${isNfwError(error) ? error.code : String(error)}`);
    return undefined;
  }
}

const ADDRESS_CODES = ['NFW_INVALID_ADDRESS', 'NFW_AMBIGUOUS_IPV4', 'NFW_INVALID_PREFIX'] as const;

/** Checks one address text against the oracle; returns the number of checks. */
export function checkAddress(t: FuzzTarget, text: string): boolean {
  const parsed = attempt(t, text, ADDRESS_CODES, () => parseAddress(text, 'fuzz'));
  if (parsed === undefined) return true;
  const slash = text.indexOf('/');
  const addressText = slash < 0 ? text : text.slice(0, slash);
  const prefixText = slash < 0 ? undefined : text.slice(slash + 1);
  const node = nodeBytes(addressText);
  if (node === null) return violation(t, text, 'accepted, but Node inet_pton refuses the address');
  if (node.family !== parsed.family)
    return violation(t, text, `family ${parsed.family}, Node says ${node.family}`);
  if (parsed.family === 4 && !STRICT_V4.test(addressText))
    return violation(t, text, 'accepted a non-strict IPv4 text');
  if (addressText.includes('%')) return violation(t, text, 'accepted a zone id (dropped from the value)');
  if (!sameBytes(parsed.bytes, node.bytes))
    return violation(t, text, `bytes differ from inet_pton (${parsed.address})`);
  const reparsed = nodeBytes(parsed.address);
  if (reparsed === null || !sameBytes(reparsed.bytes, node.bytes))
    return violation(t, text, `canonical text ${parsed.address} denotes other bytes`);
  const max = parsed.family === 4 ? 32 : 128;
  if (prefixText === undefined) {
    if (parsed.prefixLength !== max) violation(t, text, 'bare address is not a host');
  } else if (
    !/^\d+$/.test(prefixText) ||
    Number(prefixText) !== parsed.prefixLength ||
    parsed.prefixLength > max
  ) {
    return violation(t, text, `prefix text ${JSON.stringify(prefixText)} read as ${parsed.prefixLength}`);
  }
  return true;
}

export function checkPort(t: FuzzTarget, text: string): boolean {
  const port = attempt(t, text, ['NFW_INVALID_PORT'], () => parsePortRange(text, 'fuzz'));
  if (port === undefined) return true;
  // "ANY" in any case is documented (port-range.ts).
  if (text.toUpperCase() === 'ANY') {
    return port.any && port.from === 0 && port.to === 65535 ? true : violation(t, text, 'ANY not 0..65535');
  }
  const m = /^(\d+)(?::(\d+))?$/.exec(text);
  if (m === null) return violation(t, text, `accepted a non-decimal port text as ${port.from}..${port.to}`);
  const from = Number(m[1]);
  const to = m[2] === undefined ? from : Number(m[2]);
  if (port.any || port.from !== from || port.to !== to || to > 65535 || from > to)
    return violation(t, text, `read as ${port.from}..${port.to}`);
  return true;
}

export function checkProtocol(t: FuzzTarget, text: string): boolean {
  const p = attempt(t, text, ['NFW_INVALID_PROTOCOL'], () => parseProtocol(text, 'fuzz'));
  if (p === undefined) return true;
  if (/^\d+$/.test(text)) {
    if (Number(text) !== p.number) violation(t, text, `read as ${p.number}`);
  } else if (PROTOCOLS[p.number]?.name.toLowerCase() !== text.toLowerCase()) {
    return violation(t, text, `keyword read as ${p.number} ${p.name}`);
  }
  return true;
}

const CONTEXT: FlowContext = {
  firewallArn: 'arn:aws:network-firewall:us-east-1:123456789012:firewall/fuzz',
  availabilityZone: 'us-east-1a',
  vpcEndpointId: null,
  vpcEndpointAssociationArn: null,
  flowOperationId: '00000000-0000-4000-8000-000000000000',
  flowRequestTimestamp: null,
};

const DOCUMENTED = NFW_ERROR_CODES as readonly string[];

export function checkFlow(t: FuzzTarget, flow: unknown): boolean {
  const r = attempt(t, flow, DOCUMENTED, () => normalizeFlow(flow, CONTEXT));
  if (r === undefined) return true;
  const f = flow as Record<string, unknown>;
  for (const key of ['ageSeconds', 'packetCount', 'byteCount'] as const) {
    const v = r[key];
    if (v !== null && !(Number.isSafeInteger(v) && v >= 0)) violation(t, flow, `${key} = ${v}`);
  }
  const raw = { ageSeconds: f.Age, packetCount: f.PacketCount, byteCount: f.ByteCount };
  for (const key of ['ageSeconds', 'packetCount', 'byteCount'] as const) {
    const given = raw[key];
    if (given === undefined ? r[key] !== null : r[key] !== given)
      violation(t, flow, `${key} ${r[key]} from ${String(given)}`);
  }
  const src = (f.SourceAddress as Record<string, unknown>).AddressDefinition as string;
  const again = parseAddress(src);
  if (again.text !== r.source.text) return violation(t, flow, 'source text differs from parseAddress');
  return true;
}

// ---- arbitraries -------------------------------------------------------------------------------

const octet = fc.integer({ min: 0, max: 255 });
const v4 = fc.tuple(octet, octet, octet, octet).map((o) => o.join('.'));
const prefix = fc.oneof(
  fc.constant(''),
  fc.integer({ min: 0, max: 140 }).map((n) => `/${n}`),
  fc.constantFrom('/', '/-1', '/+8', '/08', '/032', '/1e1', '/ 8', '/0x10', '/24/24'),
);
const ipChars = fc.constantFrom(...'0123456789abcdefABCDEFx.:/%-+ ::.'.split(''));

/** Insert, delete or replace one character: near-misses of valid addresses. */
function mutate(text: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc
    .tuple(
      text,
      fc.nat(),
      fc.constantFrom('insert', 'delete', 'replace', 'duplicate'),
      fc.string({ minLength: 1, maxLength: 1 }),
      ipChars,
    )
    .map(([s, at, op, any, ip]) => {
      const i = s.length === 0 ? 0 : at % (s.length + 1);
      const c = at % 3 === 0 ? any : ip;
      if (op === 'insert') return s.slice(0, i) + c + s.slice(i);
      if (op === 'delete') return s.slice(0, i) + s.slice(i + 1);
      if (op === 'duplicate') return s + s.slice(i);
      return s.slice(0, i) + c + s.slice(i + 1);
    });
}

export const addressText: fc.Arbitrary<string> = fc.oneof(
  fc.tuple(fc.oneof(v4, fc.ipV4(), fc.ipV4Extended(), fc.ipV6()), prefix).map(([a, p]) => a + p),
  mutate(fc.tuple(fc.oneof(fc.ipV4(), fc.ipV6()), prefix).map(([a, p]) => a + p)),
  fc.tuple(fc.ipV4(), prefix).map(([a, p]) => `::ffff:${a}${p}`),
  fc.tuple(fc.ipV4(), prefix).map(([a, p]) => `::${a}${p}`),
  fc.tuple(fc.ipV6(), fc.constantFrom('%eth0', '%1', '%')).map(([a, z]) => a + z),
  fc.array(ipChars, { maxLength: 24 }).map((cs) => cs.join('')),
  fc.string({ maxLength: 40, unit: 'grapheme' }),
  fc.constantFrom(
    '0x7f.1',
    '127.1',
    '2130706433',
    '010.0.0.1',
    '1.2.3.04',
    '1.2.3.4 ',
    ' 1.2.3.4',
    '١٢٣.1.1.1',
    '1.2.3.4\n',
  ),
);

export const portText: fc.Arbitrary<string> = fc.oneof(
  fc.integer({ min: -5, max: 70_000 }).map(String),
  fc
    .tuple(fc.integer({ min: 0, max: 70_000 }), fc.integer({ min: 0, max: 70_000 }))
    .map(([a, b]) => `${a}:${b}`),
  fc.constantFrom(
    'ANY',
    'any',
    ' 443',
    '443 ',
    '+443',
    '0x1bb',
    '4e2',
    '1990-1994',
    '1:2:3',
    ':',
    '0443',
    '1.0',
    '٤٤٣',
  ),
  mutate(fc.integer({ min: 0, max: 65_535 }).map(String)),
  fc.string({ maxLength: 12 }),
);

export const protocolText: fc.Arbitrary<string> = fc.oneof(
  fc.integer({ min: -3, max: 300 }).map(String),
  fc.constantFrom(...PROTOCOLS.map((p) => p.name)).map((n) => n.toLowerCase()),
  fc.constantFrom('TCP', 'tcp', 'Udp', ' 6', '6 ', '+6', '0x06', '06', '6.0', '', 'UNASSIGNED-200', '٦'),
  mutate(fc.integer({ min: 0, max: 255 }).map(String)),
  fc.string({ maxLength: 14 }),
);

const counter = fc.oneof(
  fc.nat(),
  fc.constantFrom(-1, 1.5, 2 ** 53, Number.MAX_SAFE_INTEGER, Number.NaN, Number.POSITIVE_INFINITY, 1e300, -0),
  fc.string({ maxLength: 4 }),
  fc.constant(null),
  fc.boolean(),
);
const addressObject = fc.oneof(
  addressText.map((a) => ({ AddressDefinition: a })),
  fc.constant({}),
  fc.constant(null),
  fc.anything({ maxDepth: 2 }),
);

export const flowValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.record(
    {
      SourceAddress: addressObject,
      DestinationAddress: addressObject,
      SourcePort: fc.oneof(portText, fc.anything({ maxDepth: 1 })),
      DestinationPort: portText,
      Protocol: fc.oneof(protocolText, fc.integer()),
      Age: counter,
      PacketCount: counter,
      ByteCount: counter,
    },
    { requiredKeys: [] },
  ),
  fc.record({
    SourceAddress: fc.ipV4().map((a) => ({ AddressDefinition: a })),
    DestinationAddress: fc.ipV6().map((a) => ({ AddressDefinition: a })),
    ByteCount: counter,
    __proto__: fc.constant({ polluted: true }),
  }),
  fc.anything({ maxDepth: 3, withBigInt: true, withMap: true, withSet: true, withTypedArray: true }),
);

export interface FuzzOptions {
  /** Inputs per target (parseAddress, parsePortRange, parseProtocol, normalizeFlow). */
  perTarget: number;
  seed: number;
}

/** The whole fuzz campaign over the four entry points; deterministic for a seed. */
export function fuzzParsers(options: FuzzOptions): FuzzTarget[] {
  const targets = [
    target('parseAddress'),
    target('parsePortRange'),
    target('parseProtocol'),
    target('normalizeFlow'),
  ];
  const [a, p, pr, f] = targets as [FuzzTarget, FuzzTarget, FuzzTarget, FuzzTarget];
  const run = <T>(arb: fc.Arbitrary<T>, check: (v: T) => void, salt: number) =>
    fc.assert(
      fc.property(arb, (v) => {
        check(v);
      }),
      { numRuns: options.perTarget, seed: options.seed + salt },
    );
  run(addressText, (v) => checkAddress(a, v), 1);
  run(portText, (v) => checkPort(p, v), 2);
  run(protocolText, (v) => checkProtocol(pr, v), 3);
  run(flowValue, (v) => checkFlow(f, v), 4);
  return targets;
}
