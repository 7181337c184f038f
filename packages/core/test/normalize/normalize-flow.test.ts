import { fc, test } from '@fast-check/vitest';
import { createFlowGenerator } from '@nfw-flows/fixtures';
import { describe, expect, it } from 'vitest';
import { createFlowNormalizer } from '../../src/engine.js';
import { normalizeFlow } from '../../src/index.js';
import { flowContext } from '../support/records.js';

const context = flowContext({
  availabilityZone: 'us-east-1a',
  flowRequestTimestamp: new Date(1714558830000),
});
const base = {
  SourceAddress: { AddressDefinition: '10.0.0.1' },
  DestinationAddress: { AddressDefinition: '2001:DB8::1/64' },
  SourcePort: '443',
  DestinationPort: '1990:1994',
  Protocol: '6',
  Age: 12,
  PacketCount: 3,
  ByteCount: 2 ** 53 - 1,
};

describe('normalizeFlow', () => {
  it('normalizes every field and keeps the provenance', () => {
    const r = normalizeFlow(base, context);
    expect(r).toMatchObject({
      ...context,
      source: { family: 4, text: '10.0.0.1', prefixLength: 32 },
      destination: { family: 6, text: '2001:db8::1/64', prefixLength: 64 },
      sourcePort: { from: 443, to: 443, any: false },
      destinationPort: { from: 1990, to: 1994, any: false },
      protocol: { number: 6, name: 'TCP' },
      ageSeconds: 12,
      packetCount: 3,
      byteCount: 2 ** 53 - 1,
    });
  });

  it('absent values are null, never 0; unknown keys are ignored', () => {
    const r = normalizeFlow(
      { SourceAddress: base.SourceAddress, DestinationAddress: base.DestinationAddress, NewField: 1 },
      context,
    );
    expect([r.sourcePort, r.destinationPort, r.protocol, r.ageSeconds, r.packetCount, r.byteCount]).toEqual([
      null,
      null,
      null,
      null,
      null,
      null,
    ]);
  });

  it.each([
    ['Age', { Age: '12' }],
    ['Age', { Age: 1.5 }],
    ['Age', { Age: 2 ** 32 }],
    ['ByteCount', { ByteCount: -1 }],
    ['ByteCount', { ByteCount: 2 ** 53 }],
    ['PacketCount', { PacketCount: Number.NaN }],
    ['SourcePort', { SourcePort: 443 }],
    ['Protocol', { Protocol: 6 }],
    ['SourceAddress', { SourceAddress: '10.0.0.1' }],
    ['SourceAddress', { SourceAddress: undefined }],
    ['DestinationAddress.AddressDefinition', { DestinationAddress: {} }],
    ['DestinationAddress.AddressDefinition', { DestinationAddress: { AddressDefinition: 7 } }],
  ])('wrong JSON type in %s: NFW_INVALID_RECORD naming the field', (field, patch) => {
    expect(() => normalizeFlow({ ...base, ...patch }, context)).toThrow(
      expect.objectContaining({ code: 'NFW_INVALID_RECORD', field }),
    );
  });

  it('a flow that is not an object is NFW_INVALID_RECORD', () => {
    for (const flow of [null, [], 'x', 1]) {
      expect(() => normalizeFlow(flow, context)).toThrow(
        expect.objectContaining({ code: 'NFW_INVALID_RECORD', field: 'Flow' }),
      );
    }
  });

  it('bad text gets the parser code with the field', () => {
    expect(() => normalizeFlow({ ...base, SourcePort: '70000' }, context)).toThrow(
      expect.objectContaining({ code: 'NFW_INVALID_PORT', field: 'SourcePort' }),
    );
    expect(() =>
      normalizeFlow({ ...base, SourceAddress: { AddressDefinition: '010.0.0.1' } }, context),
    ).toThrow(
      expect.objectContaining({ code: 'NFW_AMBIGUOUS_IPV4', field: 'SourceAddress.AddressDefinition' }),
    );
    expect(() => normalizeFlow({ ...base, Protocol: '256' }, context)).toThrow(
      expect.objectContaining({ code: 'NFW_INVALID_PROTOCOL', field: 'Protocol' }),
    );
  });

  test.prop([fc.integer({ min: 0, max: 1_000_000 }), fc.integer({ min: 1, max: 1000 })], { numRuns: 30 })(
    'the cached normalizer gives the same records as normalizeFlow',
    (seed, count) => {
      const normalize = createFlowNormalizer();
      for (const flow of createFlowGenerator({ seed, count: Math.min(count, 200) }).flows()) {
        expect(normalize(flow, context)).toEqual(normalizeFlow(flow, context));
      }
    },
  );

  it('the stream normalizer agrees with normalizeFlow across memo rotations (more addresses than it keeps)', () => {
    const normalize = createFlowNormalizer();
    const texts: string[] = [];
    for (let i = 0; i < 40_000; i++) texts.push(`10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`);
    for (let i = 0; i < 40_000; i += 1000) texts.push(`fd00::${i.toString(16)}`);
    // Forwards, then backwards: the second pass meets old-generation, rotated-out and young entries.
    for (const order of [texts, [...texts].reverse()]) {
      for (let i = 0; i + 1 < order.length; i += 2) {
        const flow = {
          ...base,
          SourceAddress: { AddressDefinition: order[i]! },
          DestinationAddress: { AddressDefinition: order[i + 1]! },
        };
        const got = normalize(flow, context);
        const want = normalizeFlow(flow, context);
        if (got.source.text !== want.source.text || got.destination.text !== want.destination.text) {
          expect(got).toEqual(want);
        }
      }
    }
    const flow = { ...base, SourceAddress: { AddressDefinition: '10.0.1.2' } };
    expect(normalize(flow, context)).toEqual(normalizeFlow(flow, context));
  });

  const portText = fc.oneof(
    fc.nat(70_000).map(String),
    fc.stringMatching(/^[0-9]{1,6}$/),
    fc.tuple(fc.nat(65_535), fc.nat(65_535)).map(([a, b]) => `${a}:${b}`),
    fc.constantFrom('ANY', 'any', '', '-1', '+1', '1e3', ' 80', '0x50', '080', '00'),
    fc.string({ maxLength: 6 }),
  );
  const addressText = fc.oneof(
    fc.ipV4(),
    fc.ipV6(),
    fc.tuple(fc.ipV4(), fc.nat(40)).map(([a, p]) => `${a}/${p}`),
    fc.constantFrom('010.0.0.1', '10.1', '::ffff:10.0.0.9', '1.2.3.4/33', ''),
    // IPv4 texts near the memo's 32-bit key rule (strict dotted quads only)
    fc.constantFrom('0.0.0.0', '255.255.255.255', '256.0.0.1', '1.2.3.4.5', '1..2.3', '1.2.3.', '.1.2.3'),
    fc.constantFrom('01.2.3.4', '1.2.3.00', '1.2.3.0255', '1.2.3.4 ', '1.2.3.a', '1.2.3.4/32', '1.2.3.-1'),
    fc
      .tuple(fc.nat(300), fc.nat(300), fc.nat(300), fc.stringMatching(/^0?[0-9]{1,3}$/))
      .map((p) => p.join('.')),
  );
  const outcome = (run: () => unknown) => {
    try {
      return { ok: run() };
    } catch (error) {
      return { code: (error as { code?: string }).code, field: (error as { field?: string }).field };
    }
  };
  test.prop(
    [fc.array(fc.record({ s: addressText, d: addressText, sp: portText, dp: portText }), { maxLength: 40 })],
    { numRuns: 60 },
  )('the stream normalizer (memo, shared ports) agrees with normalizeFlow, errors included', (flows) => {
    const normalize = createFlowNormalizer();
    // Twice: the second round is served from the memo and the shared port table.
    for (const round of [0, 1]) {
      for (const f of flows) {
        const flow = {
          ...base,
          SourceAddress: { AddressDefinition: f.s },
          DestinationAddress: { AddressDefinition: f.d },
          SourcePort: f.sp,
          DestinationPort: f.dp,
        };
        expect([round, outcome(() => normalize(flow, context))]).toEqual([
          round,
          outcome(() => normalizeFlow(flow, context)),
        ]);
      }
    }
  });
});
