import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { isNfwError } from '../../src/errors.js';
import { groupByColumns } from '../../src/transform/group-by.js';
import { groupBy, groupByRows } from '../../src/transform/index.js';
import type { FlowRecord, Row } from '../../src/types.js';
import { flowRecord } from '../support/records.js';
import { permute, records, rolledUp, slices } from './records.js';

type Mask = { v4: number; v6: number };

const keyName = fc.constantFrom(
  'source',
  'destination',
  'ip',
  'sourcePort',
  'destinationPort',
  'protocol',
  'availabilityZone',
  'vpcEndpointId',
  'flowOperationId',
);
const mask = fc.record({ v4: fc.integer({ min: 0, max: 32 }), v6: fc.integer({ min: 0, max: 128 }) });
const keyList = fc
  .uniqueArray(keyName, { minLength: 1, maxLength: 3 })
  .filter((keys) => !(keys.includes('ip') && (keys.includes('source') || keys.includes('destination'))));

/** The oracle: a string-keyed Map and bigint sums, with roll-ups through the parsers' maskAddress. */
function oracle(input: FlowRecord[], keys: string[], m: Mask): Map<string, Record<string, unknown>> {
  const groups = new Map<string, Record<string, unknown>>();
  const sides: ('source' | 'destination')[] = keys.includes('ip') ? ['source', 'destination'] : ['source'];
  for (const r of input) {
    for (const side of sides) {
      const parts: Record<string, unknown> = {};
      for (const k of keys) {
        if (k === 'source' || k === 'destination' || k === 'ip') {
          const a = rolledUp(k === 'ip' ? r[side] : r[k], m);
          const p = k === 'ip' ? 'ip' : k;
          parts[`${p}_address`] = a.text;
          parts[k === 'ip' ? 'ip_version' : `${p}_ip_version`] = a.family;
          parts[`${p}_prefix_length`] = a.prefixLength;
        } else if (k === 'sourcePort' || k === 'destinationPort') {
          const p = k === 'sourcePort' ? 'source' : 'destination';
          parts[`${p}_port_from`] = r[k]?.from ?? null;
          parts[`${p}_port_to`] = r[k]?.to ?? null;
        } else if (k === 'protocol') {
          parts.protocol = r.protocol?.number ?? null;
          parts.protocol_name = r.protocol?.name ?? null;
        } else {
          const column = k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
          parts[column] = r[k as 'availabilityZone'];
        }
      }
      const id = JSON.stringify(parts);
      let g = groups.get(id);
      if (g === undefined) {
        g = { ...parts, flows: 0n, packets: 0n, pn: 0n, bytes: 0n, bn: 0n, ages: [] as number[], an: 0n };
        groups.set(id, g);
      }
      g.flows = (g.flows as bigint) + 1n;
      if (r.packetCount === null) g.pn = (g.pn as bigint) + 1n;
      else g.packets = (g.packets as bigint) + BigInt(r.packetCount);
      if (r.byteCount === null) g.bn = (g.bn as bigint) + 1n;
      else g.bytes = (g.bytes as bigint) + BigInt(r.byteCount);
      if (r.ageSeconds === null) g.an = (g.an as bigint) + 1n;
      else (g.ages as number[]).push(r.ageSeconds);
    }
  }
  return groups;
}

function expectedRow(g: Record<string, unknown>): Row {
  const { flows, packets, pn, bytes, bn, ages, an, ...key } = g as Record<string, never>;
  const a = ages as number[];
  return {
    ...key,
    flows,
    packets: pn === flows ? null : packets,
    packets_null_count: pn,
    bytes: bn === flows ? null : bytes,
    bytes_null_count: bn,
    age_min: a.length === 0 ? null : Math.min(...a),
    age_max: a.length === 0 ? null : Math.max(...a),
    age_mean: a.length === 0 ? null : a.reduce((x, y) => x + y, 0) / a.length,
    age_null_count: an,
  } as Row;
}

function withoutMean(row: Row): Row {
  const { age_mean: _, ...rest } = row;
  return rest;
}

async function viaStream(
  chunks: (FlowRecord | FlowRecord[])[],
  options: Parameters<typeof groupBy>[0],
): Promise<Row[]> {
  const rows: Row[] = [];
  const t = groupBy(options);
  t.on('data', (row: Row) => rows.push(row));
  await pipeline(Readable.from(chunks, { objectMode: true }), t);
  return rows;
}

describe('groupBy', () => {
  test.prop([records(), keyList, mask], { numRuns: 150 })(
    'agrees with a bigint Map oracle',
    (input, keys, m) => {
      const rows = groupByRows(input, { keys, mask: m });
      const groups = oracle(input, keys, m);
      expect(rows.length).toBe(groups.size);
      const expected = new Map(
        [...groups.values()].map((g) => [JSON.stringify(withoutMean(expectedRow(g)), big), g]),
      );
      for (const row of rows) {
        const g = expected.get(JSON.stringify(withoutMean(row), big));
        expect(g, JSON.stringify(row, big)).toBeDefined();
        const mean = expectedRow(g!).age_mean as number | null;
        if (mean === null) expect(row.age_mean).toBeNull();
        else expect(row.age_mean).toBeCloseTo(mean, 3);
      }
    },
  );

  test.prop([records(), keyList, mask], { numRuns: 100 })(
    'sums over groups equal the totals',
    (input, keys, m) => {
      const rows = groupByRows(input, { keys, mask: m });
      const times = keys.includes('ip') ? 2n : 1n;
      const sum = (name: string) => rows.reduce((s, r) => s + ((r[name] as bigint | null) ?? 0n), 0n);
      expect(sum('flows')).toBe(BigInt(input.length) * times);
      expect(sum('bytes')).toBe(input.reduce((s, r) => s + BigInt(r.byteCount ?? 0), 0n) * times);
      expect(sum('packets')).toBe(input.reduce((s, r) => s + BigInt(r.packetCount ?? 0), 0n) * times);
      expect(sum('bytes_null_count')).toBe(BigInt(input.filter((r) => r.byteCount === null).length) * times);
    },
  );

  test.prop([records(), keyList, mask, fc.array(fc.integer()), fc.array(fc.nat(), { maxLength: 8 })], {
    numRuns: 100,
  })('does not depend on input order or on how a stream is chunked', async (input, keys, m, order, cuts) => {
    const expected = groupByRows(input, { keys, mask: m });
    expect(groupByRows(permute(input, order), { keys, mask: m })).toEqual(expected);
    // Mix arrays of records and single records in one stream.
    const mixed = slices(input, cuts).flatMap((s, i): (FlowRecord | FlowRecord[])[] =>
      i % 2 === 0 ? [s] : s,
    );
    expect(await viaStream(mixed, { keys, mask: m })).toEqual(expected);
  });

  test.prop([records(), keyList, mask], { numRuns: 50 })(
    'rows are ordered by bytes desc and match .columns',
    (input, keys, m) => {
      const rows = groupByRows(input, { keys, mask: m });
      const names = groupByColumns({ keys, mask: m }).map((c) => c.name);
      for (const row of rows) expect(Object.keys(row)).toEqual(names);
      for (let i = 1; i < rows.length; i++) {
        expect((rows[i - 1]!.bytes ?? 0n) >= (rows[i]!.bytes ?? 0n)).toBe(true);
      }
    },
  );

  test('sums beyond 2^53 stay exact', () => {
    const base = groupByRows([], { keys: 'protocol' });
    expect(base).toEqual([]);
    const big = Number.MAX_SAFE_INTEGER;
    const r = flowRecord({ ageSeconds: 5, packetCount: big, byteCount: big });
    const rows = groupByRows(Array(1000).fill(r), { keys: ['source/8'] });
    expect(rows).toHaveLength(1);
    expect(rows[0]!.source_address).toBe('10.0.0.0/8');
    expect(rows[0]!.bytes).toBe(BigInt(big) * 1000n);
    expect(rows[0]!.packets).toBe(BigInt(big) * 1000n);
  });

  test('key and mask forms', () => {
    const columns = groupByColumns({ keys: ['ip/24,64', { key: 'dstport' }, 'proto'] }).map((c) => c.name);
    expect(columns.slice(0, 7)).toEqual([
      'ip_address',
      'ip_version',
      'ip_prefix_length',
      'destination_port_from',
      'destination_port_to',
      'protocol',
      'protocol_name',
    ]);
    const t = groupBy({ keys: 'availabilityZone' });
    expect(t.columns.map((c) => c.name)[0]).toBe('availability_zone');
  });

  test.each([
    [{ keys: [] }, 'groupBy.keys'],
    [{ keys: 'nope' }, 'groupBy.keys'],
    [{ keys: ['source', 'source'] }, 'groupBy.keys'],
    [{ keys: ['ip', 'source'] }, 'groupBy.keys'],
    [{ keys: ['protocol/24'] }, 'groupBy.keys[0]'],
    [{ keys: [{ key: 'protocol', mask: 24 }] }, 'groupBy.keys[0].mask'],
    [{ keys: 'source', mask: 129 }, 'groupBy.mask'],
    [{ keys: 'source', mask: { v4: 33 } }, 'groupBy.mask.v4'],
    [{ keys: 'source', extra: 1 }, 'groupBy.extra'],
  ])('rejects bad options up front: %j', (options, field) => {
    let error: unknown;
    try {
      groupBy(options as never);
    } catch (e) {
      error = e;
    }
    expect(isNfwError(error, 'NFW_INVALID_OPTION')).toBe(true);
    expect((error as { field: string }).field).toBe(field);
  });
});

function big(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? `${value}n` : value;
}
