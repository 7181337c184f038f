import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { fc, test } from '@fast-check/vitest';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { parseAddress } from '../../src/parse/index.js';
import { groupByRows, topTalkersRows } from '../../src/transform/index.js';
import type { FlowRecord, ParsedAddress, Row } from '../../src/types.js';
import { records } from './records.js';

/**
 * An independent oracle: the same group-by and top-n computed by DuckDB SQL over the same generated
 * records, with subnet roll-ups done on 128-bit integers (UHUGEINT shifts) instead of our packed words.
 */

let instance: DuckDBInstance;
let connection: DuckDBConnection;

beforeAll(async () => {
  instance = await DuckDBInstance.create(':memory:');
  connection = await instance.connect();
});

afterAll(() => {
  connection?.closeSync();
  instance?.closeSync();
});

function toBigInt(bytes: Uint8Array): bigint {
  return bytes.reduce((v, b) => (v << 8n) | BigInt(b), 0n);
}

async function load(input: FlowRecord[]): Promise<void> {
  await connection.run(`CREATE OR REPLACE TABLE flows (
    src_family UTINYINT, src_prefix UTINYINT, src_addr UHUGEINT,
    dst_family UTINYINT, dst_prefix UTINYINT, dst_addr UHUGEINT,
    protocol UTINYINT, packets UBIGINT, bytes UBIGINT, age UINTEGER)`);
  const appender = await connection.createAppender('flows');
  const address = (a: ParsedAddress) => {
    appender.appendUTinyInt(a.family);
    appender.appendUTinyInt(a.prefixLength);
    appender.appendUHugeInt(toBigInt(a.bytes));
  };
  const nullable = (v: number | null, append: (x: number) => void) =>
    v === null ? appender.appendNull() : append(v);
  for (const r of input) {
    address(r.source);
    address(r.destination);
    nullable(r.protocol?.number ?? null, (x) => appender.appendUTinyInt(x));
    nullable(r.packetCount, (x) => appender.appendUBigInt(BigInt(x)));
    nullable(r.byteCount, (x) => appender.appendUBigInt(BigInt(x)));
    nullable(r.ageSeconds, (x) => appender.appendUInteger(x));
    appender.endRow();
  }
  appender.closeSync();
}

/** SQL for one end's rolled-up key: family, effective prefix, and the masked address as UHUGEINT. */
function rolledUpSql(end: 'src' | 'dst', v4: number, v6: number): string {
  const p = `least(${end}_prefix, CASE WHEN ${end}_family = 4 THEN ${v4} ELSE ${v6} END)`;
  const bits = `(CASE WHEN ${end}_family = 4 THEN 96 ELSE 0 END + ${p})`;
  return `${end}_family AS fam, ${p} AS pfx,
    CASE WHEN ${bits} = 0 THEN 0::UHUGEINT ELSE (${end}_addr >> (128 - ${bits})::UHUGEINT) << (128 - ${bits})::UHUGEINT END AS net`;
}

/** Our row's rolled-up address as (family, prefix, masked UHUGEINT) via the parser. */
function keyOf(text: string): string {
  const a = parseAddress(text);
  return `${a.family}|${a.prefixLength}|${toBigInt(a.bytes) & ~((1n << BigInt(128 - (a.family === 4 ? 96 : 0) - a.prefixLength)) - 1n)}`;
}

const masks = fc.record({ v4: fc.integer({ min: 0, max: 32 }), v6: fc.integer({ min: 0, max: 128 }) });

describe('DuckDB oracle', () => {
  test.prop([records({ maxLength: 300 }), masks], { numRuns: 8 })(
    'group-by ip/v4,v6 + protocol and top-10 sources by bytes agree row for row',
    async (input, mask) => {
      await load(input);
      const { v4, v6 } = mask;
      // ip: every flow once per end (UNION ALL), like nfdump's ip statistic.
      const grouped = await connection.runAndReadAll(`
        WITH ends AS (
          SELECT ${rolledUpSql('src', v4, v6)}, protocol, packets, bytes, age FROM flows
          UNION ALL
          SELECT ${rolledUpSql('dst', v4, v6)}, protocol, packets, bytes, age FROM flows)
        SELECT fam, pfx, net, protocol, count(*) AS flows, sum(packets) AS packets,
          count(*) - count(packets) AS packets_null_count, sum(bytes) AS bytes,
          count(*) - count(bytes) AS bytes_null_count, min(age) AS age_min, max(age) AS age_max,
          count(*) - count(age) AS age_null_count
        FROM ends GROUP BY ALL
        ORDER BY coalesce(sum(bytes), 0) DESC, fam, net, pfx, protocol NULLS LAST`);
      const expected = grouped.getRowObjectsJS().map((r) => ({
        key: `${r.fam}|${r.pfx}|${r.net}`,
        protocol: r.protocol === null ? null : Number(r.protocol),
        flows: BigInt(r.flows as bigint),
        packets: r.packets === null ? null : BigInt(r.packets as bigint),
        packets_null_count: BigInt(r.packets_null_count as bigint),
        bytes: r.bytes === null ? null : BigInt(r.bytes as bigint),
        bytes_null_count: BigInt(r.bytes_null_count as bigint),
        age_min: r.age_min === null ? null : Number(r.age_min),
        age_max: r.age_max === null ? null : Number(r.age_max),
        age_null_count: BigInt(r.age_null_count as bigint),
      }));
      const ours = groupByRows(input, { keys: ['ip', 'protocol'], mask }).map((r: Row) => ({
        key: keyOf(r.ip_address as string),
        protocol: r.protocol,
        flows: r.flows,
        packets: r.packets,
        packets_null_count: r.packets_null_count,
        bytes: r.bytes,
        bytes_null_count: r.bytes_null_count,
        age_min: r.age_min,
        age_max: r.age_max,
        age_null_count: r.age_null_count,
      }));
      expect(ours).toEqual(expected);

      const top = await connection.runAndReadAll(`
        WITH ends AS (SELECT ${rolledUpSql('src', v4, v6)}, packets, bytes FROM flows)
        SELECT fam, pfx, net, count(*) AS flows, coalesce(sum(packets), 0) AS packets, coalesce(sum(bytes), 0) AS bytes
        FROM ends GROUP BY ALL ORDER BY bytes DESC, fam, net, pfx LIMIT 10`);
      const expectedTop = top.getRowObjectsJS().map((r, i) => ({
        rank: i + 1,
        key: `${r.fam}|${r.pfx}|${r.net}`,
        flows: BigInt(r.flows as bigint),
        packets: BigInt(r.packets as bigint),
        bytes: BigInt(r.bytes as bigint),
      }));
      const ourTop = topTalkersRows(input, { key: 'source', mask, by: 'bytes', n: 10 }).map((r) => ({
        rank: r.rank,
        key: keyOf(r.key as string),
        flows: r.flows,
        packets: r.packets,
        bytes: r.bytes,
      }));
      expect(ourTop).toEqual(expectedTop);
    },
  );
});
