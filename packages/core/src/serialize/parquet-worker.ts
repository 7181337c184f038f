/**
 * The thread side of toParquet: parquet-wasm's streaming writer in a worker thread, so Parquet encoding
 * and compression run beside the thread that parses and builds Arrow batches instead of after it.
 *
 * The worker is started from source text (`eval`), not from a file: the same code then runs from the
 * built package and from the TypeScript sources (tests, tsx), where a `.ts` worker file would need a
 * loader the worker does not inherit everywhere. It loads parquet-wasm from the path the calling
 * thread resolved.
 *
 * Messages to the worker: `start` (writer settings; with a schema for a file with no rows), `batch`
 * (one batch as a whole IPC stream: schema message, record batch message, end-of-stream marker; in
 * the first `length` bytes of a transferred buffer), `end`. From the worker: `taken` (the writer took a batch, its buffer transferred back for
 * the next one), `data` (output bytes, transferred), `done` (file complete), `error` (message).
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
  /** With `schema` (an IPC stream of the schema alone): a file with no rows, written at once. */
  | { type: 'start'; settings: ParquetWorkerSettings; schema?: { buffer: ArrayBuffer; length: number } }
  | { type: 'batch'; buffer: ArrayBuffer; length: number }
  | { type: 'end' };

export type FromParquetWorker =
  | { type: 'taken'; buffer: ArrayBuffer }
  | { type: 'data'; bytes: Uint8Array }
  | { type: 'done' }
  | { type: 'error'; message: string };

export const PARQUET_WORKER_SOURCE = `
'use strict';
// No \`require\`: an eval'd worker runs as a module when the process was started with --input-type=module.
const { parentPort, workerData } = process.getBuiltinModule('node:worker_threads');
const pw = process.getBuiltinModule('node:module').createRequire(workerData.parquetWasm)(workerData.parquetWasm);
const queue = [];
let ended = false;
let wake = null;

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

// parquet-wasm decodes IPC *stream* bytes into its own memory; the buffer then goes back for reuse.
function wasmBatch(message) {
  const table = pw.Table.fromIPCStream(new Uint8Array(message.buffer, 0, message.length));
  parentPort.postMessage({ type: 'taken', buffer: message.buffer }, [message.buffer]);
  try {
    return table.recordBatch(0);
  } finally {
    table.free();
  }
}

function post(bytes) {
  const own = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
  parentPort.postMessage({ type: 'data', bytes: own }, [own.buffer]);
}

function finish() {
  parentPort.postMessage({ type: 'done' });
  parentPort.close();
}

// The streaming writer needs a first batch for its schema: a file with no rows is written whole.
function writeEmpty(settings, schema) {
  const table = pw.Table.fromIPCStream(new Uint8Array(schema.buffer, 0, schema.length));
  post(pw.writeParquet(table, properties(settings)));
  finish();
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
      },
    },
    { highWaterMark: 0 },
  );
  const output = await pw.transformParquetStream(input, properties(settings));
  const reader = output.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    post(value);
  }
  finish();
}

parentPort.on('message', (message) => {
  if (message.type === 'start') {
    if (message.schema) {
      try {
        writeEmpty(message.settings, message.schema);
      } catch (error) {
        fail(error);
      }
    } else run(message.settings).catch(fail);
    return;
  }
  if (message.type === 'batch') queue.push(message);
  else ended = true;
  const resolve = wake;
  wake = null;
  if (resolve) resolve();
});
`;
