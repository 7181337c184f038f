import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fc, test } from '@fast-check/vitest';
import { type FlowRecord, normalizeFlow } from '@nfw-flows/core';
import { createFlowGenerator } from '@nfw-flows/fixtures';
import { afterAll, describe, expect } from 'vitest';
import { escapePartitionValue } from '../src/export/write-output.js';
import {
  AppendLog,
  appendRecordBytes,
  decodeRecord,
  type EncodedRecord,
  encodeRecord,
  hexBytes,
  readableFromBatches,
  readSpool,
  recordLine,
  SPOOL_PIECE,
  SpoolWriter,
} from '../src/output/spool.js';
import { flowContext, tempDir } from './helpers.js';

/**
 * The line appendRecordBytes writes into an AppendLog (after a line of `at` bytes, so at an offset of
 * its buffer), or null where it declines (then nothing may have been appended).
 */
let logs = 0;
function bytesLine(r: FlowRecord, at = 7): string | null {
  const file = path.join(tmp.dir, `bytes-${logs++}`);
  const log = new AppendLog(file);
  const before = 'x'.repeat(Math.max(0, at - 1));
  if (at > 0) log.append(before);
  const written = appendRecordBytes(log, r);
  log.close();
  const text = readFileSync(file, 'utf8');
  const head = at > 0 ? `${before}\n` : '';
  if (!written) {
    expect(text).toBe(head);
    return null;
  }
  expect(text.startsWith(head) && text.endsWith('\n')).toBe(true);
  return text.slice(head.length, -1);
}

const tmp = tempDir();
afterAll(() => tmp.cleanup());

const context = flowContext;

function records(seed: number, count: number): FlowRecord[] {
  const gen = createFlowGenerator({ seed, count });
  return [...gen.flows()].map((f, i) =>
    normalizeFlow(f, context(i < count / 2 ? 'op-a' : 'op-b', i % 3 ? 'us-east-1a' : null)),
  );
}

async function readAll(file: string): Promise<FlowRecord[]> {
  const out: FlowRecord[] = [];
  for await (const batch of readSpool(file)) out.push(...batch);
  return out;
}

describe('spool', () => {
  test.prop([fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 0, max: 300 })], { numRuns: 8 })(
    'records round-trip exactly, and truncating to a committed length keeps exactly the committed records',
    async (seed, count) => {
      const all = records(seed, count);
      const file = path.join(tmp.dir, `spool-${seed}-${count}`);
      const cut = Math.floor(count / 2);
      const writer = new SpoolWriter(file);
      all.slice(0, cut).forEach((r) => {
        writer.write(r);
      });
      const committed = writer.commit();
      all.slice(cut).forEach((r) => {
        writer.write(r);
      });
      writer.close();
      expect(await readAll(file)).toEqual(all);
      // A resumed run truncates to the checkpoint and appends the rest again.
      const resumed = new SpoolWriter(file, committed);
      all.slice(cut).forEach((r) => {
        resumed.write(r);
      });
      resumed.close();
      expect(await readAll(file)).toEqual(all);
    },
  );

  test.prop(
    [
      fc.integer({ min: 1, max: 1000 }),
      fc.integer({ min: 0, max: 400 }),
      fc.integer({ min: 1, max: 300 }),
      fc.integer({ min: 1, max: 8192 }),
    ],
    { numRuns: 12 },
  )(
    'readableFromBatches(readSpool(file)) gives the records written, for any piece and chunk size',
    async (seed, count, piece, chunkBytes) => {
      const all = records(seed, count);
      const file = path.join(tmp.dir, `pieces-${seed}-${count}-${piece}-${chunkBytes}`);
      const writer = new SpoolWriter(file);
      for (const r of all) writer.write(r);
      writer.close();
      for await (const batch of readSpool(file, { piece, chunkBytes })) {
        expect(batch.length).toBeGreaterThan(0);
        expect(batch.length).toBeLessThanOrEqual(piece);
      }
      const out: FlowRecord[] = [];
      for await (const r of readableFromBatches(readSpool(file, { piece, chunkBytes })))
        out.push(r as FlowRecord);
      expect(out).toEqual(all);
    },
  );

  // Encoded values: a few texts, with random other fields.
  const encodedAddress = fc.tuple(
    fc.constantFrom(4 as const, 6 as const),
    fc.constantFrom('10.0.0.1', '::1'),
    fc.integer({ min: 0, max: 128 }),
    fc.constantFrom('10.0.0.0', '::'),
    fc.constantFrom('10.0.0.1', '10.0.0.1/8', '::1'),
    fc.constantFrom('0a000001', '00000000000000000000000000000001', ''),
  );
  const encodedPort = fc.option(
    fc.tuple(
      fc.integer({ min: 0, max: 3 }),
      fc.integer({ min: 0, max: 3 }),
      fc.constantFrom(0 as const, 1 as const),
    ),
  );
  const counter = fc.option(fc.integer({ min: 0, max: 10 }));

  // Lines as JSON.stringify writes them from arbitrary values, with the few texts above mixed in
  // (strings holding `]`, `"` or `,`, negative, fractional and huge numbers, non-numbers).
  const anyValue = fc.oneof(
    fc.constant(null),
    fc.integer(),
    fc.double({ noNaN: true }),
    fc.constantFrom(0, 1234567890123456, 9007199254740991, 12345678901234568, 1e21),
    fc.string(),
    fc.constantFrom(']', '"]', 'a,b', '[1]'),
  );
  const wildAddress = fc.oneof(
    encodedAddress,
    fc.tuple(
      fc.constantFrom(4, 6),
      fc.string(),
      fc.integer({ min: 0, max: 128 }),
      fc.string(),
      fc.string(),
      fc.constantFrom('0a000001', ''),
    ),
  );
  const wildLine = fc
    .tuple(
      wildAddress,
      fc.oneof(encodedPort, fc.array(anyValue, { maxLength: 4 })),
      wildAddress,
      encodedPort,
      fc.oneof(
        fc.option(fc.tuple(fc.integer({ min: 0, max: 2 }), fc.string())),
        fc.array(anyValue, { maxLength: 3 }),
      ),
      fc.oneof(counter, anyValue),
      fc.oneof(counter, anyValue),
      fc.oneof(counter, anyValue),
    )
    .map((e) => JSON.stringify(e));

  test.prop([fc.integer({ min: 1, max: 10_000 }), fc.integer({ min: 1, max: 400 })], { numRuns: 10 })(
    'recordLine writes exactly JSON.stringify(encodeRecord(r)), and decodeRecord reads it back',
    (seed, count) => {
      for (const r of records(seed, count)) {
        const line = recordLine(r);
        expect(line).toBe(JSON.stringify(encodeRecord(r)));
        expect(bytesLine(r)).toBe(line);
        expect(decodeRecord(JSON.parse(line) as EncodedRecord, r)).toEqual(r);
      }
    },
  );

  test.prop([wildLine.filter((l) => JSON.parse(l)[0].length === 6 && JSON.parse(l)[2].length === 6)])(
    'recordLine agrees with JSON.stringify(encodeRecord(r)) on unusual values (frozen or not)',
    (line) => {
      const c = context('op-a', null);
      let r: FlowRecord;
      try {
        r = decodeRecord(JSON.parse(line) as EncodedRecord, c);
      } catch {
        return;
      }
      for (const record of [r, { ...r, source: Object.freeze({ ...r.source }) }]) {
        let expected: unknown;
        try {
          expected = JSON.stringify(encodeRecord(record));
        } catch (error) {
          expected = error;
        }
        if (expected instanceof Error) expect(() => recordLine(record)).toThrow();
        else {
          expect(recordLine(record)).toBe(expected);
          // the byte writer writes the same line, or declines and the spool writes recordLine's
          const bytes = bytesLine(record);
          if (bytes !== null) expect(bytes).toBe(expected);
        }
      }
    },
  );

  const number = fc.oneof(fc.double(), fc.maxSafeInteger(), fc.integer(), fc.constant(-0));
  test.prop([
    fc.array(number, { minLength: 4, maxLength: 4 }),
    fc.array(fc.option(number), { minLength: 4, maxLength: 4 }),
    fc.boolean(),
  ])(
    'appendRecordBytes writes numbers as JSON.stringify does (negative, fractional, huge, -0, NaN)',
    (ports, counters, any) => {
      const [r] = records(3, 1);
      const record: FlowRecord = {
        ...r!,
        sourcePort: { from: ports[0]!, to: ports[1]!, any },
        destinationPort: counters[3] === null ? null : { from: ports[2]!, to: ports[3]!, any: !any },
        ageSeconds: counters[0] ?? null,
        packetCount: counters[1] ?? null,
        byteCount: counters[2] ?? null,
      };
      const expected = JSON.stringify(encodeRecord(record));
      expect(bytesLine(record)).toBe(expected);
      expect(bytesLine(record, 0)).toBe(expected);
    },
  );

  test('a slow consumer: records decoded but not yet consumed stay bounded', async () => {
    const count = 20_000; // several 1 MiB chunks of the spool (read in 1 MiB chunks below)
    const file = path.join(tmp.dir, 'slow-consumer');
    const writer = new SpoolWriter(file);
    for (const r of records(11, count)) writer.write(r);
    writer.close();
    let decoded = 0;
    async function* counted() {
      for await (const batch of readSpool(file, { chunkBytes: 1 << 20 })) {
        decoded += batch.length;
        yield batch;
      }
    }
    let consumed = 0;
    let ahead = 0;
    for await (const _ of readableFromBatches(counted())) {
      consumed++;
      ahead = Math.max(ahead, decoded - consumed);
      if (consumed % 64 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    expect(consumed).toBe(count);
    // The Readable's buffer (highWaterMark 1024) plus the rest of one piece.
    expect(ahead).toBeLessThanOrEqual(1024 + SPOOL_PIECE);
  });

  test('readableFromBatches buffers at most its highWaterMark, whatever the batch size', async () => {
    async function* big() {
      for (let b = 0; b < 4; b++) yield Array.from({ length: 5000 }, (_, i) => ({ b, i }));
    }
    const stream = readableFromBatches(big());
    let consumed = 0;
    let buffered = 0;
    for await (const _ of stream) {
      consumed++;
      buffered = Math.max(buffered, stream.readableLength);
      if (consumed % 100 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    expect(consumed).toBe(20_000);
    expect(buffered).toBeLessThanOrEqual(stream.readableHighWaterMark);
  });

  test.prop(
    [
      fc.array(
        fc.oneof(
          { weight: 20, arbitrary: fc.string({ unit: 'grapheme', maxLength: 200 }) },
          {
            weight: 1,
            arbitrary: fc.constantFrom('x'.repeat(300_000), '€'.repeat(90_000), '\ud800'.repeat(5)),
          },
        ),
        { maxLength: 30 },
      ),
    ],
    { numRuns: 30 },
  )('AppendLog writes every line and knows its exact byte length (long and multi-byte lines)', (lines) => {
    const file = path.join(tmp.dir, 'append-log');
    const log = new AppendLog(file);
    let expected = 0;
    for (const line of lines) {
      log.append(line);
      expected += Buffer.byteLength(line, 'utf8') + 1;
      expect(log.length).toBe(expected);
    }
    expect(log.commit()).toBe(expected);
    log.close();
    expect(readFileSync(file)).toEqual(Buffer.from(lines.map((l) => `${l}\n`).join(''), 'utf8'));
  });

  test.prop([
    fc.oneof(
      fc.uint8Array({ maxLength: 20 }).map((b) => Buffer.from(b).toString('hex')),
      fc.uint8Array({ maxLength: 20 }).map((b) => Buffer.from(b).toString('hex').toUpperCase()),
      fc.string({ maxLength: 12 }),
      fc.stringMatching(/^[0-9a-fA-Fg \u00e9\u0100]{0,12}$/),
    ),
  ])('hexBytes gives what new Uint8Array(Buffer.from(hex, "hex")) gives, for any string', (hex) => {
    expect(hexBytes(hex)).toEqual(new Uint8Array(Buffer.from(hex, 'hex')));
  });

  test('a spool with garbage after the committed length is cut back on resume', async () => {
    const all = records(3, 20);
    const file = path.join(tmp.dir, 'garbage');
    const w = new SpoolWriter(file);
    all.forEach((r) => {
      w.write(r);
    });
    const committed = w.commit();
    w.close();
    writeFileSync(file, `${readFileSync(file, 'utf8')}[[4,"1.2.3`);
    new SpoolWriter(file, committed).close();
    expect(await readAll(file)).toEqual(all);
  });
});

describe('Hive partition values', () => {
  test('ARNs become one path segment, escaped as Hive does', () => {
    expect(escapePartitionValue('arn:aws:network-firewall:us-east-1:123456789012:firewall/a=b')).toBe(
      'arn%3Aaws%3Anetwork-firewall%3Aus-east-1%3A123456789012%3Afirewall%2Fa%3Db',
    );
    expect(escapePartitionValue(null)).toBe('__HIVE_DEFAULT_PARTITION__');
    expect(escapePartitionValue('us-east-1a')).toBe('us-east-1a');
  });

  test.prop([fc.string({ minLength: 1, maxLength: 40 })], { numRuns: 200 })(
    'escaping is reversible by URL decoding and never yields / or :',
    (value) => {
      const escaped = escapePartitionValue(value);
      expect(escaped).not.toMatch(/[/:=]/);
      expect(decodeURIComponent(escaped)).toBe(value);
    },
  );
});

describe('resuming a spool shorter than its checkpoint says', () => {
  test.each(['lines', 'arrow'] as const)(
    '%s spool: NFW_CHECKPOINT_INVALID, the file is not grown',
    async (kind) => {
      const { ArrowSpoolWriter } = await import('../src/output/arrow-spool.js');
      const file = path.join(tmp.dir, `short-${kind}.spool`);
      writeFileSync(file, 'ten bytes\n');
      const open = () =>
        kind === 'lines' ? new SpoolWriter(file, 1 << 30) : new ArrowSpoolWriter(file, 1 << 30);
      expect(open).toThrow(expect.objectContaining({ code: 'NFW_CHECKPOINT_INVALID' }));
      expect(readFileSync(file, 'utf8')).toBe('ten bytes\n');
    },
  );
});
