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

function take(writer: CapturingStreamWriter | CapturingFileWriter): Uint8Array {
  const chunks = writer.chunks;
  writer.chunks = [];
  if (chunks.length === 1) return chunks[0];
  let size = 0;
  for (const c of chunks) size += c.byteLength;
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

/** Writes one schema's IPC messages, returning the bytes of each step synchronously. No I/O. */
export interface IpcWriter {
  readonly format: IpcFormat;
  readonly schema: Schema;
  /** Header bytes: the schema message (stream) or the magic (file). Called once, first. */
  start(): Uint8Array;
  /** One batch's messages. Throws NFW_OUTPUT_FAILED if the batch's schema differs from the writer's. */
  write(batch: RecordBatch): Uint8Array;
  /**
   * Closing bytes: end-of-stream marker, and for the file format the footer, whose schema carries
   * `footerMetadata` when given (stream readers only ever see the header's metadata).
   */
  finish(footerMetadata?: Map<string, string>): Uint8Array;
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
