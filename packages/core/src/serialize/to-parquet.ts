import { createRequire } from 'node:module';
import { Transform, type TransformCallback } from 'node:stream';
import type { ReadableStreamDefaultController } from 'node:stream/web';
import { ReadableStream } from 'node:stream/web';
import type { RecordBatch, Schema } from 'apache-arrow';
import type * as ParquetWasm from 'parquet-wasm';
import { NfwError } from '../errors.js';
import type { ColumnSpec, FlowRecord, Row } from '../types.js';
import { createBatchBuilder, DEFAULT_ROW_GROUP_SIZE } from './batch-builder.js';
import { createIpcWriter } from './ipc-writer.js';
import {
  buildMetadata,
  columnsSchema,
  type MetadataInput,
  NFW_FLOWS_VERSION,
  normalizeMetadata,
  normalizePositiveInt,
} from './schema.js';

export type ParquetCompression = 'zstd' | 'snappy' | 'gzip' | 'brotli' | 'lz4' | 'none';

export interface ToParquetOptions {
  /** Column codec (default zstd). `lz4` writes LZ4_RAW, the non-deprecated LZ4 codec. */
  compression?: ParquetCompression;
  /**
   * Rows per row group; also the batch size (default 65536). Peak memory follows it, not the row
   * count: measured on 1M flows, 16384 -> +81 MB RSS (wasm heap 24 MB), 65536 -> about +160 MB
   * (52 MB), 131072 -> +288 MB (96 MB); larger groups give a smaller file and cost less CPU.
   */
  rowGroupSize?: number;
  /** Columns of generic rows (group-by, top talkers); omitted: flow records in schema v1. */
  columns?: ColumnSpec[] | readonly ColumnSpec[];
  /** Extra key-value metadata, or a function called once when the first row group is written. */
  metadata?: MetadataInput;
}

let loaded: typeof ParquetWasm | undefined;
/**
 * parquet-wasm, instantiated on first use: its wasm module costs about 21 MiB of RSS and start-up time
 * that users of the other formats should not pay. Its Node build is CommonJS and loads synchronously.
 */
function parquetWasm(): typeof ParquetWasm {
  loaded ??= createRequire(import.meta.url)('parquet-wasm') as typeof ParquetWasm;
  return loaded;
}

/** Codec names to parquet-wasm's `Compression` member names. */
const CODECS: Record<ParquetCompression, keyof typeof ParquetWasm.Compression> = {
  zstd: 'ZSTD',
  snappy: 'SNAPPY',
  gzip: 'GZIP',
  brotli: 'BROTLI',
  lz4: 'LZ4_RAW',
  none: 'UNCOMPRESSED',
};

/**
 * Counters are nearly unique per flow: a dictionary only grows to its page limit and falls back to
 * PLAIN. Without it the writer spends less and the file is smaller (1M generated flows, zstd:
 * 21.9 -> 20.6 MB; DuckDB's COPY writes 20.2 MB).
 */
const NEAR_UNIQUE_FLOW_COLUMNS = ['age_seconds', 'packet_count', 'byte_count'];

function normalizeCompression(value: unknown): ParquetWasm.Compression {
  const { Compression } = parquetWasm();
  if (value === undefined) return Compression[CODECS.zstd];
  if (typeof value !== 'string' || !Object.hasOwn(CODECS, value)) {
    throw new NfwError('NFW_INVALID_OPTION', `compression must be one of ${Object.keys(CODECS).join(', ')}`, {
      field: 'compression',
      value,
    });
  }
  return Compression[CODECS[value as ParquetCompression]];
}

/** parquet-wasm takes Arrow IPC *stream* bytes: one small stream per batch. */
function ipcStream(schema: Schema, batches: RecordBatch[]): Uint8Array {
  const writer = createIpcWriter(schema, 'stream');
  return Buffer.concat([...writer.start(), ...batches.flatMap((b) => writer.write(b)), ...writer.finish()]);
}

function wasmBatch(schema: Schema, batch: RecordBatch): ParquetWasm.RecordBatch {
  const table = parquetWasm().Table.fromIPCStream(ipcStream(schema, [batch]));
  try {
    return table.recordBatch(0)!;
  } finally {
    table.free();
  }
}

function outputFailed(error: unknown): NfwError {
  if (error instanceof NfwError) return error;
  return new NfwError('NFW_OUTPUT_FAILED', `Parquet writer failed: ${String(error)}`, { cause: error });
}

export interface ParquetTransform extends Transform {
  readonly columns: readonly ColumnSpec[];
  /**
   * Sets a key-value metadata entry. Parquet writer properties are fixed when the first row group is
   * written, so this only takes effect before then (returns true), and returns false afterwards.
   */
  setMetadata(key: string, value: string): boolean;
}

/**
 * A Transform from flow records (or rows, with `columns`) to a Parquet file, through parquet-wasm's
 * streaming writer: each batch of `rowGroupSize` rows becomes one row group, written out before the
 * next batch is taken, so memory stays at about one row group whatever the row count. The wasm heap
 * (linear memory, which never shrinks) grows over the first few row groups to its working size and
 * then stays there: RSS at 100K rows is below the plateau, not a sign of growth per row.
 */
export function toParquet(options: ToParquetOptions = {}): ParquetTransform {
  const codec = normalizeCompression(options.compression);
  const rowGroupSize = normalizePositiveInt(options.rowGroupSize, 'rowGroupSize', DEFAULT_ROW_GROUP_SIZE);
  const metadata = normalizeMetadata(options.metadata);
  const builder = createBatchBuilder({ columns: options.columns, batchSize: rowGroupSize });
  const overrides: Record<string, string> = {};

  let schema: Schema | null = null;
  let controller: ReadableStreamDefaultController<ParquetWasm.RecordBatch> | null = null;
  let pump: Promise<void> | null = null;
  // The wasm writer pulls batches one at a time (highWaterMark 0): we hand over the next batch only
  // when it asks, and wait for the reader of our output before reading more bytes from it.
  let demand: (() => void) | null = null;
  let demandWaiter: (() => void) | null = null;
  let readWaiter: (() => void) | null = null;
  let failed: NfwError | null = null;

  const flowRecords = options.columns === undefined;
  const properties = (map: Map<string, string>) => {
    let builder = new (parquetWasm().WriterPropertiesBuilder)();
    if (flowRecords) {
      for (const name of NEAR_UNIQUE_FLOW_COLUMNS) builder = builder.setColumnDictionaryEnabled(name, false);
    }
    return builder
      .setCompression(codec)
      .setMaxRowGroupSize(rowGroupSize)
      .setKeyValueMetadata(map)
      .setCreatedBy(`nfw-flows ${NFW_FLOWS_VERSION} (parquet-wasm)`)
      .build();
  };

  const currentMetadata = () => {
    const base = typeof metadata === 'function' ? metadata() : metadata;
    return buildMetadata({ ...base, ...overrides });
  };

  const start = (stream: Transform) => {
    const map = currentMetadata();
    schema = columnsSchema(builder.columns, map);
    const input = new ReadableStream<ParquetWasm.RecordBatch>(
      {
        start(c) {
          controller = c;
        },
        pull() {
          return new Promise<void>((resolve) => {
            demand = resolve;
            const waiter = demandWaiter;
            demandWaiter = null;
            waiter?.();
          });
        },
      },
      { highWaterMark: 0 },
    );
    const output = parquetWasm().transformParquetStream(
      input as unknown as globalThis.ReadableStream,
      properties(map),
    );
    pump = (async () => {
      const reader = (await output).getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        const bytes = value as Uint8Array;
        if (!stream.push(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength))) {
          await new Promise<void>((resolve) => {
            readWaiter = resolve;
          });
        }
      }
    })();
    pump.catch((error) => {
      failed = outputFailed(error);
      stream.destroy(failed);
    });
  };

  const give = async (batch: RecordBatch) => {
    if (demand === null) {
      await new Promise<void>((resolve) => {
        demandWaiter = resolve;
      });
    }
    if (failed !== null) throw failed;
    // Copied into wasm memory only once the writer asks, i.e. has written the previous batch and
    // dropped it: wasm memory holds one batch at a time (linear memory never shrinks).
    const wasm = wasmBatch(schema!, batch);
    const resolve = demand!;
    demand = null;
    controller!.enqueue(wasm);
    resolve();
  };

  const stream = new Transform({
    writableObjectMode: true,
    readableObjectMode: false,
    transform(item: FlowRecord | Row, _encoding: BufferEncoding, callback: TransformCallback) {
      try {
        if (!builder.append(item)) {
          callback();
          return;
        }
        if (schema === null) start(this);
        give(builder.flush()!).then(() => callback(), callback);
      } catch (error) {
        callback(error as Error);
      }
    },
    flush(callback: TransformCallback) {
      try {
        const last = builder.flush();
        if (schema === null && last === null) {
          // No rows: a valid file with the schema and no row groups, written in one piece.
          const map = currentMetadata();
          const table = parquetWasm().Table.fromIPCStream(ipcStream(columnsSchema(builder.columns, map), []));
          const bytes = parquetWasm().writeParquet(table, properties(map));
          this.push(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
          callback();
          return;
        }
        if (schema === null) start(this);
        const finish = async () => {
          if (last !== null) await give(last);
          controller!.close();
          await pump;
        };
        finish().then(
          () => callback(),
          (error) => callback(outputFailed(error)),
        );
      } catch (error) {
        callback(outputFailed(error));
      }
    },
    destroy(error, callback) {
      if (controller !== null && pump !== null) {
        try {
          controller.error(error ?? new NfwError('NFW_ABORTED', 'Parquet output destroyed'));
        } catch {
          // already closed or errored
        }
      }
      callback(error);
    },
  }) as ParquetTransform;

  const read = stream._read.bind(stream);
  stream._read = (size: number) => {
    const waiter = readWaiter;
    readWaiter = null;
    waiter?.();
    read(size);
  };
  Object.defineProperty(stream, 'columns', { value: builder.columns, enumerable: true });
  stream.setMetadata = (key, value) => {
    if (typeof key !== 'string' || typeof value !== 'string') {
      throw new NfwError('NFW_INVALID_OPTION', 'metadata keys and values must be strings', {
        field: 'metadata',
        value: { [String(key)]: value },
      });
    }
    if (schema !== null) return false;
    overrides[key] = value;
    return true;
  };
  return stream;
}
