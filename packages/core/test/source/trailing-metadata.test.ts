import { open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { FlowsScanner } from '../../src/source/flows-scanner.js';
import { readTrailingMetadata } from '../../src/source/trailing-metadata.js';

const text = fc.string({
  unit: fc.constantFrom('a', 'é', '😀', '"', '\\', '/', '\n', '}', ']', '{', '[', ',', ':', ' '),
});
const key = text.filter((k) => k !== 'Flows' && k !== '__proto__');
const members = fc.dictionary(key, fc.oneof(text, fc.jsonValue({ maxDepth: 2 })), { maxKeys: 5 });
const flow = fc.oneof(
  fc.record({ SourceAddress: fc.record({ AddressDefinition: text }), Age: fc.nat() }),
  fc.jsonValue({ maxDepth: 2 }),
);
const response = fc
  .record({ before: members, flows: fc.array(flow, { maxLength: 6 }), after: members })
  .map(({ before, flows, after }) => ({
    before,
    flows,
    // A key of both would keep its first place in the object: keep the two sets apart.
    after: Object.fromEntries(Object.entries(after).filter(([k]) => !(k in before))),
  }));

/** Offsets of every response's Flows `[`, as the forward scanner reports them. */
function flowsOffsets(bytes: Buffer): number[] {
  const offsets: number[] = [];
  const scanner = new FlowsScanner(
    {
      pageStart: () => {},
      meta: () => {},
      flowsStart: (_page, offset) => offsets.push(offset),
      flows: () => {},
      pageEnd: () => {},
    },
    { skipFlows: true },
  );
  scanner.write(bytes);
  scanner.end();
  return offsets;
}

let fileNo = 0;

describe('readTrailingMetadata', () => {
  test.prop(
    [
      fc.array(response, { minLength: 1, maxLength: 3 }),
      fc.nat(),
      fc.constantFrom(0, 2, 4, '\t'),
      fc.constantFrom('\n', '', ' \r\n'),
    ],
    { numRuns: 120 },
  )(
    'when it decides, it gives exactly the members after that response’s Flows; it decides for the CLI case',
    async (responses, pick, indent, after) => {
      const docs = responses.map((r) =>
        JSON.stringify({ ...r.before, Flows: r.flows, ...r.after }, null, indent),
      );
      const bytes = Buffer.from(docs.join('\n') + after);
      const offsets = flowsOffsets(bytes);
      const page = pick % responses.length;
      const path = join(tmpdir(), `nfw-core-tail-${process.pid}-${fileNo++}.json`);
      await writeFile(path, bytes);
      const file = await open(path, 'r');
      try {
        const got = await readTrailingMetadata(file, offsets[page], new AbortController().signal);
        const expected = JSON.parse(JSON.stringify(responses[page].after));
        if (got !== undefined) expect(got.metadata).toEqual(expected);
        // The AWS CLI's case: the last response, Flows without `]`, no array right after it.
        const r = responses[page];
        const decidable =
          page === responses.length - 1 &&
          !JSON.stringify(r.flows).slice(1, -1).includes(']') &&
          !Object.values(r.after).some(Array.isArray);
        if (decidable) expect(got?.metadata).toEqual(expected);
      } finally {
        await file.close();
        await rm(path, { force: true });
      }
    },
  );
});
