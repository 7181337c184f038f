import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fc, test } from '@fast-check/vitest';
import { type FlowContext, type FlowRecord, normalizeFlow } from '@nfw-flows/core';
import { createFlowGenerator } from '@nfw-flows/fixtures';
import { afterAll, describe, expect } from 'vitest';
import { escapePartitionValue } from '../src/export/write-output.js';
import { readSpool, SpoolWriter } from '../src/output/spool.js';
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
