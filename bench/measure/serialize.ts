/**
 * Serializer benchmark (not a test): CPU time per record, the speed measure that holds on a loaded machine.
 *
 *   node --expose-gc --import tsx bench/measure/serialize.ts <format> <count> [mode]
 *
 * format: arrow | arrows | parquet | ndjson | csv | none (the input loop alone); mode: stream (default,
 * records through the Transform into a file) or engine (the sync encoder to bytes, discarded; arrow/
 * arrows/ndjson/csv only). Input: realistic normalized records, from the fixtures generator through the real
 * normalizer (pages of 1000 flows, each with its own FlowContext), built before timing as a pool of
 * POOL records and replayed, so the input's cost and memory stay out of the numbers. Peak RSS is
 * sampled every 5 ms (stream mode) and read from maxRSS; both are reported relative to the RSS
 * after the pool is built. CHECK=1 also checks row count and byte sum with DuckDB; DUCK=1 (parquet)
 * writes the same rows with DuckDB's COPY ... TO parquet for comparison; RG=<rows> sets
 * toParquet's rowGroupSize.
 */
import { createWriteStream, statSync, unlinkSync } from 'node:fs';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createFlowNormalizer } from '../../packages/core/src/normalize/index.js';
import { toArrow, toParquet } from '../../packages/core/src/serialize/index.js';
import { encodeArrow } from '../../packages/core/src/serialize/to-arrow.js';
import { encodeCsv, toCsv } from '../../packages/core/src/serialize/to-csv.js';
import { encodeNdjson, toNdjson } from '../../packages/core/src/serialize/to-ndjson.js';
import type { FlowContext, FlowRecord } from '../../packages/core/src/types.js';
import { createFlowGenerator } from '../../packages/fixtures/src/index.js';
import { importFromCore } from '../scenarios/support/tools.js';

/** What this script uses of @duckdb/node-api (a dependency of packages/core, not of the root). */
interface DuckModule {
  DuckDBInstance: {
    create(path: string): Promise<{
      connect(): Promise<{
        run(sql: string): Promise<unknown>;
        runAndReadAll(sql: string): Promise<{ getRowsJson(): unknown[][] }>;
      }>;
    }>;
  };
}

const [format = 'arrow', countText = '1000000', mode = 'stream'] = process.argv.slice(2);
const count = Number(countText);
const POOL = Math.min(count, Number(process.env.POOL ?? 65_536));
const PAGE = 1000;

const generator = createFlowGenerator({ count: POOL, seed: 7 });
const normalize = createFlowNormalizer();
const pool: FlowRecord[] = [];
let context: FlowContext | null = null;
for (let i = 0; i < POOL; i++) {
  if (i % PAGE === 0) {
    context = {
      firewallArn: 'arn:aws:network-firewall:us-east-1:123456789012:firewall/prod',
      availabilityZone: 'us-east-1a',
      vpcEndpointId: 'vpce-0123456789abcdef0',
      vpcEndpointAssociationArn: null,
      flowOperationId: 'e3f6c1a2-0000-4000-8000-000000000001',
      flowRequestTimestamp: new Date(Date.UTC(2025, 0, 2, 3, 4, 5, 678)),
    };
  }
  pool.push(normalize(generator.flowAt(i), context as FlowContext));
}
let expectedBytes = 0n;
for (let i = 0; i < count; i++) {
  const b = pool[i % POOL].byteCount;
  if (b !== null) expectedBytes += BigInt(b);
}
function* records(): Generator<FlowRecord> {
  for (let i = 0, j = 0; i < count; i++, j++) {
    if (j === POOL) j = 0;
    yield pool[j];
  }
}

globalThis.gc?.();
const base = process.memoryUsage().rss;
let peak = base;
const timer = setInterval(() => {
  peak = Math.max(peak, process.memoryUsage().rss);
}, 5);
const out = `/tmp/nfw-bench-${process.pid}.${format}`;
let size = 0;
const c0 = process.cpuUsage();
const t0 = performance.now();
if (mode === 'engine') {
  const chunks =
    format === 'arrow' || format === 'arrows'
      ? encodeArrow(records(), { format: format === 'arrow' ? 'file' : 'stream' })
      : format === 'csv'
        ? encodeCsv(records())
        : format === 'ndjson'
          ? encodeNdjson(records())
          : (() => {
              throw new Error(`no engine mode for ${format}`);
            })();
  // Text chunks are encoded as the Transform would push them: the cost of bytes, not of strings.
  for (const chunk of chunks)
    size += typeof chunk === 'string' ? Buffer.from(chunk, 'utf8').length : chunk.byteLength;
} else if (format === 'none') {
  await pipeline(
    Readable.from(records(), { objectMode: true }),
    new Writable({
      objectMode: true,
      write(_r, _e, cb) {
        cb();
      },
    }),
  );
} else {
  const transform =
    format === 'arrow'
      ? toArrow()
      : format === 'arrows'
        ? toArrow({ format: 'stream' })
        : format === 'parquet'
          ? toParquet(process.env.RG ? { rowGroupSize: Number(process.env.RG) } : {})
          : format === 'csv'
            ? toCsv()
            : toNdjson();
  await pipeline(Readable.from(records(), { objectMode: true }), transform, createWriteStream(out));
  size = statSync(out).size;
}
const ms = performance.now() - t0;
const cpu = process.cpuUsage(c0);
const cpuMs = (cpu.user + cpu.system) / 1000;
clearInterval(timer);
peak = Math.max(peak, process.memoryUsage().rss);
const maxRss = process.resourceUsage().maxRSS * 1024;

let check = '';
if (process.env.CHECK && mode === 'stream' && format !== 'none') {
  const { DuckDBInstance } = await importFromCore<DuckModule>('@duckdb/node-api');
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  const from =
    format === 'parquet'
      ? `read_parquet('${out}')`
      : format === 'csv'
        ? `read_csv('${out}', types={'byte_count':'UBIGINT'})`
        : format === 'ndjson'
          ? `read_json('${out}', format='newline_delimited', columns={byte_count:'UBIGINT'})`
          : null;
  if (from !== null) {
    const rows = (
      await conn.runAndReadAll(`select count(*)::varchar, sum(byte_count)::varchar from ${from}`)
    ).getRowsJson() as string[][];
    const [n, s] = rows[0];
    check = ` check: rows ${n === String(count) ? 'OK' : `BAD ${n}`}, bytes ${s === String(expectedBytes) ? 'OK' : `BAD ${s}`}`;
  }
  if (format === 'parquet' && process.env.DUCK) {
    // The same rows loaded into a DuckDB table first, so only DuckDB's Parquet writing is timed.
    const duck = `/tmp/nfw-bench-${process.pid}.duck.parquet`;
    await conn.run(`CREATE TABLE flows AS SELECT * FROM read_parquet('${out}')`);
    const d0 = process.cpuUsage();
    const w0 = performance.now();
    await conn.run(`COPY flows TO '${duck}' (FORMAT parquet, COMPRESSION zstd)`);
    const dcpu = process.cpuUsage(d0);
    const dms = (dcpu.user + dcpu.system) / 1000;
    check += ` | duckdb COPY TO parquet zstd: CPU ${dms.toFixed(0)} ms = ${((dms * 1000) / count).toFixed(3)} us/rec (${(performance.now() - w0).toFixed(0)} ms wall, threads ${(await conn.runAndReadAll("select current_setting('threads')::varchar")).getRowsJson()[0][0]}), ${(statSync(duck).size / 1e6).toFixed(2)} MB`;
    if (!process.env.KEEP) unlinkSync(duck);
  }
}
if (format === 'parquet') {
  // Wasm linear memory only grows: its size now is its peak during the run.
  const { wasmMemory } = await importFromCore<{ wasmMemory(): { buffer: ArrayBufferLike } }>('parquet-wasm');
  check += ` | wasm memory ${(wasmMemory().buffer.byteLength / 1e6).toFixed(0)} MB`;
}
const usPerRecord = (cpuMs * 1000) / count;
console.log(
  `${format} ${mode} ${count}: CPU ${cpuMs.toFixed(0)} ms = ${usPerRecord.toFixed(3)} us/rec = ${(1 / usPerRecord).toFixed(2)} M rec/CPU-s; wall ${ms.toFixed(0)} ms; ${(size / 1e6).toFixed(2)} MB; peak RSS +${((peak - base) / 1e6).toFixed(0)} MB (sampled), maxRSS +${((maxRss - base) / 1e6).toFixed(0)} MB${check}`,
);
if (mode === 'stream' && format !== 'none' && !process.env.KEEP) unlinkSync(out);
