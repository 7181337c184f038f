import { createRequire } from 'node:module';
import { Transform, type TransformCallback } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { RecordBatch, type Schema } from 'apache-arrow';
import type * as ParquetWasm from 'parquet-wasm';
import { NfwError } from '../errors.js';
import type { ColumnSpec, FlowRecord, Row } from '../types.js';
import {
  createBatchBuilder,
  DEFAULT_BATCH_SIZE,
  DEFAULT_ROW_GROUP_SIZE,
  matchingBatch,
} from './batch-builder.js';
import { createIpcWriter, type IpcWriter } from './ipc-writer.js';
import {
  type FromParquetWorker,
  PARQUET_WORKER_SOURCE,
  type ParquetWorkerSettings,
  type ToParquetWorker,
} from './parquet-worker.js';
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
   * Rows per row group (default 16384). The writer thread holds one row group's encoder state: larger
   * groups make a smaller file and take more memory (README and BENCHMARKS.md give the figures).
   */
  rowGroupSize?: number;
  /** Columns of generic rows (group-by, top talkers); omitted: flow records in schema v1. */
  columns?: ColumnSpec[] | readonly ColumnSpec[];
  /** Extra key-value metadata, or a function called once when the first row group is written. */
  metadata?: MetadataInput;
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
const PLAIN_FLOW_COLUMNS = ['age_seconds', 'packet_count', 'byte_count'];

function normalizeCompression(value: unknown): ParquetCompression {
  if (value === undefined) return 'zstd';
  if (typeof value !== 'string' || !Object.hasOwn(CODECS, value)) {
    throw new NfwError('NFW_INVALID_OPTION', `compression must be one of ${Object.keys(CODECS).join(', ')}`, {
      field: 'compression',
      value,
    });
  }
  return value as ParquetCompression;
}

/** parquet-wasm takes Arrow IPC *stream* bytes. */
function ipcStream(schema: Schema, batches: RecordBatch[]): Uint8Array {
  const writer = createIpcWriter(schema, 'stream');
  return Buffer.concat([...writer.start(), ...batches.flatMap((b) => writer.write(b)), ...writer.finish()]);
}

/** The end-of-stream marker of an Arrow IPC stream. */
const EOS = new Uint8Array([255, 255, 255, 255, 0, 0, 0, 0]);

/** Batches sent to the worker and not yet taken by its writer: bounds the memory between threads. */
const MAX_IN_FLIGHT = 2;

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
 * A Transform from flow records (or rows, with `columns`; or RecordBatches of those columns, taken as
 * they are) to a Parquet file. Records become Arrow
 * batches of 4,096 rows here (as toArrow's: short-lived buffers, little garbage), encoded as IPC
 * messages and handed to parquet-wasm's streaming writer in a worker thread, which gathers them into
 * row groups of `rowGroupSize` rows: encoding and compression run beside the parsing instead of after
 * it, and the writer holds one batch and one row group's encoded pages, whatever the row count.
 */
export function toParquet(options: ToParquetOptions = {}): ParquetTransform {
  const codec = normalizeCompression(options.compression);
  const rowGroupSize = normalizePositiveInt(options.rowGroupSize, 'rowGroupSize', DEFAULT_ROW_GROUP_SIZE);
  const metadata = normalizeMetadata(options.metadata);
  const builder = createBatchBuilder({
    columns: options.columns,
    batchSize: Math.min(DEFAULT_BATCH_SIZE, rowGroupSize),
  });
  const overrides: Record<string, string> = {};
  const flowRecords = options.columns === undefined;

  let ipc: IpcWriter | null = null;
  let worker: Worker | null = null;
  let inFlight = 0;
  let finished = false;
  let failed: NfwError | null = null;
  // Resolved when a batch may be sent (the worker took one, or our reader asked for more) or on failure.
  let waiter: (() => void) | null = null;
  let onDone: (() => void) | null = null;

  const wakeUp = () => {
    const resolve = waiter;
    waiter = null;
    resolve?.();
  };

  // Hand-off buffers the worker gives back once its writer has taken a batch: each batch is copied
  // into one of these instead of a fresh allocation, so neither thread leaves buffers for its GC.
  const pool: ArrayBuffer[] = [];
  let schemaMessage: Uint8Array | null = null;
  const takeBuffer = (length: number): ArrayBuffer => {
    const i = pool.findIndex((buffer) => buffer.byteLength >= length);
    if (i >= 0) return pool.splice(i, 1)[0]!;
    pool.pop();
    return new ArrayBuffer(Math.ceil((length * 5) / 4));
  };

  const currentMetadata = () => {
    const base = typeof metadata === 'function' ? metadata() : metadata;
    return buildMetadata({ ...base, ...overrides });
  };

  const settings = (map: Map<string, string>): ParquetWorkerSettings => ({
    compression: CODECS[codec],
    rowGroupSize,
    metadata: [...map],
    plainColumns: flowRecords ? PLAIN_FLOW_COLUMNS : [],
    createdBy: `nfw-flows ${NFW_FLOWS_VERSION} (parquet-wasm)`,
  });

  const fail = (stream: Transform, error: NfwError) => {
    if (failed !== null) return;
    failed = error;
    wakeUp();
    onDone?.();
    stream.destroy(error);
  };

  /**
   * Starts the writer thread. Every file, even one with no rows, is written by a fresh thread: parquet-wasm
   * orders the key-value metadata by a hash whose seed changes with each writer in a wasm instance,
   * so only a fresh instance writes the same bytes for the same input.
   */
  const start = (stream: Transform, empty = false) => {
    const map = currentMetadata();
    ipc = createIpcWriter(columnsSchema(builder.columns, map), 'stream');
    schemaMessage = new Uint8Array(Buffer.concat(ipc.start()));
    worker = new Worker(PARQUET_WORKER_SOURCE, {
      eval: true,
      // The thread's own JS only passes bytes along: a small young generation keeps its heap small.
      resourceLimits: { maxYoungGenerationSizeMb: 4 },
      workerData: { parquetWasm: createRequire(import.meta.url).resolve('parquet-wasm') },
    });
    worker.on('message', (message: FromParquetWorker) => {
      if (message.type === 'taken') {
        pool.push(message.buffer);
        inFlight--;
        wakeUp();
      } else if (message.type === 'data') {
        const { bytes } = message;
        if (!stream.push(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength))) reading = false;
      } else if (message.type === 'done') {
        finished = true;
        onDone?.();
      } else {
        fail(stream, outputFailed(message.message));
      }
    });
    worker.on('error', (error) => fail(stream, outputFailed(error)));
    worker.on('exit', () => {
      if (!finished) fail(stream, new NfwError('NFW_OUTPUT_FAILED', 'Parquet writer thread exited early'));
    });
    if (!empty) {
      post({ type: 'start', settings: settings(map) });
      return;
    }
    const schema = ipcStream(columnsSchema(builder.columns, map), []);
    const buffer = new Uint8Array(schema).buffer; // an own copy: a Buffer may be a view of a shared pool
    post({ type: 'start', settings: settings(map), schema: { buffer, length: schema.byteLength } }, [buffer]);
  };

  const post = (message: ToParquetWorker, transfer: ArrayBuffer[] = []) => {
    worker!.postMessage(message, transfer);
  };

  // False while our reader has not asked for more bytes: then no more batches are sent.
  let reading = true;

  const give = async (batch: RecordBatch) => {
    while (failed === null && (inFlight >= MAX_IN_FLIGHT || !reading)) {
      await new Promise<void>((resolve) => {
        waiter = resolve;
      });
    }
    if (failed !== null) throw failed;
    const pieces = ipc!.write(batch);
    let length = schemaMessage!.byteLength + EOS.byteLength;
    for (const piece of pieces) length += piece.byteLength;
    const buffer = takeBuffer(length);
    const bytes = new Uint8Array(buffer, 0, length);
    bytes.set(schemaMessage!, 0);
    let at = schemaMessage!.byteLength;
    for (const piece of pieces) {
      bytes.set(piece, at);
      at += piece.byteLength;
    }
    bytes.set(EOS, at);
    inFlight++;
    post({ type: 'batch', buffer, length }, [buffer]);
  };

  const stream = new Transform({
    writableObjectMode: true,
    readableObjectMode: false,
    transform(item: FlowRecord | Row | RecordBatch, _encoding: BufferEncoding, callback: TransformCallback) {
      try {
        if (item instanceof RecordBatch) {
          // A batch of the output columns goes whole, after the rows before it.
          const batch = matchingBatch(item, builder.schema);
          const pending = builder.flush();
          if (worker === null) start(this);
          const sent = pending === null ? give(batch) : give(pending).then(() => give(batch));
          sent.then(() => callback(), callback);
          return;
        }
        if (!builder.append(item)) {
          callback();
          return;
        }
        if (worker === null) start(this);
        give(builder.flush()!).then(() => callback(), callback);
      } catch (error) {
        callback(error as Error);
      }
    },
    flush(callback: TransformCallback) {
      try {
        const last = builder.flush();
        // No rows: the thread writes the schema and no row groups in one piece, and needs no `end`.
        const empty = worker === null && last === null;
        if (worker === null) start(this, empty);
        const finish = async () => {
          if (last !== null) await give(last);
          if (failed !== null) throw failed;
          const done = new Promise<void>((resolve) => {
            onDone = resolve;
          });
          if (!empty) post({ type: 'end' });
          await done;
          if (failed !== null) throw failed;
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
      finished = true;
      const thread = worker;
      worker = null;
      if (thread === null) {
        callback(error);
        return;
      }
      thread.terminate().then(
        () => callback(error),
        () => callback(error),
      );
    },
  }) as ParquetTransform;

  const read = stream._read.bind(stream);
  stream._read = (size: number) => {
    reading = true;
    wakeUp();
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
    if (ipc !== null) return false;
    overrides[key] = value;
    return true;
  };
  return stream;
}
