import { Transform } from 'node:stream';
import { isNfwError } from '../errors.js';
import { addressContains } from '../parse/address.js';
import { parseAddress, parsePortRange, parseProtocol } from '../parse/index.js';
import type { FlowRecord, ParsedAddress, PortRange } from '../types.js';
import { invalidOption } from './key-spec.js';

/** A port condition: `443`, `'443'`, `'1000:2000'` or `'ANY'` (0..65535). */
export type PortOption = number | string;

/**
 * One set of conditions, all of which must hold. Lists mean "any of".
 * - source / destination / address (either end): CIDRs; the record's address, with its own prefix,
 *   must lie inside one (`10.0.0.0/24` is inside `10.0.0.0/8`, not inside `10.0.0.0/25`). IPv4 CIDRs
 *   match only IPv4 records and IPv6 CIDRs only IPv6 records (`::ffff:0:0/96` does not match IPv4).
 * - sourcePort / destinationPort / port (either end): with `portMatch: 'within'` (default) the
 *   record's port range must lie inside the option's range (an ANY record only matches 0:65535);
 *   with `'overlap'` the ranges must share a port (an ANY record matches every port).
 * - protocol: IANA numbers or keywords (`6`, `'tcp'`).
 * - minBytes / minPackets / minAge / maxAge: inclusive bounds.
 * A record whose field is null never satisfies a condition on that field.
 */
export interface FilterLeaf {
  source?: string | string[];
  destination?: string | string[];
  address?: string | string[];
  sourcePort?: PortOption | PortOption[];
  destinationPort?: PortOption | PortOption[];
  port?: PortOption | PortOption[];
  portMatch?: 'within' | 'overlap';
  protocol?: number | string | (number | string)[];
  minBytes?: number;
  minPackets?: number;
  minAge?: number;
  maxAge?: number;
}

/** A condition tree: a leaf, or `{ and: [...] }`, `{ or: [...] }`, `{ not: ... }`. */
export type FilterOptions =
  | FilterLeaf
  | { and: FilterOptions[] }
  | { or: FilterOptions[] }
  | { not: FilterOptions };

type Predicate = (r: FlowRecord) => boolean;

const LEAF_FIELDS = new Set([
  'source',
  'destination',
  'address',
  'sourcePort',
  'destinationPort',
  'port',
  'portMatch',
  'protocol',
  'minBytes',
  'minPackets',
  'minAge',
  'maxAge',
]);

function list<T>(value: T | T[]): { item: T; path: (base: string) => string }[] {
  return Array.isArray(value)
    ? value.map((item, i) => ({ item, path: (base: string) => `${base}[${i}]` }))
    : [{ item: value, path: (base: string) => base }];
}

function parseCidrs(value: unknown, field: string): ParsedAddress[] {
  if (Array.isArray(value) && value.length === 0)
    throw invalidOption(field, value, 'an empty list matches nothing');
  return list(value).map(({ item, path }) => {
    if (typeof item !== 'string') throw invalidOption(path(field), item, 'expected a CIDR string');
    try {
      return parseAddress(item, path(field));
    } catch (error) {
      if (isNfwError(error)) {
        throw invalidOption(path(field), item, `not an IPv4/IPv6 address or CIDR (${error.code})`);
      }
      throw error;
    }
  });
}

function parsePorts(value: unknown, field: string): PortRange[] {
  if (Array.isArray(value) && value.length === 0)
    throw invalidOption(field, value, 'an empty list matches nothing');
  return list(value).map(({ item, path }) => {
    const text = typeof item === 'number' && Number.isInteger(item) ? String(item) : item;
    if (typeof text !== 'string') throw invalidOption(path(field), item, 'expected a port, "A:B" or "ANY"');
    try {
      return parsePortRange(text, path(field));
    } catch (error) {
      if (isNfwError(error))
        throw invalidOption(path(field), item, `not a port, "A:B" or "ANY" (${error.code})`);
      throw error;
    }
  });
}

function parseProtocols(value: unknown, field: string): Set<number> {
  if (Array.isArray(value) && value.length === 0)
    throw invalidOption(field, value, 'an empty list matches nothing');
  return new Set(
    list(value).map(({ item, path }) => {
      const text = typeof item === 'number' && Number.isInteger(item) ? String(item) : item;
      if (typeof text !== 'string')
        throw invalidOption(path(field), item, 'expected an IANA number or keyword');
      try {
        return parseProtocol(text, path(field)).number;
      } catch (error) {
        if (isNfwError(error)) throw invalidOption(path(field), item, `not an IANA protocol (${error.code})`);
        throw error;
      }
    }),
  );
}

function parseBound(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw invalidOption(field, value, 'expected a non-negative integer');
  }
  return value;
}

function cidrTest(networks: ParsedAddress[]): (a: ParsedAddress) => boolean {
  if (networks.length === 1) {
    const n = networks[0]!;
    return (a) => addressContains(n, a);
  }
  return (a) => {
    for (let i = 0; i < networks.length; i++) if (addressContains(networks[i]!, a)) return true;
    return false;
  };
}

function portTest(ranges: PortRange[], overlap: boolean): (p: PortRange | null) => boolean {
  return overlap
    ? (p) => {
        if (p === null) return false;
        for (const q of ranges) if (p.from <= q.to && q.from <= p.to) return true;
        return false;
      }
    : (p) => {
        if (p === null) return false;
        for (const q of ranges) if (q.from <= p.from && p.to <= q.to) return true;
        return false;
      };
}

function compileLeaf(leaf: Record<string, unknown>, field: string): Predicate {
  const checks: Predicate[] = [];
  const has = (name: string) => leaf[name] !== undefined;
  if (has('source')) {
    const t = cidrTest(parseCidrs(leaf.source, `${field}.source`));
    checks.push((r) => t(r.source));
  }
  if (has('destination')) {
    const t = cidrTest(parseCidrs(leaf.destination, `${field}.destination`));
    checks.push((r) => t(r.destination));
  }
  if (has('address')) {
    const t = cidrTest(parseCidrs(leaf.address, `${field}.address`));
    checks.push((r) => t(r.source) || t(r.destination));
  }
  const portMatch = leaf.portMatch ?? 'within';
  if (portMatch !== 'within' && portMatch !== 'overlap') {
    throw invalidOption(`${field}.portMatch`, portMatch, 'expected within or overlap');
  }
  const overlap = portMatch === 'overlap';
  if (has('sourcePort')) {
    const t = portTest(parsePorts(leaf.sourcePort, `${field}.sourcePort`), overlap);
    checks.push((r) => t(r.sourcePort));
  }
  if (has('destinationPort')) {
    const t = portTest(parsePorts(leaf.destinationPort, `${field}.destinationPort`), overlap);
    checks.push((r) => t(r.destinationPort));
  }
  if (has('port')) {
    const t = portTest(parsePorts(leaf.port, `${field}.port`), overlap);
    checks.push((r) => t(r.sourcePort) || t(r.destinationPort));
  }
  if (has('protocol')) {
    const numbers = parseProtocols(leaf.protocol, `${field}.protocol`);
    checks.push((r) => r.protocol !== null && numbers.has(r.protocol.number));
  }
  if (has('minBytes')) {
    const min = parseBound(leaf.minBytes, `${field}.minBytes`);
    checks.push((r) => r.byteCount !== null && r.byteCount >= min);
  }
  if (has('minPackets')) {
    const min = parseBound(leaf.minPackets, `${field}.minPackets`);
    checks.push((r) => r.packetCount !== null && r.packetCount >= min);
  }
  if (has('minAge')) {
    const min = parseBound(leaf.minAge, `${field}.minAge`);
    checks.push((r) => r.ageSeconds !== null && r.ageSeconds >= min);
  }
  if (has('maxAge')) {
    const max = parseBound(leaf.maxAge, `${field}.maxAge`);
    checks.push((r) => r.ageSeconds !== null && r.ageSeconds <= max);
  }
  if (checks.length === 0) throw invalidOption(field, leaf, 'a filter needs at least one condition');
  return all(checks);
}

function all(checks: Predicate[]): Predicate {
  if (checks.length === 1) return checks[0]!;
  if (checks.length === 2) {
    const [a, b] = checks as [Predicate, Predicate];
    return (r) => a(r) && b(r);
  }
  return (r) => {
    for (let i = 0; i < checks.length; i++) if (!checks[i]!(r)) return false;
    return true;
  };
}

function any(checks: Predicate[]): Predicate {
  if (checks.length === 1) return checks[0]!;
  return (r) => {
    for (let i = 0; i < checks.length; i++) if (checks[i]!(r)) return true;
    return false;
  };
}

function compile(options: unknown, field: string): Predicate {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw invalidOption(field, options, 'expected a condition object');
  }
  const o = options as Record<string, unknown>;
  const names = Object.keys(o).filter((k) => o[k] !== undefined);
  for (const op of ['and', 'or', 'not']) {
    if (!names.includes(op)) continue;
    if (names.length > 1) throw invalidOption(field, options, `${op} must stand alone in its object`);
    const value = o[op];
    if (op === 'not') {
      const inner = compile(value, `${field}.not`);
      return (r) => !inner(r);
    }
    if (!Array.isArray(value) || value.length === 0) {
      throw invalidOption(`${field}.${op}`, value, 'expected a non-empty array of conditions');
    }
    const parts = value.map((v, i) => compile(v, `${field}.${op}[${i}]`));
    return op === 'and' ? all(parts) : any(parts);
  }
  for (const name of names) {
    if (!LEAF_FIELDS.has(name)) throw invalidOption(`${field}.${name}`, o[name], 'unknown filter condition');
  }
  return compileLeaf(o, field);
}

/** Compile a filter once (validating every option up front) into a record predicate. */
export function filterPredicate(options: FilterOptions): (record: FlowRecord) => boolean {
  return compile(options, 'filter');
}

/** A Transform (object mode) that passes on the records the filter keeps. Arrays in are filtered into arrays out. */
export function filter(options: FilterOptions): Transform {
  const keep = filterPredicate(options);
  return new Transform({
    objectMode: true,
    transform(chunk: FlowRecord | FlowRecord[], _encoding, callback) {
      try {
        if (Array.isArray(chunk)) {
          const kept = chunk.filter(keep);
          if (kept.length > 0) this.push(kept);
        } else if (keep(chunk)) {
          this.push(chunk);
        }
      } catch (error) {
        callback(error as Error);
        return;
      }
      callback();
    },
  });
}

/** Sync form: the records the filter keeps, lazily (options are validated at the call). */
export function filterRecords(records: Iterable<FlowRecord>, options: FilterOptions): Generator<FlowRecord> {
  const keep = filterPredicate(options);
  return (function* () {
    for (const r of records) if (keep(r)) yield r;
  })();
}
