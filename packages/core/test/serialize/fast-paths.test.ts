import { fc, test } from '@fast-check/vitest';
import { createFlowGenerator } from '@nfw-flows/fixtures';
import { tableFromIPC } from 'apache-arrow';
import { describe, expect } from 'vitest';
import { createFlowNormalizer } from '../../src/normalize/index.js';
import { putU64 } from '../../src/serialize/flow-column-buffers.js';
import { encodeArrow, encodeCsv, encodeNdjson, FLOW_COLUMNS } from '../../src/serialize/index.js';
import { writeUtf8 } from '../../src/serialize/utf8.js';
import type { FlowContext, FlowRecord, Row } from '../../src/types.js';
import { expectedRow, flowRecordArb, makeRecords } from './helpers.js';

// Any UTF-16 code units, lone surrogates included (TextEncoder writes those as U+FFFD).
const anyUnits = fc.string({
  unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
  maxLength: 40,
});
const anyText = fc.oneof(anyUnits, fc.string({ unit: 'grapheme', maxLength: 10 }), fc.string());

/** The schema v1 fast path writes the same bytes as the generic per-column builders. */
function expectSameBytesAsGeneric(records: FlowRecord[], batchSize: number, format: 'file' | 'stream'): void {
  const fast = Buffer.concat([...encodeArrow(records, { batchSize, format })]);
  const rows = records.map((r) => expectedRow(r) as Row);
  const generic = Buffer.concat([...encodeArrow(rows, { batchSize, format, columns: FLOW_COLUMNS })]);
  expect(fast.equals(generic)).toBe(true);
}

describe('UTF-8 fast path', () => {
  test.prop([anyText, fc.nat(7)], { numRuns: 300 })(
    'writeUtf8 writes the bytes TextEncoder gives, at any offset',
    (text, at) => {
      const bytes = new Uint8Array(at + text.length * 3).fill(0xee);
      const end = writeUtf8(bytes, at, text);
      expect(bytes.subarray(at, end)).toEqual(new TextEncoder().encode(text));
      expect(bytes.subarray(0, at).every((b) => b === 0xee)).toBe(true);
    },
  );
});

describe('uint64 fast path', () => {
  const safe = fc.oneof(
    fc.maxSafeNat(),
    fc.nat(0xffffffff),
    fc.constantFrom(0, 0xffffffff, 0x100000000, 0x1fffffffffffff, 2 ** 52, 2 ** 52 + 1),
  );
  test.prop([safe, fc.nat(3)], { numRuns: 300 })(
    'a safe integer split into two Uint32 words equals the BigInt write',
    (n, index) => {
      const words = new Uint32Array(8);
      expect(putU64(words, index, n)).toBe(true);
      expect(new BigUint64Array(words.buffer)[index]).toBe(BigInt(n));
    },
  );
  test.prop([
    fc.oneof(
      fc.integer({ min: Number.MIN_SAFE_INTEGER, max: -1 }),
      fc.double({ noInteger: true }),
      fc.constantFrom(2 ** 53, 2 ** 64, Number.NaN, Number.POSITIVE_INFINITY, -0.5),
      fc.bigInt({ max: -1n }),
      fc.bigInt({ min: 2n ** 64n }),
    ),
  ])('values outside 0..2^64-1 or not integers are refused', (n) => {
    expect(putU64(new Uint32Array(2), 0, n)).toBe(false);
  });
});

// Provenance columns hold one value per page: runs of any length, equal values that are not the
// same string object, null runs, long and non-ASCII values that make the byte buffers grow.
const provenanceText = fc.oneof(
  fc.constantFrom(
    'arn:aws:network-firewall:us-east-1:123456789012:firewall/prod',
    'us-east-1a',
    'x'.repeat(700),
    'é€😀'.repeat(50),
    '',
  ),
  anyUnits,
);
const contextArb: fc.Arbitrary<FlowContext> = fc.record({
  firewallArn: provenanceText,
  availabilityZone: fc.option(provenanceText),
  vpcEndpointId: fc.option(provenanceText),
  vpcEndpointAssociationArn: fc.option(provenanceText),
  flowOperationId: provenanceText,
  flowRequestTimestamp: fc.option(
    fc.integer({ min: -8.64e15, max: 8.64e15 }).map((ms) => new Date(ms)),
    { freq: 3 },
  ),
});
const pagesArb = fc.array(
  fc.record({ context: contextArb, count: fc.integer({ min: 1, max: 60 }), copy: fc.boolean() }),
  { maxLength: 8 },
);

/** What a string reads back as from UTF-8: lone surrogates become U+FFFD. */
const utf8RoundTrip = (s: unknown) =>
  typeof s === 'string' ? new TextDecoder().decode(new TextEncoder().encode(s)) : s;
const PROVENANCE = ['firewall_arn', 'availability_zone', 'vpc_endpoint_id', 'vpc_endpoint_association_arn'];

function expectedUtf8Row(r: FlowRecord): Record<string, unknown> {
  const row = expectedRow(r);
  for (const key of [...PROVENANCE, 'flow_operation_id']) row[key] = utf8RoundTrip(row[key]);
  return row;
}

/** A copy of a string with the same content but not the same object. */
const copyOf = (s: string | null) => (s === null ? null : Array.from(s).join(''));

function pagedRecords(pages: { context: FlowContext; count: number; copy: boolean }[]): FlowRecord[] {
  const total = pages.reduce((n, p) => n + p.count, 0);
  const base = makeRecords(total, 3);
  const out: FlowRecord[] = [];
  for (const { context, count, copy } of pages) {
    for (let i = 0; i < count; i++) {
      const c =
        copy && i % 2 === 1
          ? {
              ...context,
              firewallArn: copyOf(context.firewallArn) as string,
              availabilityZone: copyOf(context.availabilityZone),
              flowOperationId: copyOf(context.flowOperationId) as string,
              flowRequestTimestamp:
                context.flowRequestTimestamp === null ? null : new Date(context.flowRequestTimestamp),
            }
          : context;
      out.push({ ...base[out.length], ...c });
    }
  }
  return out;
}

describe('schema v1 writer', () => {
  test.prop([pagesArb, fc.integer({ min: 1, max: 200 })], { numRuns: 60 })(
    'paged records (runs of provenance values across batch boundaries) round-trip',
    (pages, batchSize) => {
      const records = pagedRecords(pages);
      const table = tableFromIPC(Buffer.concat([...encodeArrow(records, { batchSize })]));
      expect(table.numRows).toBe(records.length);
      expect(table.toArray().map((r) => ({ ...r.toJSON() }))).toEqual(records.map(expectedUtf8Row));
    },
  );

  test.prop(
    [
      fc.oneof(pagesArb.map(pagedRecords), fc.array(flowRecordArb, { maxLength: 30 })),
      fc.integer({ min: 1, max: 64 }),
      fc.constantFrom('file' as const, 'stream' as const),
    ],
    { numRuns: 60 },
  )('writes the same bytes as the generic per-column builders (differential)', expectSameBytesAsGeneric);

  test('a missing, mistyped or out-of-range value fails with NFW_INVALID_RECORD naming the column', () => {
    const [r] = makeRecords(1);
    const cases: [Partial<Record<keyof FlowRecord, unknown>>, string][] = [
      [{ firewallArn: undefined }, 'firewall_arn'],
      [{ firewallArn: null }, 'firewall_arn'],
      [{ availabilityZone: 5 }, 'availability_zone'],
      [{ flowOperationId: undefined }, 'flow_operation_id'],
      [{ flowRequestTimestamp: new Date(Number.NaN) }, 'flow_request_timestamp'],
      [{ flowRequestTimestamp: undefined }, 'flow_request_timestamp'],
      [{ source: { ...r.source, text: undefined } }, 'source_address'],
      [{ source: { ...r.source, prefixLength: 256 } }, 'source_prefix_length'],
      [{ sourcePort: { from: 70000, to: 70000, any: false } }, 'source_port_from'],
      [{ destinationPort: { from: 1, to: -1, any: false } }, 'destination_port_to'],
      [{ protocol: { number: 6, name: 6 } }, 'protocol_name'],
      [{ protocol: { number: 1.5, name: 'X' } }, 'protocol'],
      [{ ageSeconds: 2 ** 32 }, 'age_seconds'],
      [{ packetCount: -1 }, 'packet_count'],
      [{ byteCount: 2 ** 53 }, 'byte_count'],
      [{ byteCount: '5' }, 'byte_count'],
    ];
    for (const [change, field] of cases) {
      const bad = { ...r, ...change } as FlowRecord;
      expect(() => [...encodeArrow([r, bad])], field).toThrow(
        expect.objectContaining({ code: 'NFW_INVALID_RECORD', field }),
      );
    }
  });
});

// Records as the normalizer makes them: frozen address/port/protocol objects shared between records.
const NORMALIZED: FlowRecord[] = (() => {
  const generator = createFlowGenerator({ count: 3000, seed: 11, talkers: 50 });
  const normalize = createFlowNormalizer();
  const out: FlowRecord[] = [];
  let context: FlowContext | null = null;
  for (let i = 0; i < generator.count; i++) {
    if (i % 100 === 0)
      context = { ...makeRecords(1, i + 1)[0], availabilityZone: i % 300 === 0 ? null : 'az' };
    out.push(normalize(generator.flowAt(i), context as FlowContext));
  }
  return out;
})();

const recordsArb = fc.oneof(
  pagesArb.map(pagedRecords),
  fc.array(flowRecordArb, { maxLength: 30 }),
  fc.tuple(fc.nat(2900), fc.integer({ min: 1, max: 100 })).map(([s, n]) => NORMALIZED.slice(s, s + n)),
);

describe('text formats: schema v1 fast path', () => {
  test.prop([recordsArb, fc.constantFrom('\n' as const, '\r\n' as const)], { numRuns: 80 })(
    'NDJSON and CSV equal the generic per-column formatters (differential)',
    (records, eol) => {
      const rows = records.map((r) => expectedRow(r) as Row);
      const columns = FLOW_COLUMNS;
      expect([...encodeNdjson(records)].join('')).toBe([...encodeNdjson(rows, { columns })].join(''));
      expect([...encodeCsv(records, { eol })].join('')).toBe([...encodeCsv(rows, { columns, eol })].join(''));
    },
  );

  test('a mutable Date or address changed between records is written as it is now, not from a cache', () => {
    const [a] = makeRecords(1);
    const when = new Date(Date.UTC(2025, 0, 1));
    const source = { ...a.source };
    const first = { ...a, flowRequestTimestamp: when, source };
    const line1 = [...encodeNdjson([first])].join('');
    const lines = [
      ...encodeNdjson(
        (function* () {
          yield first;
          when.setTime(Date.UTC(2026, 5, 6));
          source.text = '192.0.2.99';
          yield { ...first };
        })(),
      ),
    ]
      .join('')
      .split('\n');
    expect(`${lines[0]}\n`).toBe(line1);
    expect(JSON.parse(lines[1])).toMatchObject({
      flow_request_timestamp: '2026-06-06T00:00:00.000Z',
      source_address: '192.0.2.99',
    });
  });

  test('bad values fail with NFW_INVALID_RECORD naming the column, as in the generic path', () => {
    const [r] = NORMALIZED;
    for (const [change, field] of [
      [{ byteCount: -1 }, 'byte_count'],
      [{ ageSeconds: 1.5 }, 'age_seconds'],
      [{ firewallArn: undefined }, 'firewall_arn'],
      [{ source: { ...r.source, text: 5 } }, 'source_address'],
      [{ destinationPort: { from: 70000, to: 1, any: false } }, 'destination_port_from'],
    ] as [Partial<Record<keyof FlowRecord, unknown>>, string][]) {
      const bad = { ...r, ...change } as FlowRecord;
      expect(() => [...encodeNdjson([r, bad])], field).toThrow(
        expect.objectContaining({ code: 'NFW_INVALID_RECORD', field }),
      );
      expect(() => [...encodeCsv([r, bad])], field).toThrow(
        expect.objectContaining({ code: 'NFW_INVALID_RECORD', field }),
      );
    }
  });
});

describe('schema v1 writer: records as the normalizer shares them', () => {
  test.prop(
    [recordsArb, fc.integer({ min: 1, max: 64 }), fc.constantFrom('file' as const, 'stream' as const)],
    { numRuns: 60 },
  )('writes the same bytes as the generic per-column builders (differential)', expectSameBytesAsGeneric);

  test('an address object changed between records is written as it is now', () => {
    const [a] = makeRecords(1);
    const destination = { ...a.destination };
    const first = { ...a, destination };
    const table = tableFromIPC(
      Buffer.concat([
        ...encodeArrow(
          (function* () {
            yield first;
            destination.text = '192.0.2.99';
            yield { ...first };
            yield { ...first, destination: { ...destination, text: 'fe80::1/64' } };
          })(),
          { batchSize: 2 },
        ),
      ]),
    );
    expect(table.getChild('destination_address')?.toArray()).toEqual([
      a.destination.text,
      '192.0.2.99',
      'fe80::1/64',
    ]);
  });

  test('a destination that is not an address object fails as the source does', () => {
    const [r] = makeRecords(1);
    for (const [change, field] of [
      [{ destination: 5 }, 'destination_address'],
      [{ destination: { ...r.destination, text: null } }, 'destination_address'],
      [{ destination: { ...r.destination, family: 300 } }, 'destination_ip_version'],
      [{ source: { ...r.source, text: 5 }, destination: null }, 'source_address'],
    ] as [Partial<Record<keyof FlowRecord, unknown>>, string][]) {
      const bad = { ...r, ...change } as FlowRecord;
      expect(() => [...encodeArrow([r, bad])], field).toThrow(
        expect.objectContaining({ code: 'NFW_INVALID_RECORD', field }),
      );
    }
    // No address object at all: a TypeError, for the destination as for the source.
    expect(() => [...encodeArrow([{ ...r, destination: null } as never])]).toThrow(TypeError);
    expect(() => [...encodeArrow([{ ...r, source: null } as never])]).toThrow(TypeError);
  });
});
