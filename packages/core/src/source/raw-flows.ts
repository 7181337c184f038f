/**
 * `withCommand` hook for the SDK paginator: the `Flows` of a successful ListFlowOperationResults
 * response are taken from the body with one plain `JSON.parse`, and the SDK deserializes only the rest
 * (NextToken, status, timestamps, errors). The SDK's own path parses with a reviver, copies every flow
 * member by member (`_readStruct`), then copies it again for its logger (`schemaLogFilter`, even with
 * the default no-op logger): about a fifth of its CPU per page. The normalizer checks every field
 * itself, and reads these flows exactly as it reads a saved file's (unknown keys kept and ignored).
 * Anything unexpected (an error status, a body that is not bytes, text or an async iterable of them,
 * text that does not parse, no `Flows` array) is handed to the SDK unchanged.
 */
import { Readable } from 'node:stream';
import { NfwError } from '../errors.js';

/**
 * The largest result page body read, in bytes. A page holds at most 100 flows (tens of KiB); a body over
 * this is no valid page, and reading it whole would take memory in proportion to what a server sends.
 */
export const MAX_RESPONSE_BYTES = 8 * 1024 * 1024;

interface MiddlewareStackLike {
  add(middleware: unknown, options: Record<string, unknown>): void;
  identify?(): unknown;
}

/** The client's middlewares our two are placed around, as `identify()` names them. */
const UNDERSTOOD = ['loggerMiddleware - initialize', 'deserializerMiddleware - deserialize'];

/**
 * `withRawFlows` when the client's middleware stack is the SDK's as we know it (its logger in the
 * initialize step, its deserializer in the deserialize step), else undefined: the pages then come from
 * the SDK's own parsing, with the same records. Clients of older SDK codegen add their deserializer
 * per command, so they take that path too.
 */
export function rawFlowsFor(client: unknown): (<C>(command: C) => C) | undefined {
  const stack = (client as { middlewareStack?: MiddlewareStackLike } | null)?.middlewareStack;
  if (typeof stack?.add !== 'function' || typeof stack.identify !== 'function') return undefined;
  let names: unknown;
  try {
    names = stack.identify();
  } catch {
    return undefined;
  }
  if (!Array.isArray(names)) return undefined;
  return UNDERSTOOD.every((name) => names.includes(name)) ? withRawFlows : undefined;
}

interface Handled {
  response?: unknown;
  output?: unknown;
}

type Next = (args: unknown) => Promise<Handled>;

/** The per-request hand-over from the deserialize step to the initialize step. */
interface Holder {
  flows: unknown[] | undefined;
}

/** Adds the two middlewares to one command (a fresh command per page; retries reuse it). */
export function withRawFlows<C>(command: C): C {
  const stack = (command as { middlewareStack?: MiddlewareStackLike }).middlewareStack;
  if (stack === undefined || typeof stack.add !== 'function') return command;
  const holder: Holder = { flows: undefined };
  // Below the SDK deserializer (low priority in its step): sees the raw HTTP response of each attempt.
  stack.add((next: Next) => (args: unknown) => takeFlows(next, args, holder), {
    step: 'deserialize',
    priority: 'low',
    name: 'nfwFlowsTakeFlows',
  });
  // Above the SDK logger (high priority in the first step): its filter never walks the flows.
  stack.add((next: Next) => (args: unknown) => putFlows(next, args, holder), {
    step: 'initialize',
    priority: 'high',
    name: 'nfwFlowsPutFlows',
  });
  return command;
}

async function takeFlows(next: Next, args: unknown, holder: Holder): Promise<Handled> {
  holder.flows = undefined;
  const result = await next(args);
  const response = result.response as { statusCode?: unknown; body?: unknown } | undefined;
  if (typeof response !== 'object' || response === null) return result;
  const status = response.statusCode;
  if (typeof status !== 'number' || status < 200 || status > 299) return result;
  const body = limited(response as { headers?: unknown; body?: unknown });
  const bytes = isByteStream(body) ? await collectByteStream(body) : await collectBody(body);
  if (bytes === undefined) return result;
  if (!Buffer.isBuffer(bytes)) {
    response.body = bytes.replay;
    return result;
  }
  if (bytes.length > MAX_RESPONSE_BYTES) throw tooLarge(bytes.length);
  response.body = bytes; // consumed: whatever happens next, the SDK reads these bytes
  let doc: unknown;
  try {
    doc = JSON.parse(bytes.toString('utf8'));
  } catch {
    return result; // the SDK reports the bad body its own way
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return result;
  const record = doc as Record<string, unknown>;
  const flows = record.Flows;
  if (!Array.isArray(flows)) return result;
  delete record.Flows;
  holder.flows = flows;
  response.body = Buffer.from(JSON.stringify(record), 'utf8');
  return result;
}

async function putFlows(next: Next, args: unknown, holder: Holder): Promise<Handled> {
  const result = await next(args);
  const flows = holder.flows;
  holder.flows = undefined;
  const output = result.output as Record<string, unknown> | undefined;
  if (flows !== undefined && typeof output === 'object' && output !== null && output.Flows === undefined) {
    output.Flows = flows;
  }
  return result;
}

function tooLarge(bytes: number): NfwError {
  return new NfwError(
    'NFW_INVALID_RESPONSE',
    `ListFlowOperationResults: a response body of ${bytes} bytes or more, over the limit of ${MAX_RESPONSE_BYTES} for a page of at most 100 flows`,
    { field: 'body', value: bytes },
  );
}

/** The body, failing as soon as its declared or received length passes MAX_RESPONSE_BYTES. */
function limited(response: { headers?: unknown; body?: unknown }): unknown {
  const body = response.body;
  const declared = Number((response.headers as Record<string, unknown> | undefined)?.['content-length']);
  if (declared > MAX_RESPONSE_BYTES) {
    (body as { destroy?: () => void } | null)?.destroy?.();
    throw tooLarge(declared);
  }
  if (typeof body !== 'object' || body === null || body instanceof Uint8Array || isByteStream(body))
    return body;
  const iterate = (body as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator];
  if (typeof iterate !== 'function') return body;
  return (async function* () {
    let total = 0;
    for await (const chunk of body as AsyncIterable<unknown>) {
      total += typeof chunk === 'string' || chunk instanceof Uint8Array ? chunk.length : 0;
      if (total > MAX_RESPONSE_BYTES) {
        (body as { destroy?: () => void }).destroy?.();
        throw tooLarge(total);
      }
      yield chunk;
    }
  })();
}

/** A Node Readable of bytes (the HTTP response the SDK's Node handler gives): read by its events. */
function isByteStream(body: unknown): body is Readable {
  return body instanceof Readable && !body.readableObjectMode;
}

/**
 * A byte stream's data, read with 'data' events as the SDK's own stream collector does, failing as soon
 * as it passes MAX_RESPONSE_BYTES. Not `for await`: the stream's async iterator kept each request's
 * objects (request, response, socket listeners, timers) reachable for longer than a young-generation
 * GC cycle, so every page's HTTP objects were promoted to the old space as garbage.
 */
function collectByteStream(body: Readable): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    let settled = false;
    // The error listener stays: an error after the end must not become an uncaught exception.
    const done = (error: unknown, bytes?: Buffer) => {
      if (settled) return;
      settled = true;
      body.off('data', onData).off('end', onEnd).off('close', onClose);
      if (error === null) resolve(bytes!);
      else reject(error);
    };
    const onData = (chunk: Buffer | string) => {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
      total += buf.length;
      if (total > MAX_RESPONSE_BYTES) {
        body.destroy();
        done(tooLarge(total));
        return;
      }
      chunks.push(buf);
    };
    const onEnd = () => done(null, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total));
    // Closed before its end without an error of its own (destroyed): the body was cut short.
    const onClose = () => done(cutShort());
    body.on('data', onData).once('end', onEnd).on('error', done).once('close', onClose);
    if (body.destroyed || body.readableEnded) done(body.errored ?? cutShort());
  });
}

/** A body that closed before its end, as the connection reset it is (transient: the page is asked again). */
function cutShort(): Error {
  return Object.assign(new Error('the response body closed before its end'), { code: 'ECONNRESET' });
}

/**
 * The whole body as one Buffer; undefined for a body of another kind, or a body to hand back to the SDK
 * (`replay`) when a chunk turned out to be of another kind. Both are left to the SDK.
 */
async function collectBody(body: unknown): Promise<Buffer | undefined | { replay: AsyncIterable<unknown> }> {
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  if (typeof body !== 'object' || body === null) return undefined;
  const iterate = (body as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator];
  if (typeof iterate !== 'function') return undefined;
  const chunks: Buffer[] = [];
  const seen: unknown[] = [];
  const iterator = (body as AsyncIterable<unknown>)[Symbol.asyncIterator]();
  for (;;) {
    const step = await iterator.next();
    if (step.done) break;
    const chunk = step.value;
    seen.push(chunk);
    if (typeof chunk === 'string') chunks.push(Buffer.from(chunk, 'utf8'));
    else if (chunk instanceof Uint8Array) {
      chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    } else {
      // A chunk of a kind we do not read: the SDK gets the body back whole, as it came.
      return { replay: Readable.from(replay(seen, iterator), { objectMode: false }) };
    }
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
}

async function* replay(seen: unknown[], rest: AsyncIterator<unknown>): AsyncGenerator<unknown> {
  yield* seen;
  for (;;) {
    const step = await rest.next();
    if (step.done) return;
    yield step.value;
  }
}
