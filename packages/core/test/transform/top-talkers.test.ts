import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { isNfwError } from '../../src/errors.js';
import { parseAddress } from '../../src/parse/index.js';
import { groupByRows } from '../../src/transform/group-by.js';
import { parseCompactKey } from '../../src/transform/key-spec.js';
import {
  type TopTalkersOptions,
  topTalkers,
  topTalkersColumns,
  topTalkersRows,
} from '../../src/transform/top-talkers.js';
import type { FlowRecord, Row } from '../../src/types.js';
import { flowRecord } from '../support/records.js';
import { permute, records, slices } from './records.js';

const by = fc.constantFrom('bytes', 'packets', 'flows') as fc.Arbitrary<'bytes' | 'packets' | 'flows'>;
const key = fc.constantFrom(
  'source',
  'destination',
  'ip',
  'pair',
  'sourcePort',
  'destinationPort',
  'protocol',
  'source/24',
  'ip/16,48',
  'pair/8',
  'destination/64',
);
const n = fc.integer({ min: 0, max: 12 });

/** The group-by keys equivalent to a top-talkers key. */
function groupKeys(k: string): string[] {
  const [name, mask] = k.split('/');
  const suffix = mask === undefined ? '' : `/${mask}`;
  return name === 'pair' ? [`source${suffix}`, `destination${suffix}`] : [k];
}

function metric(row: Row, m: string): bigint {
  return (row[m] as bigint | null) ?? 0n;
}

describe('topTalkers, exact mode', () => {
  test.prop([records(), key, by, n], { numRuns: 150 })(
    'top n is the head of the full ranking, and the full ranking is the group-by sorted by the metric',
    (input, k, m, count) => {
      const all = topTalkersRows(input, { key: k, by: m, n: 0 });
      expect(topTalkersRows(input, { key: k, by: m, n: count })).toEqual(
        count === 0 ? all : all.slice(0, count),
      );
      const groups = groupByRows(input, { keys: groupKeys(k) });
      expect(all.length).toBe(groups.length);
      // Same groups with the same sums (key columns are groupBy's).
      const strip = (row: Row) => {
        const out: Row = {};
        for (const [name, value] of Object.entries(row)) {
          if (name.endsWith('_share') || ['rank', 'key', 'error', 'flows', 'packets', 'bytes'].includes(name))
            continue;
          out[name] = value;
        }
        return JSON.stringify({
          ...out,
          flows: `${metric(row, 'flows')}`,
          packets: `${metric(row, 'packets')}`,
          bytes: `${metric(row, 'bytes')}`,
        });
      };
      const groupIds = groups.map((g) => {
        const out: Row = {};
        for (const [name, value] of Object.entries(g)) {
          if (
            ['flows', 'packets', 'bytes'].includes(name) ||
            name.startsWith('age_') ||
            name.endsWith('_null_count')
          )
            continue;
          out[name] = value;
        }
        return JSON.stringify({
          ...out,
          flows: `${metric(g, 'flows')}`,
          packets: `${metric(g, 'packets')}`,
          bytes: `${metric(g, 'bytes')}`,
        });
      });
      expect(all.map(strip).sort()).toEqual(groupIds.sort());
      all.forEach((row, i) => {
        expect(row.rank).toBe(i + 1);
        expect(row.error).toBe(0n);
        if (i > 0) expect(metric(all[i - 1]!, m) >= metric(row, m)).toBe(true);
      });
    },
  );

  test.prop([records(), key, by, fc.array(fc.integer()), fc.array(fc.nat(), { maxLength: 6 })], {
    numRuns: 80,
  })(
    'does not depend on input order or stream chunking; ties break by key',
    async (input, k, m, order, cuts) => {
      const expected = topTalkersRows(input, { key: k, by: m, n: 5 });
      expect(topTalkersRows(permute(input, order), { key: k, by: m, n: 5 })).toEqual(expected);
      const rows: Row[] = [];
      const t = topTalkers({ key: k, by: m, n: 5 });
      t.on('data', (row: Row) => rows.push(row));
      await pipeline(Readable.from(slices(input, cuts), { objectMode: true }), t);
      expect(rows).toEqual(expected);
    },
  );

  test.prop([records({ big: false }), key, by], { numRuns: 50 })(
    'shares sum to 1 over all keys',
    (input, k, m) => {
      const rows = topTalkersRows(input, { key: k, by: m, n: 0 });
      const total = rows.reduce((s, r) => s + ((r[`${m}_share`] as number | null) ?? 0), 0);
      if (rows.some((r) => r[`${m}_share`] !== null)) expect(total).toBeCloseTo(1, 9);
      for (const row of rows)
        expect(Object.keys(row)).toEqual(topTalkersColumns({ key: k, by: m }).map((c) => c.name));
    },
  );
});

/** Records whose only varying parts are the source address and the byte count. */
function weighted(items: { id: number; bytes: number }[]): FlowRecord[] {
  const dst = parseAddress('192.0.2.1');
  const cache = new Map<number, ReturnType<typeof parseAddress>>();
  return items.map(({ id, bytes }) => {
    let source = cache.get(id);
    if (source === undefined) {
      source = parseAddress(`10.${(id >> 16) & 255}.${(id >> 8) & 255}.${id & 255}`);
      cache.set(id, source);
    }
    return flowRecord({ source, destination: dst, packetCount: 1, byteCount: bytes });
  });
}

/** Streams that stress Space-Saving: heavy hitters hidden among many light keys, in adversarial orders. */
const adversarial = fc
  .record({
    heavy: fc.array(
      fc.record({ id: fc.integer({ min: 0, max: 9 }), bytes: fc.integer({ min: 0, max: 5000 }) }),
      { maxLength: 80 },
    ),
    light: fc.array(
      fc.record({ id: fc.integer({ min: 10, max: 400 }), bytes: fc.integer({ min: 0, max: 300 }) }),
      { maxLength: 300 },
    ),
    layout: fc.constantFrom('heavy-first', 'heavy-last', 'interleaved', 'shuffled'),
    order: fc.array(fc.integer(), { maxLength: 50 }),
  })
  .map(({ heavy, light, layout, order }) => {
    if (layout === 'heavy-first') return [...heavy, ...light];
    if (layout === 'heavy-last') return [...light, ...heavy];
    if (layout === 'interleaved') return light.flatMap((l, i) => (heavy[i] ? [l, heavy[i]!] : [l]));
    return permute([...heavy, ...light], order);
  });

describe('topTalkers, bounded mode (Space-Saving)', () => {
  test.prop([adversarial, fc.integer({ min: 1, max: 40 })], { numRuns: 200 })(
    'keeps every key above total/k, and count - error <= true <= count',
    (items, k) => {
      const input = weighted(items);
      const exact = new Map<string, bigint>();
      for (const row of topTalkersRows(input, { key: 'source', by: 'bytes', n: 0 }))
        exact.set(row.key as string, row.bytes as bigint);
      const total = [...exact.values()].reduce((s, v) => s + v, 0n);
      const rows = topTalkersRows(input, { key: 'source', by: 'bytes', n: 0, capacity: k });
      expect(rows.length).toBeLessThanOrEqual(k);
      const kept = new Map(rows.map((r) => [r.key as string, r]));
      for (const [name, weight] of exact) {
        if (weight * BigInt(k) > total) expect(kept.has(name), name).toBe(true);
      }
      for (const row of rows) {
        const truth = exact.get(row.key as string) ?? 0n;
        const count = row.bytes as bigint;
        const error = row.error as bigint;
        expect(count - error <= truth).toBe(true);
        expect(truth <= count).toBe(true);
        // The error never exceeds the minimum count, itself at most total/k.
        expect(error * BigInt(k) <= total).toBe(true);
      }
    },
  );

  test.prop([records(), key, by], { numRuns: 50 })(
    'with capacity >= distinct keys it equals exact mode',
    (input, k, m) => {
      const exact = topTalkersRows(input, { key: k, by: m, n: 0 });
      const bounded = topTalkersRows(input, { key: k, by: m, n: 0, capacity: exact.length + 1 });
      expect(bounded).toEqual(exact);
    },
  );

  test('memory stays at capacity with many distinct keys, and the heavy hitter is found', () => {
    const items = Array.from({ length: 50_000 }, (_, i) => ({ id: i % 7 === 0 ? 1 : 100 + i, bytes: 10 }));
    const rows = topTalkersRows(weighted(items), { key: 'source', n: 3, capacity: 50 });
    expect(rows).toHaveLength(3);
    expect(rows[0]!.key).toBe('10.0.0.1');
    expect((rows[0]!.bytes as bigint) - (rows[0]!.error as bigint) <= 71430n).toBe(true);
    expect(rows[0]!.bytes as bigint).toBeGreaterThanOrEqual(71430n);
  });
});

describe('topTalkers with an array of options (several statistics in one pass)', () => {
  test.prop([records(), fc.array(fc.record({ key, by, n }), { minLength: 1, maxLength: 4 })], {
    numRuns: 60,
  })('one pass gives each statistic the rows it gets alone, tagged', (input, options) => {
    const rows = topTalkersRows(input, options as TopTalkersOptions[]);
    const names = topTalkersColumns(options as TopTalkersOptions[]).map((c) => c.name);
    const expected = options.flatMap((o) =>
      topTalkersRows(input, o as TopTalkersOptions).map((row) => {
        const out: Row = {};
        for (const name of names) out[name] = row[name]!;
        return out;
      }),
    );
    expect(rows.map(({ statistic: _, ...rest }) => rest)).toEqual(
      expected.map(({ statistic: _, ...rest }) => rest),
    );
    for (const row of rows) expect(Object.keys(row)).toEqual(names);
  });

  test('the stream form gives the rows of the sync form', async () => {
    const options: TopTalkersOptions[] = [
      { key: 'source', n: 1 },
      { key: 'ip', by: 'flows', n: 2, capacity: 8 },
    ];
    const rows: Row[] = [];
    const t = topTalkers(options);
    t.on('data', (row: Row) => rows.push(row));
    await pipeline(Readable.from([groupInput(), groupInput()[0]!], { objectMode: true }), t);
    expect(rows).toEqual(topTalkersRows([...groupInput(), groupInput()[0]!], options));
    expect(rows.map((r) => [r.statistic, r.key])).toEqual([
      ['source:bytes', '10.0.0.1'],
      ['ip:flows', '192.0.2.1'],
      ['ip:flows', '10.0.0.1'],
    ]);
  });

  test('statistic labels', () => {
    const rows = topTalkersRows(
      [],
      [{ key: 'source/24' }, { key: 'ip', mask: { v4: 16, v6: 48 }, by: 'flows' }],
    );
    expect(rows).toEqual([]);
    const t = topTalkers([{ key: 'source/24' }, { key: 'ip', mask: { v4: 16, v6: 48 }, by: 'flows' }]);
    expect(t.columns[0]!.name).toBe('statistic');
    const input = groupInput();
    const labels = new Set(
      topTalkersRows(input, [{ key: 'source/24' }, { key: 'ip', mask: { v4: 16, v6: 48 }, by: 'flows' }]).map(
        (r) => r.statistic,
      ),
    );
    expect([...labels]).toEqual(['source/24:bytes', 'ip/16,48:flows']);
  });
});

function groupInput(): FlowRecord[] {
  return weighted([
    { id: 1, bytes: 5 },
    { id: 2, bytes: 7 },
  ]);
}

describe('parseCompactKey and options', () => {
  test.each([
    ['source', 'source', { v4: 32, v6: 128 }],
    ['src/24', 'source', { v4: 24, v6: 128 }],
    ['dstip/64', 'destination', { v4: 32, v6: 64 }],
    ['ip/24,64', 'ip', { v4: 24, v6: 64 }],
    ['PAIR/16', 'pair', { v4: 16, v6: 128 }],
    ['dstport', 'destinationPort', null],
    ['proto', 'protocol', null],
  ])('%s', (text, name, mask) => {
    expect(parseCompactKey(text)).toEqual({ key: name, mask });
  });

  test.each([
    ['nope', 'key'],
    ['source/33,64,1', 'key'],
    ['source/x', 'key'],
    ['source/24,129', 'key.v6'],
    ['srcport/24', 'key'],
  ])('rejects %s', (text, field) => {
    let error: unknown;
    try {
      parseCompactKey(text);
    } catch (e) {
      error = e;
    }
    expect(isNfwError(error, 'NFW_INVALID_OPTION')).toBe(true);
    expect((error as { field: string }).field).toBe(field);
  });

  test.each([
    [{ key: 'source', by: 'octets' }, 'topTalkers.by'],
    [{ key: 'source', n: -1 }, 'topTalkers.n'],
    [{ key: 'source', capacity: 0 }, 'topTalkers.capacity'],
    [{ key: 'source/24', mask: 16 }, 'topTalkers.mask'],
    [{ key: 'protocol', mask: 16 }, 'topTalkers.mask'],
    [{ key: 'availabilityZone' }, 'topTalkers.key'],
    [{ key: 'source', top: 3 }, 'topTalkers.top'],
  ])('rejects options %j', (options, field) => {
    let error: unknown;
    try {
      topTalkers(options as never);
    } catch (e) {
      error = e;
    }
    expect(isNfwError(error, 'NFW_INVALID_OPTION')).toBe(true);
    expect((error as { field: string }).field).toBe(field);
  });
});
