import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fc, test } from '@fast-check/vitest';
import { type FlowPage, type FlowRecord, normalizeFlow } from '@nfw-flows/core';
import { createFlowGenerator } from '@nfw-flows/fixtures';
import { afterAll, describe, expect } from 'vitest';
import { escapePartitionValue } from '../src/export/write-output.js';
import { AppendLog } from '../src/spool/append-log.js';
import { pageLine } from '../src/spool/page-line.js';
import { spoolRecords } from '../src/spool/spool-records.js';
import { flowContext, tempDir } from './helpers.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

/** Pages of `count` generated flows as pages() yields them (records normalized from the same flows). */
function pagesOf(seed: number, count: number, pageSize: number, az: string | null): FlowPage[] {
  const flows = [...createFlowGenerator({ seed, count }).flows()] as unknown[];
  const context = flowContext(`op-${seed}`, az);
  const out: FlowPage[] = [];
  for (let at = 0, index = 0; at < flows.length || index === 0; at += pageSize, index++) {
    const page = flows.slice(at, at + pageSize);
    const last = at + pageSize >= flows.length;
    out.push({
      index,
      records: page.map((f) => normalizeFlow(f, context)),
      rejects: [],
      flows: page,
      nextToken: last ? undefined : `token-${seed}-${index}`,
      status: index % 2 ? 'COMPLETED_WITH_ERRORS' : 'COMPLETED',
      statusMessage: index % 2 ? 'some \u2028 text "quoted"' : null,
      context,
      truncated: false,
      warnings: [],
    });
  }
  return out;
}

async function readAll(spools: string[]): Promise<FlowRecord[]> {
  const out: FlowRecord[] = [];
  for await (const record of spoolRecords(spools, new AbortController().signal)) out.push(record);
  return out;
}

describe('page spool', () => {
  test.prop(
    [
      fc.integer({ min: 0, max: 600 }),
      fc.integer({ min: 1, max: 100 }),
      fc.integer({ min: 1, max: 10_000 }),
      fc.constantFrom('us-east-1a', null),
    ],
    { numRuns: 10 },
  )(
    'the records read back from the spool are those of its pages, field for field',
    async (count, pageSize, seed, az) => {
      const pages = pagesOf(seed, count, pageSize, az);
      const file = path.join(tmp.dir, `pages-${seed}-${count}-${pageSize}`);
      const log = new AppendLog(file);
      for (const page of pages) log.append(pageLine(page));
      log.commit();
      log.close();
      expect(await readAll([file])).toEqual(pages.flatMap((p) => p.records));
    },
  );

  test('several spools read as one, in order; an empty or missing spool adds nothing', async () => {
    const a = pagesOf(1, 250, 100, 'us-east-1a');
    const b = pagesOf(2, 30, 100, null);
    const files = ['a', 'empty', 'b', 'missing'].map((n) => path.join(tmp.dir, `several-${n}`));
    for (const [file, pages] of [
      [files[0]!, a],
      [files[1]!, []],
      [files[2]!, b],
    ] as const) {
      const log = new AppendLog(file);
      for (const page of pages) log.append(pageLine(page));
      log.close();
    }
    expect(await readAll(files)).toEqual([...a, ...b].flatMap((p) => p.records));
    expect(await readAll([files[1]!, files[3]!])).toEqual([]);
  });

  test('a page with a status the file source does not know is read back (the status is left out)', async () => {
    const pages = pagesOf(4, 30, 100, null).map((p) => ({ ...p, status: 'PAUSED' }));
    const file = path.join(tmp.dir, 'unknown-status');
    const log = new AppendLog(file);
    for (const page of pages) log.append(pageLine(page));
    log.close();
    expect(JSON.parse(readFileSync(file, 'utf8')).FlowOperationStatus).toBeUndefined();
    expect(await readAll([file])).toEqual(pages.flatMap((p) => p.records));
  });

  test('a spool with a torn page after the committed length is cut back on resume', async () => {
    const pages = pagesOf(3, 120, 50, 'us-east-1a');
    const file = path.join(tmp.dir, 'torn');
    const log = new AppendLog(file);
    log.append(pageLine(pages[0]!));
    const committed = log.commit();
    log.append(pageLine(pages[1]!));
    log.close();
    writeFileSync(file, `${readFileSync(file, 'utf8')}{"FirewallArn":"arn`);
    const resumed = new AppendLog(file, committed);
    resumed.append(pageLine(pages[1]!));
    resumed.append(pageLine(pages[2]!));
    resumed.close();
    expect(await readAll([file])).toEqual(pages.flatMap((p) => p.records));
  });

  test('a spool shorter than its checkpoint says: NFW_CHECKPOINT_INVALID, the file is not grown', () => {
    const file = path.join(tmp.dir, 'short.spool');
    writeFileSync(file, 'ten bytes\n');
    expect(() => new AppendLog(file, 1 << 30)).toThrow(
      expect.objectContaining({ code: 'NFW_CHECKPOINT_INVALID' }),
    );
    expect(readFileSync(file, 'utf8')).toBe('ten bytes\n');
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
    // Buffer.equals: a deep equality over megabytes of bytes would take seconds.
    const written = readFileSync(file);
    expect(written.length).toBe(expected);
    expect(written.equals(Buffer.from(lines.map((l) => `${l}\n`).join(''), 'utf8'))).toBe(true);
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
