/**
 * The thread side of toParquet: parquet-wasm's streaming writer in a worker thread, so Parquet encoding
 * and compression run beside the thread that parses and builds Arrow batches instead of after it.
 *
 * The worker is started from source text (`eval`), not from a file: the same code then runs from the
 * built package and from the TypeScript sources (tests, tsx), where a `.ts` worker file would need a
 * loader the worker does not inherit everywhere. It loads parquet-wasm from the path the calling
 * thread resolved.
 *
 * Messages to the worker: `start` (writer settings and the IPC schema message), `batch` (one IPC record
 * batch message, transferred), `end`. From the worker: `taken` (the writer took a batch: send the next),
 * `data` (output bytes, transferred), `done` (file complete), `error` (message).
 */

/** Writer settings, as plain data (parquet-wasm's WriterProperties live in one thread's wasm memory). */
export interface ParquetWorkerSettings {
  /** A parquet-wasm `Compression` member name (ZSTD, SNAPPY, ...). */
  compression: string;
  rowGroupSize: number;
  metadata: [string, string][];
  /** Columns written without a dictionary (PLAIN, then compressed). */
  plainColumns: string[];
  createdBy: string;
}

export type ToParquetWorker =
  | { type: 'start'; settings: ParquetWorkerSettings; schema: Uint8Array }
  | { type: 'batch'; bytes: Uint8Array }
  | { type: 'end' };

export type FromParquetWorker =
  | { type: 'taken' }
  | { type: 'data'; bytes: Uint8Array }
  | { type: 'done' }
  | { type: 'error'; message: string };

export const PARQUET_WORKER_SOURCE = `
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const pw = require(workerData.parquetWasm);
// An IPC stream is the schema message, record batch messages, and this end-of-stream marker.
const EOS = new Uint8Array([255, 255, 255, 255, 0, 0, 0, 0]);
const queue = [];
let ended = false;
let wake = null;
let schema = null;

function fail(error) {
  parentPort.postMessage({ type: 'error', message: String(error && error.message ? error.message : error) });
}

function properties(s) {
  let b = new pw.WriterPropertiesBuilder();
  for (const name of s.plainColumns) b = b.setColumnDictionaryEnabled(name, false);
  return b
    .setCompression(pw.Compression[s.compression])
    .setMaxRowGroupSize(s.rowGroupSize)
    .setKeyValueMetadata(new Map(s.metadata))
    .setCreatedBy(s.createdBy)
    .build();
}

// One small IPC stream per batch: parquet-wasm decodes IPC *stream* bytes into its own memory.
function wasmBatch(body) {
  const bytes = new Uint8Array(schema.byteLength + body.byteLength + EOS.byteLength);
  bytes.set(schema, 0);
  bytes.set(body, schema.byteLength);
  bytes.set(EOS, schema.byteLength + body.byteLength);
  const table = pw.Table.fromIPCStream(bytes);
  try {
    return table.recordBatch(0);
  } finally {
    table.free();
  }
}

async function run(settings) {
  const input = new ReadableStream(
    {
      async pull(controller) {
        while (queue.length === 0 && !ended) await new Promise((resolve) => { wake = resolve; });
        if (queue.length === 0) {
          controller.close();
          return;
        }
        // Decoded only when the writer asks: wasm memory (which never shrinks) holds one batch.
        controller.enqueue(wasmBatch(queue.shift()));
        parentPort.postMessage({ type: 'taken' });
      },
    },
    { highWaterMark: 0 },
  );
  const output = await pw.transformParquetStream(input, properties(settings));
  const reader = output.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    const own = value.byteOffset === 0 && value.byteLength === value.buffer.byteLength ? value : value.slice();
    parentPort.postMessage({ type: 'data', bytes: own }, [own.buffer]);
  }
  parentPort.postMessage({ type: 'done' });
  parentPort.close();
}

parentPort.on('message', (message) => {
  if (message.type === 'start') {
    schema = message.schema;
    run(message.settings).catch(fail);
    return;
  }
  if (message.type === 'batch') queue.push(message.bytes);
  else ended = true;
  const resolve = wake;
  wake = null;
  if (resolve) resolve();
});
`;
