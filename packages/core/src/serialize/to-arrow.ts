import { Transform, type TransformCallback } from 'node:stream';
import { RecordBatch, type Schema } from 'apache-arrow';
import { NfwError } from '../errors.js';
import type { ColumnSpec, FlowRecord, Row } from '../types.js';
import { type BatchBuilder, createBatchBuilder, matchingBatch } from './batch-builder.js';
import { createIpcWriter, type IpcFormat, type IpcWriter } from './ipc-writer.js';
import { buildMetadata, columnsSchema, type MetadataInput, normalizeMetadata } from './schema.js';

export interface ToArrowOptions {
  /** `file` (default; `.arrow`/`.feather`) or `stream` (`.arrows`). */
  format?: IpcFormat;
  /** Rows per RecordBatch (default 4096). */
  batchSize?: number;
  /** Columns of generic rows (group-by, top talkers); omitted: flow records in schema v1. */
  columns?: ColumnSpec[] | readonly ColumnSpec[];
  /** Extra schema metadata, or a function called once when the schema is written (first batch, or end). */
  metadata?: MetadataInput;
}

/**
 * The Arrow engine: records in, IPC bytes out, one batch at a time; no I/O. `push` returns the bytes
 * of a completed batch (with the header before the first), `end` the rest and the closing bytes.
 */
export interface ArrowEncoder {
  readonly columns: readonly ColumnSpec[];
  /** The schema written in the header, once it is written (null before). */
  readonly schema: Schema | null;
  /**
   * The bytes of a completed batch (header first), as chunks; empty while the batch fills. A
   * RecordBatch of the output columns is written as it is (after the rows before it).
   */
  push(item: FlowRecord | Row | RecordBatch): readonly Uint8Array[];
  end(): readonly Uint8Array[];
  /** See ArrowTransform.setMetadata. */
  setMetadata(key: string, value: string): boolean;
}

export function normalizeFormat(value: unknown): IpcFormat {
  if (value === undefined) return 'file';
  if (value !== 'file' && value !== 'stream') {
    throw new NfwError('NFW_INVALID_OPTION', "format must be 'file' or 'stream'", { field: 'format', value });
  }
  return value;
}

export function createArrowEncoder(options: ToArrowOptions = {}): ArrowEncoder {
  const format = normalizeFormat(options.format);
  const metadata = normalizeMetadata(options.metadata);
  const builder: BatchBuilder = createBatchBuilder({
    columns: options.columns,
    batchSize: options.batchSize,
  });
  const overrides: Record<string, string> = {};
  let writer: IpcWriter | null = null;
  let footer: Map<string, string> | null = null;

  const open = (): Uint8Array[] => {
    const base = typeof metadata === 'function' ? metadata() : metadata;
    const map = buildMetadata({ ...base, ...overrides });
    writer = createIpcWriter(columnsSchema(builder.columns, map), format);
    footer = new Map(map);
    return writer.start();
  };

  const writeBatch = (batch: RecordBatch): readonly Uint8Array[] => {
    const head = writer === null ? open() : null;
    const w = writer as unknown as IpcWriter;
    const body = w.write(new RecordBatch(w.schema, batch.data));
    return head === null ? body : [...head, ...body];
  };

  return {
    columns: builder.columns,
    get schema() {
      return writer === null ? null : writer.schema;
    },
    push(item) {
      if (item instanceof RecordBatch) {
        const batch = matchingBatch(item, builder.schema);
        const pending = builder.flush();
        const head = pending === null ? NOTHING : writeBatch(pending);
        const body = writeBatch(batch);
        return head.length === 0 ? body : [...head, ...body];
      }
      if (!builder.append(item)) return NOTHING;
      return writeBatch(builder.flush()!);
    },
    end() {
      const batch = builder.flush();
      const head = batch === null ? (writer === null ? open() : null) : writeBatch(batch);
      const tail = (writer as unknown as IpcWriter).finish(footer ?? undefined);
      return head === null ? tail : [...head, ...tail];
    },
    setMetadata(key, value) {
      if (typeof key !== 'string' || typeof value !== 'string') {
        throw new NfwError('NFW_INVALID_OPTION', 'metadata keys and values must be strings', {
          field: 'metadata',
          value: { [String(key)]: value },
        });
      }
      if (writer === null) {
        overrides[key] = value;
        return true;
      }
      footer!.set(key, value);
      return format === 'file';
    },
  };
}

const NOTHING: readonly Uint8Array[] = Object.freeze([]);

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** toArrow's Transform: objects in, Buffer chunks out (a few per batch: large column buffers uncopied). */
export interface ArrowTransform extends Transform {
  readonly columns: readonly ColumnSpec[];
  /**
   * Sets a schema metadata key. Before the first batch is written (the header): goes into the schema
   * every reader sees; returns true. Afterwards: goes into the file footer's schema (file format, what
   * file readers such as pyarrow.ipc.open_file, polars and apache-arrow report; returns true) or is
   * lost (stream format: the schema was already sent; returns false).
   */
  setMetadata(key: string, value: string): boolean;
}

/**
 * The Transform behind toArrow. `_write` and `_read` replace Transform's own (same backpressure: the
 * write callback waits while the readable side is full), which wraps every record's callback in a new
 * closure: at a million records a second that closure is a measurable share of the stream's cost.
 */
class ArrowStream extends Transform {
  /** The write callback held back while the readable side is above its highWaterMark. */
  private pending: ((error?: Error | null) => void) | null = null;

  constructor(private readonly encoder: ArrowEncoder) {
    super({ writableObjectMode: true, readableObjectMode: false });
  }

  override _write(
    item: FlowRecord | Row | RecordBatch,
    _encoding: BufferEncoding,
    callback: TransformCallback,
  ): void {
    let chunks: readonly Uint8Array[];
    try {
      chunks = this.encoder.push(item);
    } catch (error) {
      callback(error as Error);
      return;
    }
    if (chunks.length === 0) {
      callback();
      return;
    }
    let room = true;
    for (let i = 0; i < chunks.length; i++) room = this.push(asBuffer(chunks[i]));
    if (room) callback();
    else this.pending = callback;
  }

  override _read(): void {
    const callback = this.pending;
    if (callback !== null) {
      this.pending = null;
      callback();
    }
  }

  override _flush(callback: TransformCallback): void {
    try {
      for (const chunk of this.encoder.end()) this.push(asBuffer(chunk));
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }
}

/**
 * A Transform from flow records (or rows, with `columns`) to Arrow IPC bytes; RecordBatches of the
 * same columns (e.g. `diffCaptures(..., { batches: true })`) pass as they are. Holds at most one batch;
 * backpressure comes from the Transform itself (no throughNode buffering).
 */
export function toArrow(options: ToArrowOptions = {}): ArrowTransform {
  const encoder = createArrowEncoder(options);
  const stream = new ArrowStream(encoder) as unknown as ArrowTransform;
  Object.defineProperty(stream, 'columns', { value: encoder.columns, enumerable: true });
  stream.setMetadata = (key, value) => encoder.setMetadata(key, value);
  return stream;
}

/** Sync/iterable form of toArrow: yields the IPC bytes of `items` chunk by chunk. */
export function* encodeArrow(
  items: Iterable<FlowRecord | Row>,
  options: ToArrowOptions = {},
): Generator<Uint8Array, void, undefined> {
  const encoder = createArrowEncoder(options);
  for (const item of items) {
    const chunks = encoder.push(item);
    if (chunks.length > 0) yield* chunks;
  }
  yield* encoder.end();
}
