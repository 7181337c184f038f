import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { isNfwError } from '../../src/errors.js';
import { parseAddress, parsePortRange, parseProtocol } from '../../src/parse/index.js';
import { filterPredicate } from '../../src/transform/filter.js';
import { type FilterOptions, filter, filterRecords } from '../../src/transform/index.js';
import type { FlowRecord, ParsedAddress, PortRange } from '../../src/types.js';
import { addressText, records } from './records.js';

/** Containment on 128-bit integers: the oracle for CIDR conditions. */
function inside(network: ParsedAddress, a: ParsedAddress): boolean {
  if (network.family !== a.family || a.prefixLength < network.prefixLength) return false;
  const bits = (network.family === 4 ? 96 : 0) + network.prefixLength;
  const value = (p: ParsedAddress) => p.bytes.reduce((v, b) => (v << 8n) | BigInt(b), 0n);
  return value(network) >> BigInt(128 - bits) === value(a) >> BigInt(128 - bits);
}

function portOk(p: PortRange | null, spec: string, match: 'within' | 'overlap'): boolean {
  if (p === null) return false;
  const q = parsePortRange(spec);
  return match === 'within' ? q.from <= p.from && p.to <= q.to : p.from <= q.to && q.from <= p.to;
}

type Leaf = Record<string, unknown>;

/** CIDRs from the same pools as the records, so conditions do match sometimes. */
const cidr = fc.oneof(
  addressText
    .map((t) => t.split('/')[0]!)
    .chain((a) => fc.integer({ min: 0, max: a.includes(':') ? 128 : 32 }).map((p) => `${a}/${p}`)),
  fc.constantFrom(
    '10.0.0.0/8',
    '192.0.0.0/8',
    '0.0.0.0/0',
    '::/0',
    '::ffff:0:0/96',
    '2001:db8::/32',
    '10.1.0.0/16',
  ),
);
const portSpec = fc.oneof(
  fc.constantFrom('443', '22', '0:1024', '1000:2000', 'ANY'),
  fc.integer({ min: 0, max: 2100 }).map(String),
);

const leaf: fc.Arbitrary<Leaf> = fc.oneof(
  cidr.map((c) => ({ source: c })),
  cidr.map((c) => ({ destination: c })),
  fc.array(cidr, { minLength: 1, maxLength: 3 }).map((c) => ({ address: c })),
  fc.tuple(portSpec, fc.constantFrom('within', 'overlap')).map(([p, m]) => ({ sourcePort: p, portMatch: m })),
  fc.tuple(portSpec, fc.constantFrom('within', 'overlap')).map(([p, m]) => ({ port: [p], portMatch: m })),
  portSpec.map((p) => ({ destinationPort: p })),
  fc.constantFrom('tcp', 'UDP', 6, '1', ['esp', 17]).map((p) => ({ protocol: p })),
  fc.integer({ min: 0, max: 100_000 }).map((n) => ({ minBytes: n })),
  fc.integer({ min: 0, max: 100_000 }).map((n) => ({ minPackets: n, maxAge: 2_000_000_000 })),
  fc.integer({ min: 0, max: 4_000_000_000 }).map((n) => ({ minAge: n })),
);

const tree: fc.Arbitrary<FilterOptions> = fc.letrec<{ node: FilterOptions }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf as fc.Arbitrary<FilterOptions>,
    fc.array(tie('node'), { minLength: 1, maxLength: 3 }).map((and) => ({ and })),
    fc.array(tie('node'), { minLength: 1, maxLength: 3 }).map((or) => ({ or })),
    tie('node').map((not) => ({ not })),
  ),
})).node;

function protocols(value: unknown): number[] {
  return (Array.isArray(value) ? value : [value]).map((p) => parseProtocol(String(p)).number);
}

function evaluate(node: FilterOptions, r: FlowRecord): boolean {
  const n = node as Record<string, unknown>;
  if ('and' in n) return (n.and as FilterOptions[]).every((x) => evaluate(x, r));
  if ('or' in n) return (n.or as FilterOptions[]).some((x) => evaluate(x, r));
  if ('not' in n) return !evaluate(n.not as FilterOptions, r);
  const match = (n.portMatch as 'within' | 'overlap' | undefined) ?? 'within';
  const list = (v: unknown) => (Array.isArray(v) ? v : [v]) as string[];
  const nets = (v: unknown) => list(v).map((c) => parseAddress(c));
  if (n.source !== undefined && !nets(n.source).some((c) => inside(c, r.source))) return false;
  if (n.destination !== undefined && !nets(n.destination).some((c) => inside(c, r.destination))) return false;
  if (
    n.address !== undefined &&
    !nets(n.address).some((c) => inside(c, r.source) || inside(c, r.destination))
  )
    return false;
  if (n.sourcePort !== undefined && !list(n.sourcePort).some((p) => portOk(r.sourcePort, p, match)))
    return false;
  if (
    n.destinationPort !== undefined &&
    !list(n.destinationPort).some((p) => portOk(r.destinationPort, p, match))
  )
    return false;
  if (
    n.port !== undefined &&
    !list(n.port).some((p) => portOk(r.sourcePort, p, match) || portOk(r.destinationPort, p, match))
  ) {
    return false;
  }
  if (n.protocol !== undefined && (r.protocol === null || !protocols(n.protocol).includes(r.protocol.number)))
    return false;
  if (n.minBytes !== undefined && (r.byteCount === null || r.byteCount < (n.minBytes as number)))
    return false;
  if (n.minPackets !== undefined && (r.packetCount === null || r.packetCount < (n.minPackets as number)))
    return false;
  if (n.minAge !== undefined && (r.ageSeconds === null || r.ageSeconds < (n.minAge as number))) return false;
  if (n.maxAge !== undefined && (r.ageSeconds === null || r.ageSeconds > (n.maxAge as number))) return false;
  return true;
}

describe('filter', () => {
  test.prop([records({ big: false }), tree], { numRuns: 300 })(
    'agrees with a BigInt/boolean oracle',
    (input, options) => {
      const keep = filterPredicate(options);
      for (const r of input) expect(keep(r)).toBe(evaluate(options, r));
      expect([...filterRecords(input, options)]).toEqual(input.filter((r) => evaluate(options, r)));
    },
  );

  test.prop([records({ big: false }), tree], { numRuns: 50 })(
    'the stream keeps the same records',
    async (input, options) => {
      const out: FlowRecord[] = [];
      const t = filter(options);
      t.on('data', (r: FlowRecord) => out.push(r));
      await pipeline(Readable.from(input, { objectMode: true }), t);
      expect(out).toEqual(input.filter(filterPredicate(options)));
    },
  );

  test('families never mix, and a record with a shorter prefix is not inside', () => {
    const v4 = { source: parseAddress('10.0.0.1'), destination: parseAddress('10.0.0.0/8') } as FlowRecord;
    expect(filterPredicate({ source: '::ffff:10.0.0.0/104' })(v4)).toBe(false);
    expect(filterPredicate({ source: '::/0' })(v4)).toBe(false);
    expect(filterPredicate({ source: '10.0.0.0/8' })(v4)).toBe(true);
    expect(filterPredicate({ destination: '10.0.0.0/8' })(v4)).toBe(true);
    expect(filterPredicate({ destination: '10.0.0.0/16' })(v4)).toBe(false);
    const mapped = { ...v4, source: parseAddress('::ffff:10.0.0.1') };
    expect(filterPredicate({ source: '10.0.0.0/8' })(mapped)).toBe(false);
    expect(filterPredicate({ source: '::ffff:10.0.0.0/104' })(mapped)).toBe(true);
  });

  test('port ranges: within by default, overlap on request', () => {
    const r = {
      sourcePort: parsePortRange('1990:1994'),
      destinationPort: parsePortRange('ANY'),
    } as FlowRecord;
    expect(filterPredicate({ sourcePort: '1992' })(r)).toBe(false);
    expect(filterPredicate({ sourcePort: '1992', portMatch: 'overlap' })(r)).toBe(true);
    expect(filterPredicate({ sourcePort: '1900:2000' })(r)).toBe(true);
    expect(filterPredicate({ destinationPort: 443 })(r)).toBe(false);
    expect(filterPredicate({ destinationPort: 443, portMatch: 'overlap' })(r)).toBe(true);
    expect(filterPredicate({ destinationPort: 'ANY' })(r)).toBe(true);
  });

  test.each([
    [{}, 'filter'],
    [{ source: '10.0.0.256/8' }, 'filter.source'],
    [{ source: ['10.0.0.0/8', '010.0.0.0/8'] }, 'filter.source[1]'],
    [{ and: [{ source: '10.0.0.0/8' }, { not: { protocol: 'nope' } }] }, 'filter.and[1].not.protocol'],
    [{ or: [] }, 'filter.or'],
    [{ and: [{ sourcePort: '70000' }] }, 'filter.and[0].sourcePort'],
    [{ port: 443, portMatch: 'inside' }, 'filter.portMatch'],
    [{ minBytes: -1 }, 'filter.minBytes'],
    [{ minBytes: '10' }, 'filter.minBytes'],
    [{ srcAddr: '10.0.0.0/8' }, 'filter.srcAddr'],
    [{ and: [{ source: '10.0.0.0/8' }], protocol: 'tcp' }, 'filter'],
    [{ address: [] }, 'filter.address'],
  ])('rejects %j naming %s', (options, field) => {
    let error: unknown;
    try {
      filter(options as FilterOptions);
    } catch (e) {
      error = e;
    }
    expect(isNfwError(error, 'NFW_INVALID_OPTION')).toBe(true);
    expect((error as { field: string }).field).toBe(field);
  });
});
