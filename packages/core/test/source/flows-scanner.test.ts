import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { JsonNumberText } from '../../src/normalize/normalize-flow.js';
import { FlowsScanner, type ScanLimits } from '../../src/source/flows-scanner.js';

interface Page {
  meta: Record<string, unknown>;
  flows: unknown[] | undefined;
}

/** Run the scanner over `bytes` split at `cuts`, returning what it reported per response. */
function scan(bytes: Buffer, cuts: number[]): Page[] {
  const pages: Page[] = [];
  const scanner = new FlowsScanner({
    pageStart: (p) => {
      pages[p] = { meta: {}, flows: undefined };
    },
    meta: (p, key, value) => {
      pages[p].meta[key] = value;
    },
    flowsStart: (p) => {
      pages[p].flows = [];
    },
    flows: (p, flows) => {
      pages[p].flows!.push(...flows);
    },
    pageEnd: () => {},
  });
  let at = 0;
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    const end = Math.min(bytes.length, cut);
    if (end > at) scanner.write(bytes.subarray(at, end));
    at = Math.max(at, end);
  }
  scanner.write(bytes.subarray(at));
  scanner.end();
  return pages;
}

const text = fc.string({
  unit: fc.constantFrom('a', 'é', '😀', '"', '\\', '/', '\n', '\u0001', '}', ']', '{', '[', ',', ':', ' '),
});
const flow = fc.oneof(
  fc.record({
    SourceAddress: fc.record({ AddressDefinition: text }),
    DestinationAddress: fc.record({ AddressDefinition: text }),
    SourcePort: text,
    Age: fc.integer(),
    ByteCount: fc.double({ noNaN: true, noDefaultInfinity: true }),
    Extra: fc.jsonValue({ maxDepth: 4 }),
  }),
  fc.jsonValue({ maxDepth: 3 }),
);
const page = fc.record({
  FirewallArn: text,
  FlowOperationId: text,
  FlowRequestTimestamp: fc.oneof(fc.integer(), text),
  Flows: fc.array(flow, { maxLength: 8 }),
  NextToken: fc.option(text, { nil: undefined }),
});
const space = fc.constantFrom(0, 1, 2, 4, '\t', ' \r\n ');

/** What the scanner reports for a flow: counters whose text is not plain digits below 2^53 as their text. */
function exactCounters(flow: unknown): unknown {
  if (typeof flow !== 'object' || flow === null || Array.isArray(flow)) return flow;
  const out = { ...(flow as Record<string, unknown>) };
  for (const key of ['Age', 'PacketCount', 'ByteCount']) {
    const v = out[key];
    if (typeof v !== 'number') continue;
    const text = JSON.stringify(v);
    if (!/^(?:0|[1-9]\d*)$/.test(text) || !Number.isSafeInteger(v)) out[key] = new JsonNumberText(text);
  }
  return out;
}

describe('FlowsScanner', () => {
  test.prop(
    [
      fc.array(page, { minLength: 1, maxLength: 3 }),
      fc.constantFrom('page', 'pages', 'jsonl'),
      space,
      fc.array(fc.nat(4000), { maxLength: 12 }),
      fc.boolean(),
    ],
    { numRuns: 150 },
  )(
    'reports what JSON.parse reads, for any shape, whitespace, key order and chunk split',
    (pages, shape, indent, cuts, flowsFirst) => {
      const ordered = pages.map((p) => {
        const { Flows, ...meta } = p;
        return flowsFirst ? { Flows, ...meta } : { ...meta, Flows };
      });
      const doc =
        shape === 'page'
          ? JSON.stringify(ordered[0], null, indent)
          : shape === 'pages'
            ? JSON.stringify(ordered, null, indent)
            : ordered.map((p) => JSON.stringify(p)).join('\n');
      const expected = (shape === 'page' ? [ordered[0]] : ordered).map((p) => {
        const { Flows, ...meta } = JSON.parse(JSON.stringify(p));
        return { meta, flows: (Flows as unknown[]).map(exactCounters) };
      });
      expect(scan(Buffer.from(doc), cuts)).toEqual(expected);
    },
  );

  test.prop([page, fc.nat()], { numRuns: 100 })('any truncation is NFW_INVALID_INPUT', (p, at) => {
    const doc = Buffer.from(JSON.stringify(p, null, 2));
    const cut = at % doc.length;
    expect(() => scan(doc.subarray(0, cut), [])).toThrow(
      expect.objectContaining({ code: 'NFW_INVALID_INPUT' }),
    );
  });

  // Flows built to mislead the fast path: `}, {` inside strings, arrays of objects, nesting near maxDepth.
  const tricky = fc.constantFrom('}, {', '},{', '"}, {"', '\\', '\\"', ']', '},\n {', 'é😀');
  const nested = (depth: number): unknown => (depth === 0 ? { a: 1 } : { n: [nested(depth - 1), {}] });
  const hostileFlow = fc.oneof(
    fc.record({
      SourceAddress: fc.record({ AddressDefinition: tricky }),
      Extra: fc.array(fc.record({ x: tricky })),
    }),
    fc.integer({ min: 0, max: 5 }).map(nested),
    fc.jsonValue({ maxDepth: 3 }),
    flow,
  );
  const hostilePage = fc.record({
    FirewallArn: text,
    Flows: fc.array(hostileFlow, { maxLength: 12 }),
    FlowOperationId: text,
  });

  function outcome(bytes: Buffer, cuts: number[], limits: ScanLimits) {
    const flows: unknown[] = [];
    const meta: unknown[] = [];
    const scanner = new FlowsScanner(
      {
        pageStart: () => {},
        meta: (p, key, value, after) => meta.push([p, key, value, after]),
        flowsStart: (p, offset) => meta.push([p, 'Flows@', offset]),
        flows: (p, batch) => {
          for (const f of batch) flows.push([p, f]);
        },
        pageEnd: (p) => meta.push([p, 'end']),
      },
      limits,
    );
    let error: unknown;
    try {
      let at = 0;
      for (const cut of [...cuts].sort((a, b) => a - b)) {
        if (cut > at && cut < bytes.length) scanner.write(bytes.subarray(at, cut));
        at = Math.max(at, Math.min(cut, bytes.length));
      }
      scanner.write(bytes.subarray(at));
      scanner.end();
    } catch (e) {
      error = { code: (e as { code?: string }).code, offset: (e as { offset?: number }).offset };
    }
    return { flows, meta, error };
  }

  test.prop(
    [
      fc.array(hostilePage, { minLength: 1, maxLength: 3 }),
      space,
      fc.array(fc.nat(3000), { maxLength: 8 }),
      fc.integer({ min: 16, max: 600 }),
      fc.integer({ min: 2, max: 8 }),
      fc.option(fc.tuple(fc.nat(), fc.constantFrom('', ',', '"', '\xff', ']', '{')), { nil: undefined }),
    ],
    { numRuns: 150 },
  )(
    'the fast path gives exactly what walking every byte gives: flows, metadata, errors and their offsets',
    (pages, indent, cuts, maxFlowBytes, maxDepth, damage) => {
      let doc = Buffer.from(pages.map((p) => JSON.stringify(p, null, indent)).join('\n'));
      if (damage !== undefined) {
        // Truncate, or insert a stray byte, anywhere: both paths must fail the same way.
        const at = damage[0] % (doc.length + 1);
        const bad = damage[1] === '\xff' ? Buffer.from([0xff]) : Buffer.from(damage[1]);
        doc = Buffer.concat([
          doc.subarray(0, at),
          bad,
          damage[1] === '' ? Buffer.alloc(0) : doc.subarray(at),
        ]);
      }
      const limits = { maxFlowBytes, maxDepth };
      expect(outcome(doc, cuts, limits)).toEqual(outcome(doc, cuts, { ...limits, exact: true }));
    },
  );
});
