import { type RecordBatch, RecordBatchFileWriter, RecordBatchStreamWriter, Schema, util } from 'apache-arrow';
import { NfwError } from '../errors.js';

/** Arrow IPC container: `file` (`.arrow`/`.feather`, footer + random access) or `stream` (`.arrows`). */
export type IpcFormat = 'file' | 'stream';

function asBytes(chunk: unknown): Uint8Array {
  if (chunk instanceof Uint8Array) return chunk;
  const view = chunk as ArrayBufferView;
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

/*
 * apache-arrow's writers queue their output in an async byte queue; these subclasses take the bytes
 * synchronously instead, so the caller pushes them into a Node stream that applies backpressure.
 * The file writer also lets the footer carry newer schema metadata than the header: the footer is
 * written at the end, when the final status is known, and file readers take the schema from it.
 */
class CapturingStreamWriter extends RecordBatchStreamWriter {
  chunks: Uint8Array[] = [];
  protected override _write(chunk: unknown): this {
    const bytes = asBytes(chunk);
    if (this._started && bytes.byteLength > 0) {
      this.chunks.push(bytes);
      this._position += bytes.byteLength;
    }
    return this;
  }
}

class CapturingFileWriter extends RecordBatchFileWriter {
  chunks: Uint8Array[] = [];
  footerMetadata: Map<string, string> | null = null;
  protected override _write(chunk: unknown): this {
    const bytes = asBytes(chunk);
    if (this._started && bytes.byteLength > 0) {
      this.chunks.push(bytes);
      this._position += bytes.byteLength;
    }
    return this;
  }
  protected override _writeFooter(schema: Schema): this {
    const footer =
      this.footerMetadata === null
        ? schema
        : new Schema(schema.fields, this.footerMetadata, schema.dictionaries, schema.metadataVersion);
    return super._writeFooter(footer);
  }
}

/** Chunks below this size are merged into one; larger ones (column buffers) are passed on uncopied. */
const MERGE_BELOW = 64 * 1024;

/**
 * The bytes written since the last call, as few chunks without copying column data: apache-arrow
 * writes a batch as its message header, each column buffer and 8-byte paddings, and the column buffers
 * are the builders' own typed arrays (never written again once a batch is out). Small pieces are merged
 * so a stream gets one or a few chunks per batch, not one per buffer.
 */
function take(writer: CapturingStreamWriter | CapturingFileWriter): Uint8Array[] {
  const chunks = writer.chunks;
  writer.chunks = [];
  if (chunks.length <= 1) return chunks;
  const out: Uint8Array[] = [];
  let start = 0;
  let size = 0;
  const merge = (end: number) => {
    if (end - start === 1) out.push(chunks[start]);
    else if (end > start) {
      const merged = new Uint8Array(size);
      let at = 0;
      for (let i = start; i < end; i++) {
        merged.set(chunks[i], at);
        at += chunks[i].byteLength;
      }
      out.push(merged);
    }
    size = 0;
  };
  for (let i = 0; i < chunks.length; i++) {
    const n = chunks[i].byteLength;
    if (n >= MERGE_BELOW) {
      merge(i);
      out.push(chunks[i]);
      start = i + 1;
    } else {
      size += n;
    }
  }
  merge(chunks.length);
  return out;
}

/** Writes one schema's IPC messages, returning the bytes of each step synchronously. No I/O. */
export interface IpcWriter {
  readonly format: IpcFormat;
  readonly schema: Schema;
  /** Header bytes: the schema message (stream) or the magic (file). Called once, first. */
  start(): Uint8Array[];
  /**
   * One batch's messages, as chunks that may share memory with the batch's buffers. Throws
   * NFW_OUTPUT_FAILED if the batch's schema differs from the writer's.
   */
  write(batch: RecordBatch): Uint8Array[];
  /**
   * Closing bytes: end-of-stream marker, and for the file format the footer, whose schema carries
   * `footerMetadata` when given (stream readers only ever see the header's metadata).
   */
  finish(footerMetadata?: Map<string, string>): Uint8Array[];
}

export function createIpcWriter(schema: Schema, format: IpcFormat): IpcWriter {
  const writer = format === 'file' ? new CapturingFileWriter() : new CapturingStreamWriter();
  let state: 'new' | 'open' | 'done' = 'new';
  return {
    format,
    schema,
    start() {
      if (state !== 'new') throw new NfwError('NFW_OUTPUT_FAILED', 'IPC writer already started');
      state = 'open';
      writer.reset(undefined, schema);
      return take(writer);
    },
    write(batch) {
      if (state !== 'open') throw new NfwError('NFW_OUTPUT_FAILED', 'IPC writer is not open');
      // apache-arrow closes the writer and drops the batch when schemas differ: refuse instead.
      const same = batch.schema === schema || util.compareSchemas(schema, batch.schema as Schema);
      if (!same) {
        throw new NfwError('NFW_OUTPUT_FAILED', 'record batch schema differs from the file schema', {
          field: 'schema',
          value: (batch.schema as Schema).fields.map((f) => `${f.name}: ${f.type}`),
        });
      }
      writer.write(batch);
      return take(writer);
    },
    finish(footerMetadata) {
      if (state !== 'open') throw new NfwError('NFW_OUTPUT_FAILED', 'IPC writer is not open');
      state = 'done';
      if (footerMetadata !== undefined && writer instanceof CapturingFileWriter) {
        writer.footerMetadata = footerMetadata;
      }
      writer.finish();
      return take(writer);
    },
  };
}
