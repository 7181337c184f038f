import { fc } from '@fast-check/vitest';

/** A generated address: its 16 bytes (the independent truth) and one of its valid text forms. */
export interface AddressCase {
  family: 4 | 6;
  bytes: Uint8Array;
  text: string;
}

const octet = fc.integer({ min: 0, max: 255 });

export const ipv4Case: fc.Arbitrary<AddressCase> = fc
  .tuple(octet, octet, octet, octet)
  .map(([a, b, c, d]) => ({
    family: 4 as const,
    bytes: Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, a, b, c, d),
    text: `${a}.${b}.${c}.${d}`,
  }));

/** Groups biased towards zero runs and the special /96 blocks where mixed notation matters. */
const group = fc.oneof(
  { weight: 3, arbitrary: fc.constant(0) },
  { weight: 1, arbitrary: fc.constant(0xffff) },
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 0xffff }) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 0xff }) },
);
const groups: fc.Arbitrary<number[]> = fc.oneof(
  { weight: 6, arbitrary: fc.array(group, { minLength: 8, maxLength: 8 }) },
  // ::ffff:0:0/96 (IPv4-mapped), ::/96 (IPv4-compatible), 64:ff9b::/96 (NAT64), ::ffff:0:0:0/96 (SIIT)
  ...[
    [0, 0, 0, 0, 0, 0xffff],
    [0, 0, 0, 0, 0, 0],
    [0x64, 0xff9b, 0, 0, 0, 0],
    [0, 0, 0, 0, 0xffff, 0],
  ].map((head) => ({
    weight: 1,
    arbitrary: fc.array(group, { minLength: 2, maxLength: 2 }).map((tail) => [...head, ...tail]),
  })),
);

/** How to write the groups: every RFC 4291 text form. */
const ipv6Style = fc.record({
  compress: fc.boolean(), // compress one run of zero groups (any run, even a single group, any position)
  runPick: fc.nat(),
  pad: fc.boolean(), // leading zeros within groups (`0db8`)
  upper: fc.constantFrom('lower', 'upper', 'mixed'),
  caseSeed: fc.nat(),
  dotted: fc.boolean(), // last 32 bits as an embedded dotted quad
});

export const ipv6Case: fc.Arbitrary<AddressCase> = fc.tuple(groups, ipv6Style).map(([gs, style]) => {
  const bytes = new Uint8Array(16);
  gs.forEach((g, i) => {
    bytes[2 * i] = g >>> 8;
    bytes[2 * i + 1] = g & 0xff;
  });
  const hexCount = style.dotted ? 6 : 8;
  let words = gs
    .slice(0, hexCount)
    .map((g) => (style.pad ? g.toString(16).padStart(4, '0') : g.toString(16)));
  const cased = (s: string, salt: number) => {
    if (style.upper === 'lower') return s;
    if (style.upper === 'upper') return s.toUpperCase();
    return [...s]
      .map((ch, i) => ((style.caseSeed >> ((i + salt) % 30)) & 1 ? ch.toUpperCase() : ch))
      .join('');
  };
  words = words.map((w, i) => cased(w, i));
  const tail = style.dotted ? `${bytes[12]}.${bytes[13]}.${bytes[14]}.${bytes[15]}` : '';
  const runs: [number, number][] = [];
  for (let i = 0; i < hexCount; i++) {
    if (gs[i] !== 0) continue;
    for (let j = i; j < hexCount && gs[j] === 0; j++) runs.push([i, j + 1]);
  }
  let text: string;
  if (style.compress && runs.length > 0) {
    const [start, end] = runs[style.runPick % runs.length]!;
    const head = words.slice(0, start).join(':');
    const rest = [...words.slice(end), ...(tail ? [tail] : [])].join(':');
    text = `${head}::${rest}`;
  } else {
    text = [...words, ...(tail ? [tail] : [])].join(':');
  }
  return { family: 6 as const, bytes, text };
});

export const addressCase = fc.oneof({ weight: 1, arbitrary: ipv4Case }, { weight: 1, arbitrary: ipv6Case });

/** An address case with an optional prefix in range for its family. */
export const cidrCase: fc.Arbitrary<AddressCase & { prefix: number | undefined }> = addressCase.chain((c) =>
  fc.option(fc.integer({ min: 0, max: c.family === 4 ? 32 : 128 }), { nil: undefined }).map((prefix) => ({
    ...c,
    prefix,
    text: prefix === undefined ? c.text : `${c.text}/${prefix}`,
  })),
);

/** Strings made of the characters addresses are made of: finds the edge cases arbitrary unicode misses. */
export const addressLikeString = fc.oneof(
  fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEFx:./%[] -+'.split('')), maxLength: 45 }),
  fc.string({ unit: fc.constantFrom(...'0129af:.'.split('')), maxLength: 30 }),
  addressCase.chain((c) =>
    fc
      .tuple(
        fc.nat({ max: c.text.length }),
        fc.constantFrom('', '0', '00', ':', '.', '::', '/', '%1', ' ', 'x'),
      )
      .map(
        // a valid text with a small mutation spliced in
        ([at, insert]) => c.text.slice(0, at) + insert + c.text.slice(at + (insert === '' ? 1 : 0)),
      ),
  ),
);

export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < 16; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}
