import { fc } from '@fast-check/vitest';
import { maskAddress } from '../../src/parse/address.js';
import { parseAddress, parsePortRange, parseProtocol } from '../../src/parse/index.js';
import type { FlowRecord, ParsedAddress, PortRange } from '../../src/types.js';
import { flowRecord } from '../support/records.js';

/**
 * Flow records for transform tests, built through the real parsers. Values come from small pools
 * so that groups collide, and counters include values near 2^53 so sums leave the safe range.
 */

const v4Address = fc
  .tuple(
    fc.constantFrom(10, 192),
    fc.integer({ min: 0, max: 2 }),
    fc.integer({ min: 0, max: 3 }),
    fc.integer({ min: 0, max: 255 }),
  )
  .map(([a, b, c, d]) => `${a}.${b}.${c}.${d}`);

const v6Address = fc
  .tuple(
    fc.constantFrom('2001:db8', 'fe80:0', '2600:1f18'),
    fc.integer({ min: 0, max: 3 }),
    fc.integer({ min: 0, max: 0xffff }),
  )
  .map(([head, a, b]) => `${head}:${a}::${b.toString(16)}`);

/** IPv4-mapped IPv6: same 16 bytes as an IPv4 address, other family. */
const mappedAddress = v4Address.map((a) => `::ffff:${a}`);

export const addressText: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: v4Address },
  { weight: 3, arbitrary: v6Address },
  { weight: 1, arbitrary: mappedAddress },
  // Not a host: a CIDR as AWS may give it (host bits possibly set).
  { weight: 1, arbitrary: v4Address.chain((a) => fc.integer({ min: 8, max: 31 }).map((p) => `${a}/${p}`)) },
  { weight: 1, arbitrary: v6Address.chain((a) => fc.integer({ min: 32, max: 127 }).map((p) => `${a}/${p}`)) },
);

export const address: fc.Arbitrary<ParsedAddress> = addressText.map((t) => parseAddress(t));

export const port: fc.Arbitrary<PortRange | null> = fc.oneof(
  fc.constant(null),
  fc.constant(parsePortRange('ANY')),
  fc.constantFrom(22, 53, 80, 443, 8080, 50000).map((p) => parsePortRange(String(p))),
  fc
    .tuple(fc.integer({ min: 0, max: 2000 }), fc.integer({ min: 0, max: 100 }))
    .map(([a, n]) => parsePortRange(n === 0 ? String(a) : `${a}:${a + n}`)),
);

const counter = (big: boolean): fc.Arbitrary<number | null> =>
  fc.oneof(
    { weight: 1, arbitrary: fc.constant(null) },
    { weight: 6, arbitrary: fc.integer({ min: 0, max: 100_000 }) },
    // Near the top of the safe range: a few of these overflow a float64 sum.
    { weight: big ? 2 : 0, arbitrary: fc.integer({ min: 2 ** 52, max: Number.MAX_SAFE_INTEGER }) },
  );

export const record = (options: { big?: boolean } = {}): fc.Arbitrary<FlowRecord> =>
  fc
    .record({
      source: address,
      destination: address,
      sourcePort: port,
      destinationPort: port,
      protocol: fc
        .constantFrom(null, '6', '17', '1', '50')
        .map((p) => (p === null ? null : parseProtocol(p))),
      ageSeconds: fc.oneof(fc.constant(null), fc.integer({ min: 0, max: 4_000_000_000 })),
      packetCount: counter(options.big ?? true),
      byteCount: counter(options.big ?? true),
      availabilityZone: fc.constantFrom(null, 'us-east-1a', 'us-east-1b'),
      vpcEndpointId: fc.constantFrom(null, 'vpce-1', 'vpce-2'),
      flowOperationId: fc.constantFrom('op-1', 'op-2'),
    })
    .map((r) => flowRecord(r));

export const records = (options: { big?: boolean; maxLength?: number } = {}): fc.Arbitrary<FlowRecord[]> =>
  fc.array(record(options), { maxLength: options.maxLength ?? 60 });

/** Text of an address rolled up like the transforms do: masked at min(mask, own prefix). */
export function rolledUp(a: ParsedAddress, mask: { v4: number; v6: number }): ParsedAddress {
  return maskAddress(a, a.family === 4 ? mask.v4 : mask.v6);
}

/** Split `items` into consecutive slices at the given cut points (for chunking invariance). */
export function slices<T>(items: T[], cuts: number[]): T[][] {
  const points = [...new Set(cuts.map((c) => c % (items.length + 1)))].sort((a, b) => a - b);
  const out: T[][] = [];
  let start = 0;
  for (const p of points) {
    out.push(items.slice(start, p));
    start = p;
  }
  out.push(items.slice(start));
  return out;
}

/** A copy of `items` in the order given by sorting random keys (a shuffle fast-check can shrink). */
export function permute<T>(items: T[], keys: number[]): T[] {
  return items
    .map((item, i) => ({ item, k: keys[i % Math.max(keys.length, 1)] ?? 0, i }))
    .sort((a, b) => a.k - b.k || b.i - a.i)
    .map((x) => x.item);
}
