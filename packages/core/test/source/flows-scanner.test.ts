import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { FlowsScanner } from '../../src/source/flows-scanner.js';

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
        return { meta, flows: Flows };
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
});
