import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type FlowRecord, type ParquetCompression, toArrow, toParquet } from '../core.js';
import { defineScenario } from '../scenario.js';
import { duckConnection, duckJsonToParquet } from './support/peers.js';
import { CountingSink, generatedRecords } from './support/pipelines.js';
import { cliCaptureFile, fileSize, removeQuietly, scratchPath } from './support/tools.js';

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

async function encode(records: FlowRecord[], transform: NodeJS.ReadWriteStream): Promise<number> {
  const sink = new CountingSink();
  await pipeline(Readable.from(records, { objectMode: true, highWaterMark: 1024 }), transform, sink);
  return sink.bytes;
}

function parquetCase(compression: ParquetCompression) {
  return {
    name: `toParquet ${compression}`,
    prepare: (n: number) => {
      const records = generatedRecords(n);
      return async () => {
        const bytes = await encode(records, toParquet({ compression }));
        return { check: String(bytes), detail: `file ${mib(bytes)}` };
      };
    },
  };
}

function duckCase(compression: 'snappy' | 'zstd') {
  return {
    name: `DuckDB read_json -> Parquet ${compression} (file size reference; time includes reading JSON)`,
    prepare: async (n: number) => {
      const file = await cliCaptureFile(n);
      const connection = await duckConnection();
      const out = scratchPath(`serializers-duck-${compression}.parquet`);
      return async () => {
        await duckJsonToParquet(connection, file, fileSize(file), out, compression);
        const bytes = fileSize(out);
        removeQuietly(out);
        return { check: String(bytes), detail: `file ${mib(bytes)}` };
      };
    },
  };
}

export default defineScenario({
  name: 'serializers',
  description:
    'The serializers alone on normalized records already in memory (fixtures generator, seed 7, built before timing: see "input heap"), written to a byte-counting sink: toArrow (IPC file) and toParquet with zstd (the default) and snappy. Beside them, the size of the Parquet file DuckDB writes from the same flows (`read_json` of the AWS CLI file -> `COPY ... (FORMAT parquet)`, plain VARCHAR/BIGINT columns as read_json infers them) with its default snappy and with zstd.',
  defaultSize: 1_000_000,
  unit: 'record',
  targets: [
    {
      target: 'toArrow (IPC file): at least 2M records/s',
      measure: (stats) => {
        const s = stats('toArrow (IPC file)');
        const perSecond = s.items / (s.ms / 1000);
        return { value: perSecond, text: `${(perSecond / 1e6).toFixed(2)}M records/s` };
      },
      min: 2_000_000,
      whenMissed:
        'see Findings: per record, the batch writer waits on cache misses (each record and its two address objects and strings) and Node streams cost about 0.1 us',
    },
  ],
  findings: [
    "File sizes at 1M flows: toParquet zstd 19.7 MiB and snappy 26.8 MiB against DuckDB's 15.9 MiB (zstd) and 21.8 MiB (snappy): ours are about 24% larger because schema v1 has 21 columns (canonical address text plus IP version and prefix length, port ranges as from/to, protocol number and name, six provenance columns) against the 10 plain columns DuckDB writes from `read_json`. Only the sizes compare: DuckDB's times include reading the JSON.",
    "toArrow: the batch writer is about 60% of the CPU, a third of it the UTF-8 loop over the two address texts; with 1M distinct records, cache misses on each record's address objects and texts add about 120 ns a record (the writer alone: 180-200 ms on a 4,096-record pool, 300-330 ms on 1M distinct records); Node streams cost about 0.1 microseconds a record.",
    'Measured and dropped (the writer alone on 1M records, CPU): caching the encoded bytes of each address in a Map keyed by its text or by the address object (500-700 ms against 300-340: the lookup costs more than a 12-character loop), `Buffer.utf8Write` (400-460 ms), reusing column buffers across batches (no gain: output handed downstream needs fresh memory anyway), a branch-free ASCII loop (no change), interning address text as a property key (doubled the cost of parsing all-distinct addresses). What helped: flattening the address text once when parsed (cons strings were walked on every character read: 318-343 -> 253-296 ms).',
    'Peak RSS does not grow with the row count: `node --expose-gc --conditions=@nfw-flows/source --import tsx bench/measure/serialize.ts arrow N` (records replayed from one pool) peaks at +27 MB over the input at 100K, +32 MB at 300K, +35 MB at 1M, +36 MB at 3M records. The peak RSS column above includes the 1M input records.',
    'toParquet costs about 5x toArrow (2.0 s against 0.4 s for 1M records): the batch writer builds Arrow, then parquet-wasm re-encodes and compresses it (CPU above wall: compression runs beside the main thread). Parquet row groups are 65,536 rows, Arrow batches 4,096.',
  ],
  cases: [
    {
      name: 'toArrow (IPC file)',
      prepare: (n) => {
        const records = generatedRecords(n);
        return async () => {
          const bytes = await encode(records, toArrow({ format: 'file' }));
          return { check: String(bytes), detail: `file ${mib(bytes)}` };
        };
      },
    },
    parquetCase('zstd'),
    parquetCase('snappy'),
    duckCase('snappy'),
    duckCase('zstd'),
  ],
});
