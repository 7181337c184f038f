import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { fc, test } from '@fast-check/vitest';
import { createFlowTable, DEFAULT_FIREWALL_ARN, DEFAULT_TIMESTAMP } from '@nfw-flows/fixtures';
import { describe, expect } from 'vitest';
import { isNfwError } from '../../src/errors.js';
import { normalizeFlow } from '../../src/normalize/normalize-flow.js';
import { parseAddress, parsePortRange, parseProtocol } from '../../src/parse/index.js';
import { toNdjson } from '../../src/serialize/index.js';
import {
  DIFF_COLUMNS,
  type DiffRecord,
  diffCaptureRows,
  diffCaptures,
  type FlowDiffSummary,
} from '../../src/transform/index.js';
import type { FlowRecord, Row } from '../../src/types.js';
import { captureAt, capturePair, fate, T0 } from './diff-captures.js';
import { permute, record, slices } from './records.js';

/** The naive oracle: string keys, bigint arithmetic, the documented pairing and restart rules. */
function keyOf(r: DiffRecord): string {
  const port = (p: FlowRecord['sourcePort']) => (p === null ? null : [p.from, p.to, p.any]);
  return JSON.stringify([
    r.firewallArn,
    r.availabilityZone,
    r.vpcEndpointId,
    r.vpcEndpointAssociationArn,
    r.source.family,
    r.source.text,
    r.destination.family,
    r.destination.text,
    port(r.sourcePort),
    port(r.destinationPort),
    r.protocol?.number ?? null,
  ]);
}

const big = (v: number | bigint | null): bigint | null => (v === null ? null : BigInt(v));

function olderFirst(x: DiffRecord, y: DiffRecord): number {
  const ax = x.ageSeconds ?? -1;
  const ay = y.ageSeconds ?? -1;
  if (ax !== ay) return ay - ax;
  for (const f of ['byteCount', 'packetCount'] as const) {
    const vx = big(x[f]);
    const vy = big(y[f]);
    if ((vx === null) !== (vy === null)) return vx === null ? 1 : -1;
    if (vx !== null && vy !== null && vx !== vy) return vy > vx ? 1 : -1;
  }
  const mx = x.flowRequestTimestamp?.getTime() ?? Number.POSITIVE_INFINITY;
  const my = y.flowRequestTimestamp?.getTime() ?? Number.POSITIVE_INFINITY;
  if (mx !== my) return mx < my ? -1 : 1;
  return x.flowOperationId < y.flowOperationId ? -1 : x.flowOperationId > y.flowOperationId ? 1 : 0;
}

const startOf = (r: DiffRecord) =>
  r.ageSeconds === null || r.flowRequestTimestamp === null
    ? Number.NaN
    : r.flowRequestTimestamp.getTime() - r.ageSeconds * 1000;

/** k-subsets of 0..n-1 as index lists, in lexicographic order. */
function subsets(n: number, k: number): number[][] {
  if (k === 0) return [[]];
  const out: number[][] = [];
  for (let first = 0; first <= n - k; first++)
    for (const rest of subsets(n - first - 1, k - 1)) out.push([first, ...rest.map((r) => r + first + 1)]);
  return out;
}

/**
 * The documented pairing of a key's flows, by brute force: every order-preserving choice of which
 * flows of the longer side pair, the least total start-time difference, ties to the choice whose
 * indices are largest from the last one back. Returns the two sides aligned (undefined = unpaired).
 */
function pairByStart(
  b: DiffRecord[],
  a: DiffRecord[],
): [(DiffRecord | undefined)[], (DiffRecord | undefined)[]] {
  const known = [...b, ...a].every((r) => !Number.isNaN(startOf(r)));
  const sort = (list: DiffRecord[]) =>
    [...list].sort((x, y) => (known ? startOf(x) - startOf(y) : 0) || olderFirst(x, y));
  const bs = sort(b);
  const as = sort(a);
  if (!known) return [bs, as];
  // After-flows that began after every before capture of the key are new, never paired.
  const latest = Math.max(...bs.map((r) => r.flowRequestTimestamp!.getTime()));
  const fresh = as.filter((r) => r.ageSeconds! + 1 <= (r.flowRequestTimestamp!.getTime() - latest) / 1000);
  const eligible = as.filter((r) => !fresh.includes(r));
  const longIsBefore = bs.length >= eligible.length;
  const long = longIsBefore ? bs : eligible;
  const short = longIsBefore ? eligible : bs;
  let best: number[] = [];
  let bestCost = Number.POSITIVE_INFINITY;
  for (const chosen of subsets(long.length, short.length)) {
    const cost = chosen.reduce((sum, li, j) => sum + Math.abs(startOf(long[li]!) - startOf(short[j]!)), 0);
    const later = () => {
      for (let j = chosen.length - 1; j >= 0; j--) if (chosen[j] !== best[j]) return chosen[j]! > best[j]!;
      return false;
    };
    if (cost < bestCost || (cost === bestCost && later())) {
      best = chosen;
      bestCost = cost;
    }
  }
  const pairedLong = best.map((li) => long[li]!);
  const restLong = long.filter((_, li) => !best.includes(li));
  // Aligned: the pairs first, then each side's unpaired flows against nothing.
  const outB: (DiffRecord | undefined)[] = longIsBefore ? pairedLong : [...short];
  const outA: (DiffRecord | undefined)[] = longIsBefore ? [...short] : pairedLong;
  for (const r of longIsBefore ? restLong : []) {
    outB.push(r);
    outA.splice(outB.length - 1, 0, undefined);
  }
  for (const r of [...(longIsBefore ? [] : restLong), ...fresh]) {
    outA.push(r);
    outB.splice(outA.length - 1, 0, undefined);
  }
  return [outB, outA];
}

function keyColumns(r: DiffRecord): Row {
  return {
    firewall_arn: r.firewallArn,
    availability_zone: r.availabilityZone,
    vpc_endpoint_id: r.vpcEndpointId,
    vpc_endpoint_association_arn: r.vpcEndpointAssociationArn,
    source_address: r.source.text,
    source_ip_version: r.source.family,
    source_prefix_length: r.source.prefixLength,
    source_port_from: r.sourcePort?.from ?? null,
    source_port_to: r.sourcePort?.to ?? null,
    destination_address: r.destination.text,
    destination_ip_version: r.destination.family,
    destination_prefix_length: r.destination.prefixLength,
    destination_port_from: r.destinationPort?.from ?? null,
    destination_port_to: r.destinationPort?.to ?? null,
    protocol: r.protocol?.number ?? null,
    protocol_name: r.protocol?.name ?? null,
  };
}

function oracle(before: DiffRecord[], after: DiffRecord[]): Row[] {
  const groups = new Map<string, { b: DiffRecord[]; a: DiffRecord[] }>();
  const firstTime = (side: DiffRecord[], scope: string): Date | null => {
    const r = side.find((x) => x.flowRequestTimestamp !== null && scopeOf(x) === scope);
    return r?.flowRequestTimestamp ?? null;
  };
  const scopeOf = (r: DiffRecord) =>
    JSON.stringify([r.firewallArn, r.availabilityZone, r.vpcEndpointId, r.vpcEndpointAssociationArn]);
  for (const [side, list] of [
    ['b', before],
    ['a', after],
  ] as const) {
    for (const r of list) {
      const k = keyOf(r);
      let g = groups.get(k);
      if (!g) {
        g = { b: [], a: [] };
        groups.set(k, g);
      }
      g[side].push(r);
    }
  }
  const rows: Row[] = [];
  const seconds = (a: Date | null, b: Date | null) =>
    a === null || b === null ? null : (a.getTime() - b.getTime()) / 1000;
  const newRow = (a: DiffRecord, restarted: boolean, duplicate: boolean): Row => {
    const tb = firstTime(before, scopeOf(a));
    const p = big(a.packetCount);
    const bytes = big(a.byteCount);
    const age = a.ageSeconds;
    return {
      change: 'new',
      ...keyColumns(a),
      flow_operation_id_before: null,
      flow_operation_id_after: a.flowOperationId,
      flow_request_timestamp_before: tb,
      flow_request_timestamp_after: a.flowRequestTimestamp,
      interval_seconds: seconds(a.flowRequestTimestamp, tb),
      age_seconds_before: null,
      age_seconds_after: age,
      packet_count_before: null,
      packet_count_after: p,
      byte_count_before: null,
      byte_count_after: bytes,
      delta_packets: p,
      delta_bytes: bytes,
      packets_per_second: p === null || !age ? null : Number(p) / age,
      bytes_per_second: bytes === null || !age ? null : Number(bytes) / age,
      counter_reset: 0,
      restarted: restarted ? 1 : 0,
      duplicate_key: duplicate ? 1 : 0,
    };
  };
  const endedRow = (b: DiffRecord, restarted: boolean, duplicate: boolean): Row => {
    const ta = firstTime(after, scopeOf(b));
    return {
      change: 'ended',
      ...keyColumns(b),
      flow_operation_id_before: b.flowOperationId,
      flow_operation_id_after: null,
      flow_request_timestamp_before: b.flowRequestTimestamp,
      flow_request_timestamp_after: ta,
      interval_seconds: seconds(ta, b.flowRequestTimestamp),
      age_seconds_before: b.ageSeconds,
      age_seconds_after: null,
      packet_count_before: big(b.packetCount),
      packet_count_after: null,
      byte_count_before: big(b.byteCount),
      byte_count_after: null,
      delta_packets: null,
      delta_bytes: null,
      packets_per_second: null,
      bytes_per_second: null,
      counter_reset: 0,
      restarted: restarted ? 1 : 0,
      duplicate_key: duplicate ? 1 : 0,
    };
  };
  for (const g of groups.values()) {
    const duplicate = g.a.length > 1 || g.b.length > 1;
    const [bs, as] = duplicate ? pairByStart(g.b, g.a) : [g.b, g.a];
    for (let k = 0; k < Math.max(bs.length, as.length); k++) {
      const b = bs[k];
      const a = as[k];
      if (b === undefined) rows.push(newRow(a!, false, duplicate));
      else if (a === undefined) rows.push(endedRow(b, false, duplicate));
      else {
        const interval = seconds(a.flowRequestTimestamp, b.flowRequestTimestamp);
        const ageA = a.ageSeconds;
        const ageB = b.ageSeconds;
        if (
          ageA !== null &&
          ((ageB !== null && ageA < ageB) || (interval !== null && ageA + 1 <= interval))
        ) {
          rows.push(endedRow(b, true, duplicate), newRow(a, true, duplicate));
          continue;
        }
        const d = (x: bigint | null, y: bigint | null) => (x === null || y === null ? null : y - x);
        const dp = d(big(b.packetCount), big(a.packetCount));
        const db = d(big(b.byteCount), big(a.byteCount));
        const reset = (dp !== null && dp < 0n) || (db !== null && db < 0n);
        const okP = dp !== null && dp >= 0n ? dp : null;
        const okB = db !== null && db >= 0n ? db : null;
        const rate = interval !== null && interval > 0 ? interval : null;
        rows.push({
          change: 'continuing',
          ...keyColumns(a),
          flow_operation_id_before: b.flowOperationId,
          flow_operation_id_after: a.flowOperationId,
          flow_request_timestamp_before: b.flowRequestTimestamp,
          flow_request_timestamp_after: a.flowRequestTimestamp,
          interval_seconds: interval,
          age_seconds_before: ageB,
          age_seconds_after: ageA,
          packet_count_before: big(b.packetCount),
          packet_count_after: big(a.packetCount),
          byte_count_before: big(b.byteCount),
          byte_count_after: big(a.byteCount),
          delta_packets: okP,
          delta_bytes: okB,
          packets_per_second: okP === null || rate === null ? null : Number(okP) / rate,
          bytes_per_second: okB === null || rate === null ? null : Number(okB) / rate,
          counter_reset: reset ? 1 : 0,
          restarted: 0,
          duplicate_key: duplicate ? 1 : 0,
        });
      }
    }
  }
  return rows;
}

/** Rows as sortable text: a multiset comparison, since output order follows input order. */
function canonical(rows: Row[]): string[] {
  return rows
    .map((r) =>
      JSON.stringify(
        DIFF_COLUMNS.map((c) => {
          const v = r[c.name];
          if (v === undefined) return '<missing>';
          return typeof v === 'bigint' ? `${v}n` : v instanceof Date ? v.toISOString() : v;
        }),
      ),
    )
    .sort();
}

// ---- generated captures ---------------------------------------------------------------------------

function diffSync(before: Iterable<DiffRecord | DiffRecord[]>, after: Iterable<DiffRecord | DiffRecord[]>) {
  const it = diffCaptureRows(before, after);
  const rows: Row[] = [];
  let step = it.next();
  while (!step.done) {
    rows.push(step.value);
    step = it.next();
  }
  return { rows, summary: step.value as FlowDiffSummary };
}

async function diffStream(
  before: DiffRecord[][],
  after: DiffRecord[][],
): Promise<{ rows: Row[]; summary: FlowDiffSummary }> {
  const stream = diffCaptures(Readable.from(before), Readable.from(after));
  const rows: Row[] = [];
  for await (const row of stream) rows.push(row as Row);
  return { rows, summary: stream.summary() };
}

describe('diffCaptures against the naive oracle', () => {
  test.prop([capturePair], { numRuns: 150 })("rows equal the oracle's (sync form)", ({ before, after }) => {
    const { rows, summary } = diffSync(before, after);
    expect(canonical(rows)).toEqual(canonical(oracle(before, after)));
    expect(summary.before).toBe(before.length);
    expect(summary.after).toBe(after.length);
    expect(summary.new + summary.continuing).toBe(after.length);
    expect(summary.ended + summary.continuing).toBe(before.length);
    expect(rows.length).toBe(summary.new + summary.ended + summary.continuing);
  });

  test.prop(
    [
      capturePair,
      fc.array(fc.nat(), { maxLength: 60 }),
      fc.array(fc.nat(), { maxLength: 60 }),
      fc.array(fc.nat(), { maxLength: 8 }),
    ],
    {
      numRuns: 40,
    },
  )(
    'the same rows for any input order and any chunking (stream form)',
    async ({ before, after }, kb, ka, cuts) => {
      const expected = canonical(diffSync(before, after).rows);
      const pb = permute(before, kb);
      const pa = permute(after, ka);
      const { rows } = await diffStream(
        slices(pb, cuts),
        slices(
          pa,
          cuts.map((c) => c * 7 + 1),
        ),
      );
      expect(canonical(rows)).toEqual(expected);
    },
  );

  test.prop(
    [
      fc.uniqueArray(record(), { selector: keyOf, maxLength: 40 }),
      fc.array(fate, { minLength: 40, maxLength: 40 }),
      fc.integer({ min: 2_000, max: 4_000_000 }),
    ],
    { numRuns: 100 },
  )(
    'known fates: continuing, ended, restarted and counter resets are told apart',
    (base, fates, intervalMs) => {
      const interval = intervalMs / 1000;
      const before = base.map((r) =>
        captureAt(
          {
            ...r,
            ageSeconds: r.ageSeconds ?? 5,
            packetCount: r.packetCount ?? 10,
            byteCount: r.byteCount ?? 1000,
          },
          T0,
          'b',
        ),
      );
      const after: FlowRecord[] = [];
      const expected = { continuing: 0, ended: 0, restarted: 0, reset: 0 };
      before.forEach((r, i) => {
        const f = fates[i]!;
        const ageA = Math.min(r.ageSeconds! + Math.floor(interval), 2 ** 32 - 1);
        if (f === 'ended') {
          expected.ended++;
          return;
        }
        if (f === 'restarted') {
          expected.restarted++;
          after.push(
            captureAt(
              { ...r, ageSeconds: Math.floor(interval) - 1, packetCount: 1, byteCount: 60 },
              T0 + intervalMs,
              'a',
            ),
          );
        } else if (f === 'reset' && r.packetCount! > 0) {
          expected.continuing++;
          expected.reset++;
          after.push(
            captureAt({ ...r, ageSeconds: ageA, packetCount: r.packetCount! - 1 }, T0 + intervalMs, 'a'),
          );
        } else {
          expected.continuing++;
          after.push(
            captureAt(
              // Counters near 2^53 grow past the safe range: bigints, as a DiffRecord allows.
              {
                ...r,
                ageSeconds: ageA,
                packetCount: BigInt(r.packetCount!) + 1n,
                byteCount: BigInt(r.byteCount!) + 100n,
              } as unknown as FlowRecord,
              T0 + intervalMs,
              'a',
            ),
          );
        }
      });
      const { rows, summary } = diffSync(before, after);
      expect(summary.continuing).toBe(expected.continuing);
      expect(summary.restarted).toBe(expected.restarted);
      expect(summary.counterResets).toBe(expected.reset);
      expect(summary.ended).toBe(expected.ended + expected.restarted);
      expect(summary.new).toBe(expected.restarted);
      for (const row of rows) {
        if (row.change === 'continuing' && row.counter_reset === 1) {
          expect(row.delta_packets).toBeNull();
          expect(row.packets_per_second).toBeNull();
        }
        if (row.change === 'continuing' && row.counter_reset === 0) {
          expect(row.delta_packets).toBe(1n);
          expect(row.delta_bytes).toBe(100n);
          expect(row.bytes_per_second).toBeCloseTo(100 / interval, 9);
        }
      }
      expect(rows.filter((r) => r.restarted === 1).length).toBe(2 * expected.restarted);
    },
  );
});

const FW = 'arn:aws:network-firewall:us-east-1:123456789012:firewall/fw';

function flow(over: Partial<DiffRecord> & { at: number }): DiffRecord {
  const { at, ...rest } = over;
  return {
    firewallArn: FW,
    availabilityZone: 'us-east-1a',
    vpcEndpointId: null,
    vpcEndpointAssociationArn: null,
    flowOperationId: `op-${at}`,
    flowRequestTimestamp: new Date(at),
    source: parseAddress('10.0.0.1'),
    destination: parseAddress('2001:db8::1'),
    sourcePort: parsePortRange('50000'),
    destinationPort: parsePortRange('443'),
    protocol: parseProtocol('6'),
    ageSeconds: 100,
    packetCount: 10,
    byteCount: 1000,
    ...rest,
  };
}

describe('diffCaptures over captures of several table chunks', () => {
  // The tables keep flows in chunks of 16,384 and let go of the ones the cursor has passed.
  const capture = (at: number, count: number): DiffRecord[] => {
    const table = createFlowTable(9, count).at(at);
    const context = {
      firewallArn: DEFAULT_FIREWALL_ARN,
      availabilityZone: 'us-east-1a',
      vpcEndpointId: null,
      vpcEndpointAssociationArn: null,
      flowOperationId: `op-${at}`,
      flowRequestTimestamp: new Date(at * 1000),
    };
    // Keys made unique, so that the oracle's brute-force pairing stays small.
    const seen = new Set<string>();
    const flows: DiffRecord[] = [];
    for (let i = 0; i < table.count; i++) {
      const r = normalizeFlow(table.flowAt(i), context);
      if (!seen.has(keyOf(r))) flows.push(r);
      seen.add(keyOf(r));
    }
    return flows;
  };

  test('40,000 flows a capture, with and without a key repeated in the after capture: the oracle rows', {
    timeout: 120_000,
  }, () => {
    const before = capture(DEFAULT_TIMESTAMP, 40_000);
    const after = capture(DEFAULT_TIMESTAMP + 300, 40_000);
    const repeated = { ...after[after.length - 1]!, ageSeconds: 1, byteCount: 7 };
    for (const afterSide of [after, [...after, repeated]]) {
      const { rows, summary } = diffSync([before], [afterSide]);
      expect(summary.continuing).toBeGreaterThan(16_384);
      expect(summary.ended).toBeGreaterThan(16_384);
      expect(canonical(rows)).toEqual(canonical(oracle(before, afterSide)));
    }
  });
});

describe('diffCaptures: exact 64-bit counters and edge cases', () => {
  test('counters near 2^64 (bigint inputs) give exact deltas and exact u64 columns', () => {
    const max = (1n << 64n) - 1n;
    const before = [flow({ at: T0, packetCount: max - 10n, byteCount: max - 1_000_000n })];
    const after = [flow({ at: T0 + 60_000, ageSeconds: 160, packetCount: max, byteCount: max - 1n })];
    const { rows } = diffSync(before, after);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.change).toBe('continuing');
    expect(rows[0]!.delta_packets).toBe(10n);
    expect(rows[0]!.delta_bytes).toBe(999_999n);
    expect(rows[0]!.byte_count_after).toBe(max - 1n);
    expect(rows[0]!.packet_count_before).toBe(max - 10n);
    expect(rows[0]!.bytes_per_second).toBeCloseTo(999_999 / 60, 9);
  });

  test('safe-integer counters at 2^53-1 are exact', () => {
    const m = Number.MAX_SAFE_INTEGER;
    const { rows } = diffSync(
      [flow({ at: T0, byteCount: m - 7, packetCount: 0 })],
      [flow({ at: T0 + 1000, ageSeconds: 101, byteCount: m, packetCount: m })],
    );
    expect(rows[0]!.delta_bytes).toBe(7n);
    expect(rows[0]!.delta_packets).toBe(BigInt(m));
  });

  test('a counter that goes down is flagged, never negative', () => {
    const { rows, summary } = diffSync(
      [flow({ at: T0, byteCount: 5000 })],
      [flow({ at: T0 + 10_000, ageSeconds: 110, byteCount: 10, packetCount: 11 })],
    );
    expect(rows[0]!.change).toBe('continuing');
    expect(rows[0]!.counter_reset).toBe(1);
    expect(rows[0]!.delta_bytes).toBeNull();
    expect(rows[0]!.delta_packets).toBe(1n);
    expect(summary.counterResets).toBe(1);
  });

  test('a restarted flow is one ended and one new row, both flagged', () => {
    const { rows, summary } = diffSync(
      [flow({ at: T0, ageSeconds: 500 })],
      [flow({ at: T0 + 300_000, ageSeconds: 20, byteCount: 77, packetCount: 2 })],
    );
    expect(rows.map((r) => [r.change, r.restarted])).toEqual([
      ['new', 1],
      ['ended', 1],
    ]);
    expect(rows[0]!.bytes_per_second).toBeCloseTo(77 / 20, 12);
    expect(summary.restarted).toBe(1);
  });

  test('duplicate keys pair by start time, after-flows begun since the before capture are new, all counted', () => {
    const before = [
      flow({ at: T0, ageSeconds: 10, byteCount: 1 }),
      flow({ at: T0, ageSeconds: 900, byteCount: 2 }),
    ];
    const after = [
      flow({ at: T0 + 5000, ageSeconds: 15, byteCount: 11 }),
      flow({ at: T0 + 5000, ageSeconds: 905, byteCount: 12 }),
      flow({ at: T0 + 5000, ageSeconds: 2, byteCount: 3 }),
    ];
    const { rows, summary } = diffSync(before, after);
    expect(summary.duplicatesBefore).toBe(1);
    expect(summary.duplicatesAfter).toBe(2);
    expect(rows.every((r) => r.duplicate_key === 1)).toBe(true);
    const continuing = rows.filter((r) => r.change === 'continuing');
    expect(continuing.map((r) => r.delta_bytes).sort()).toEqual([10n, 10n]);
    expect(rows.filter((r) => r.change === 'new').map((r) => r.byte_count_after)).toEqual([3n]);
  });

  test('an after capture older than the before capture is NFW_CAPTURES_OUT_OF_ORDER', () => {
    let error: unknown;
    try {
      diffSync([flow({ at: T0 + 1000 })], [flow({ at: T0 })]);
    } catch (e) {
      error = e;
    }
    expect(isNfwError(error, 'NFW_CAPTURES_OUT_OF_ORDER')).toBe(true);
  });

  test('a counter that is no u64 is NFW_INVALID_RECORD naming the field', () => {
    for (const bad of [-1, 1.5, 2 ** 53, -1n, 1n << 64n, '5']) {
      let error: unknown;
      try {
        diffSync([flow({ at: T0, byteCount: bad as number })], []);
      } catch (e) {
        error = e;
      }
      expect(isNfwError(error, 'NFW_INVALID_RECORD')).toBe(true);
      expect((error as { field?: string }).field).toBe('byteCount');
    }
  });

  test('bad inputs and options are NFW_INVALID_OPTION', () => {
    for (const call of [
      () => diffCaptures(null as never, []),
      () => diffCaptures([], 5 as never),
      () => diffCaptures([], [], { signal: 'x' as never }),
    ]) {
      let error: unknown;
      try {
        call();
      } catch (e) {
        error = e;
      }
      expect(isNfwError(error, 'NFW_INVALID_OPTION')).toBe(true);
    }
  });

  test('an abort stops the stream with NFW_ABORTED', async () => {
    const controller = new AbortController();
    controller.abort();
    const stream = diffCaptures([[flow({ at: T0 })]], [[flow({ at: T0 })]], { signal: controller.signal });
    await expect(async () => {
      for await (const _ of stream) {
        // drain
      }
    }).rejects.toMatchObject({ code: 'NFW_ABORTED' });
  });

  test('destroying the diff stream stops both inputs', async () => {
    const before = Readable.from([flow({ at: T0 }), flow({ at: T0, destinationPort: parsePortRange('80') })]);
    const after = Readable.from([flow({ at: T0 + 1000, ageSeconds: 101 })]);
    const stream = diffCaptures(before, after);
    for await (const row of stream) {
      expect((row as Row).change).toBe('continuing');
      break;
    }
    expect(stream.destroyed).toBe(true);
    expect(before.destroyed && after.destroyed).toBe(true);
  });

  test('rows serialize with DIFF_COLUMNS (NDJSON), new flows keyed by their own age', async () => {
    const stream = diffCaptures(
      [flow({ at: T0 })],
      [flow({ at: T0 + 2000, source: parseAddress('10.0.0.0/24'), ageSeconds: 4, byteCount: 40 })],
    );
    const out = stream.pipe(toNdjson({ columns: [...DIFF_COLUMNS] }));
    let text = '';
    for await (const chunk of out) text += chunk.toString();
    const lines = text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.change)).toEqual(['new', 'ended']);
    expect(lines[0].source_address).toBe('10.0.0.0/24');
    expect(lines[0].bytes_per_second).toBe(10);
    expect(lines[1].source_address).toBe('10.0.0.1');
    expect(lines[1].destination_address).toBe('2001:db8::1');
    expect(Object.keys(lines[0])).toEqual(DIFF_COLUMNS.map((c) => c.name));
  });
});

describe('DIFF_COLUMNS', () => {
  test('the README documents every change-row column, in schema order', () => {
    const readme = readFileSync(new URL('../../../../README.md', import.meta.url), 'utf8');
    const table = readme.slice(
      readme.indexOf('Change-row columns'),
      readme.indexOf('In the library: `diffCaptures'),
    );
    const v1 = ['source_address … protocol_name'];
    let at = 0;
    for (const c of DIFF_COLUMNS) {
      if (c.name.startsWith('source_') || c.name.startsWith('destination_') || c.name.startsWith('protocol'))
        continue;
      const found = table.indexOf(c.name, at);
      expect(found, c.name).toBeGreaterThan(-1);
      at = found;
    }
    for (const text of v1) expect(table).toContain(text);
  });
});
