import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fc, test } from '@fast-check/vitest';
import { type FlowContext, type FlowRecord, normalizeFlow } from '@nfw-flows/core';
import { createFlowGenerator } from '@nfw-flows/fixtures';
import { afterAll, describe, expect } from 'vitest';
import { escapePartitionValue } from '../src/export/write-output.js';
import {
  decodeRecord,
  type EncodedRecord,
  encodeRecord,
  readableFromBatches,
  readSpool,
  SPOOL_PIECE,
  SpoolDecoder,
  SpoolWriter,
} from '../src/output/spool.js';
import { tempDir } from './helpers.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

const context = (op: string, az: string | null): FlowContext => ({
  firewallArn: 'arn:aws:network-firewall:us-east-1:123456789012:firewall/f',
  availabilityZone: az,
  vpcEndpointId: null,
  vpcEndpointAssociationArn: null,
  flowOperationId: op,
  flowRequestTimestamp: new Date(1767225600500),
});

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

  // Few distinct texts with random other fields: memo hits, and texts whose other fields differ.
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
  const encodedRecord = fc.tuple(
    encodedAddress,
    encodedPort,
    encodedAddress,
    encodedPort,
    fc.option(fc.tuple(fc.integer({ min: 0, max: 2 }), fc.constantFrom('TCP', 'UDP'))),
    counter,
    counter,
    counter,
  ) as fc.Arbitrary<EncodedRecord>;

  test.prop([fc.array(encodedRecord, { maxLength: 60 })])(
    'SpoolDecoder (shared values) decodes every record as decodeRecord does',
    (encoded) => {
      const c = context('op-a', null);
      const decoder = new SpoolDecoder();
      for (const e of encoded) expect(decoder.record(e, c)).toEqual(decodeRecord(e, c));
    },
  );

  test('SpoolDecoder agrees with decodeRecord on generated flows', () => {
    const decoder = new SpoolDecoder();
    for (const r of records(5, 3000)) {
      const e = JSON.parse(JSON.stringify(encodeRecord(r))) as EncodedRecord;
      expect(decoder.record(e, r)).toEqual(decodeRecord(e, r));
    }
  });

  test('a slow consumer: records decoded but not yet consumed stay bounded', async () => {
    const count = 20_000; // several 1 MiB chunks of the spool
    const file = path.join(tmp.dir, 'slow-consumer');
    const writer = new SpoolWriter(file);
    for (const r of records(11, count)) writer.write(r);
    writer.close();
    let decoded = 0;
    async function* counted() {
      for await (const batch of readSpool(file)) {
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
