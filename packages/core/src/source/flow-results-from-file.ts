import { createReadStream, createWriteStream, rmSync } from 'node:fs';
import { type FileHandle, mkdtemp, open, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline, Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { describeValue, NfwError } from '../errors.js';
import type { FlowContext, FlowOperationStatus } from '../types.js';
import { normalizeOnInvalid, normalizeSignal } from './flow-results.js';
import {
  FlowResultsStream,
  type OnInvalid,
  type SourceItem,
  type SourceState,
} from './flow-results-stream.js';
import { FlowsScanner, type ScanEvents } from './flows-scanner.js';
import { DigestedValue, PageMetadataIndex, sameKeptValue } from './page-metadata-index.js';
import { readTrailingMetadata } from './trailing-metadata.js';

/** Provenance of bare Flow records (a file of Flows without their response), as the CLI flags give it. */
export interface FileProvenance {
  firewallArn?: string;
  flowOperationId?: string;
  availabilityZone?: string;
  vpcEndpointId?: string;
  vpcEndpointAssociationArn?: string;
}

export interface FlowResultsFromFileOptions {
  /** Invalid records: `'reject'` (default) emits `'reject'` and goes on; `'fail'` errors the stream. */
  onInvalid?: OnInvalid;
  /** Stops reading; the stream errors with NFW_ABORTED. */
  signal?: AbortSignal;
  /**
   * Provenance for bare Flow records (AWS CLI `--query Flows`, `jq -c '.Flows[]'`): without it their
   * firewall_arn and flow_operation_id are `""` and the other provenance columns null (with a warning).
   * For responses, a value given here must match the response's own, or the input is rejected.
   */
  provenance?: FileProvenance;
}

const PROVENANCE_OPTIONS = [
  'firewallArn',
  'flowOperationId',
  'availabilityZone',
  'vpcEndpointId',
  'vpcEndpointAssociationArn',
] as const;

function normalizeProvenance(value: unknown): FileProvenance {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new NfwError('NFW_INVALID_OPTION', 'provenance must be an object', { field: 'provenance', value });
  }
  const out: FileProvenance = {};
  for (const [key, v] of Object.entries(value)) {
    if (!(PROVENANCE_OPTIONS as readonly string[]).includes(key)) {
      throw new NfwError('NFW_INVALID_OPTION', `unknown provenance key ${describeValue(key)}`, {
        field: `provenance.${key}`,
        value: v,
      });
    }
    if (v === undefined) continue;
    if (typeof v !== 'string' || v === '' || v.length > MAX_ID_CHARS) {
      throw new NfwError('NFW_INVALID_OPTION', `provenance.${key} must be a non-empty string`, {
        field: `provenance.${key}`,
        value: v,
      });
    }
    out[key as keyof FileProvenance] = v;
  }
  return out;
}

const READ_CHUNK = 1 << 20;
/** Stream inputs keep their first bytes until the first record, in case they must be spooled to a file. */
const RETAIN_LIMIT = 16 << 20;
const PROVENANCE = ['FirewallArn', 'FlowOperationId'] as const;
/** Longest provenance string (ARNs are at most 2048 characters). */
const MAX_ID_CHARS = 2048;

/**
 * Flow records from saved ListFlowOperationResults output: a path or a Readable of bytes (`process.stdin`
 * for standard input: core never reads stdin on its own, so `'-'` is refused).
 * Accepts one response (API or AWS CLI merged output), a JSON array of responses, or responses one per
 * line (JSON Lines), each optionally gzip-compressed (detected by magic bytes). See ARCHITECTURE.md for
 * how metadata that follows `Flows` is handled.
 */
export function flowResultsFromFile(
  source: string | NodeJS.ReadableStream,
  options: FlowResultsFromFileOptions = {},
): FlowResultsStream {
  if (
    typeof source !== 'string' &&
    !(source && typeof (source as Readable)[Symbol.asyncIterator] === 'function')
  ) {
    throw new NfwError('NFW_INVALID_OPTION', 'source must be a path or a readable stream', {
      field: 'source',
      value: source,
    });
  }
  if (source === '-') {
    throw new NfwError(
      'NFW_INVALID_OPTION',
      'source "-" is not a file: pass process.stdin to read standard input',
      {
        field: 'source',
        value: source,
      },
    );
  }
  if (source === '')
    throw new NfwError('NFW_INVALID_OPTION', 'source path is empty', { field: 'source', value: '' });
  if (typeof options !== 'object' || options === null) {
    throw new NfwError('NFW_INVALID_OPTION', 'options must be an object', {
      field: 'options',
      value: options,
    });
  }
  const onInvalid = normalizeOnInvalid(options.onInvalid);
  const signal = normalizeSignal(options.signal);
  const provenance = normalizeProvenance(options.provenance);
  return new FlowResultsStream((state) => fileItems(source, state, provenance), {
    onInvalid,
    highWaterMark: 1024,
    signal,
  });
}

/** Thrown by the collector when a response's provenance follows its Flows and was not read ahead. */
class NeedPrepass extends Error {
  constructor(
    readonly page: number,
    /** Byte offset of the `[` of that response's Flows. */
    readonly flowsOffset: number,
  ) {
    super('metadata follows Flows');
  }
}

interface Shared {
  warned: boolean;
  provenance: FileProvenance;
}

/** Turns scanner events into source items: page metadata -> FlowContext, status checks, page events. */
class PageCollector implements ScanEvents {
  items: SourceItem[] = [];
  #meta: Record<string, unknown> = {};
  #trailing: Record<string, unknown> | null = null;
  #context: FlowContext | null = null;
  #flowCount = 0;
  #flowsSeen = false;
  /** Bare Flow records: their one context, from the provenance option. */
  #bare: FlowContext | null = null;
  /** The NextToken of the last response read (undefined: none, or the results ended). */
  #lastNextToken: string | undefined;
  #lastContext: FlowContext | null = null;
  readonly #premeta: PageMetadataIndex | TailMetadata | undefined;
  readonly #skipPages: number;
  readonly #shared: Shared;

  constructor(premeta: PageMetadataIndex | TailMetadata | undefined, skipPages: number, shared: Shared) {
    this.#premeta = premeta;
    this.#skipPages = skipPages;
    this.#shared = shared;
  }

  bareFlows(shape: 'array' | 'lines'): void {
    const p = this.#shared.provenance;
    this.#bare = {
      firewallArn: p.firewallArn ?? '',
      availabilityZone: p.availabilityZone ?? null,
      vpcEndpointId: p.vpcEndpointId ?? null,
      vpcEndpointAssociationArn: p.vpcEndpointAssociationArn ?? null,
      flowOperationId: p.flowOperationId ?? '',
      flowRequestTimestamp: null,
    };
    if (p.firewallArn === undefined || p.flowOperationId === undefined) {
      const missing = [
        ...(p.firewallArn === undefined ? ['--firewall-arn'] : []),
        ...(p.flowOperationId === undefined ? ['--flow-operation-id'] : []),
      ];
      this.items.push({
        type: 'warning',
        warning: {
          code: 'NFW_PROVENANCE_MISSING',
          message:
            `the input holds bare Flow records (${shape === 'array' ? 'a JSON array' : 'one per line'}, as AWS CLI --query Flows or jq '.Flows[]' save them), ` +
            `without their response: firewall_arn and flow_operation_id are "" and the other provenance columns null; pass ${missing.join(' and ')} (library: the provenance option) to fill them`,
          page: 0,
        },
      });
    }
  }

  pageStart(): void {
    this.#meta = {};
    this.#trailing = null;
    this.#context = null;
    this.#flowCount = 0;
    this.#flowsSeen = false;
  }

  meta(page: number, key: string, value: unknown, afterFlows: boolean): void {
    this.#meta[key] = value;
    if (!afterFlows) return;
    if (this.#trailing === null) this.#trailing = {};
    this.#trailing[key] = value;
    const pre = this.#premeta?.get(page);
    if (pre && key in pre && !sameKeptValue(pre[key], value)) throw changed(key, page, value);
  }

  flowsStart(page: number, offset: number): void {
    this.#flowsSeen = true;
    if (this.#bare !== null) {
      this.#context = this.#bare;
      return;
    }
    let meta = this.#meta;
    if (!PROVENANCE.every((k) => k in meta)) {
      const pre = this.#premeta?.get(page);
      if (pre === undefined) throw new NeedPrepass(page, offset);
      meta = { ...unkept(pre), ...meta };
    }
    this.#context = this.#begin(page, meta);
  }

  flows(page: number, flows: unknown[]): void {
    if (page >= this.#skipPages) {
      this.items.push({ type: 'flows', flows, context: this.#context!, page, offset: this.#flowCount });
    }
    this.#flowCount += flows.length;
  }

  pageEnd(page: number): void {
    if (this.#bare !== null) {
      this.#lastContext = this.#bare;
      this.items.push({
        type: 'page',
        info: {
          index: page,
          flowCount: this.#flowCount,
          nextToken: undefined,
          status: null,
          statusMessage: null,
          context: this.#bare,
        },
      });
      return;
    }
    const meta = this.#meta;
    const pre = this.#premeta?.get(page);
    if (pre !== undefined && this.#flowsSeen) {
      // What was read ahead (the whole-file pass, or the file's end) must be what this response holds.
      for (const key in pre) {
        if (!(key in meta) || !sameKeptValue(pre[key], meta[key])) throw changed(key, page, meta[key]);
      }
    }
    // Only a FAILED or IN_PROGRESS response may lack Flows (their status error follows).
    const status0 = meta.FlowOperationStatus;
    if (!this.#flowsSeen && status0 !== 'FAILED' && status0 !== 'IN_PROGRESS') {
      throw new NfwError(
        'NFW_INVALID_INPUT',
        `response ${page} has no Flows array: not ListFlowOperationResults output`,
        { page, field: 'Flows', value: Object.keys(meta) },
      );
    }
    // Status that was only known after the flows (or a response without Flows) is checked now.
    const context = this.#flowsSeen
      ? this.#contextOf(page, { ...(pre === undefined ? {} : unkept(pre)), ...meta })
      : this.#begin(page, meta);
    const nextToken = meta.NextToken;
    if (nextToken !== undefined && nextToken !== null && typeof nextToken !== 'string') {
      throw new NfwError(
        'NFW_INVALID_INPUT',
        `NextToken of response ${page} must be a string, got ${describeValue(nextToken)}`,
        { field: 'NextToken', value: nextToken, page },
      );
    }
    this.#lastNextToken = typeof nextToken === 'string' && nextToken !== '' ? nextToken : undefined;
    this.#lastContext = context;
    if (page < this.#skipPages) return;
    const status = (meta.FlowOperationStatus ?? null) as FlowOperationStatus | null;
    this.#checkStatus(page, status, meta.StatusMessage);
    this.items.push({ type: 'summary', patch: { trailingMetadata: this.#trailing ?? undefined } });
    this.items.push({
      type: 'page',
      info: {
        index: page,
        flowCount: this.#flowCount,
        nextToken: this.#lastNextToken,
        status,
        statusMessage: typeof meta.StatusMessage === 'string' ? meta.StatusMessage : null,
        context,
      },
    });
  }

  /**
   * The input ended. A last response with a NextToken (AWS CLI `--max-items` or `--no-paginate`) is one
   * part of the operation's results: say so, with the token that gets the rest.
   */
  finish(): void {
    const token = this.#lastNextToken;
    if (token === undefined) return;
    const c = this.#lastContext;
    const scope = c
      ? [
          `--firewall-arn ${c.firewallArn}`,
          `--flow-operation-id ${c.flowOperationId}`,
          ...(c.availabilityZone ? [`--availability-zone ${c.availabilityZone}`] : []),
          ...(c.vpcEndpointAssociationArn
            ? [`--vpc-endpoint-association-arn ${c.vpcEndpointAssociationArn}`]
            : []),
          ...(c.vpcEndpointId ? [`--vpc-endpoint-id ${c.vpcEndpointId}`] : []),
        ].join(' ')
      : '';
    this.items.push({ type: 'summary', patch: { truncated: true, resumeToken: token } });
    this.items.push({
      type: 'warning',
      warning: {
        code: 'NFW_RESULTS_TRUNCATED',
        message:
          `the saved results end with a NextToken, so they are only part of the operation's results (saved with AWS CLI --max-items or --no-paginate?); ` +
          `get the rest with: nfw-flows export ${scope} --starting-token ${token} (or the AWS CLI's --starting-token ${token})`,
        page: -1,
      },
    });
  }

  #begin(page: number, meta: Record<string, unknown>): FlowContext {
    const context = this.#contextOf(page, meta);
    if (page >= this.#skipPages) {
      this.#checkStatus(
        page,
        (meta.FlowOperationStatus ?? null) as FlowOperationStatus | null,
        meta.StatusMessage,
      );
    }
    return context;
  }

  /** The response's context; provenance options must agree with what the response says. */
  #contextOf(page: number, meta: Record<string, unknown>): FlowContext {
    const context = contextOf(page, meta);
    const p = this.#shared.provenance;
    for (const key of PROVENANCE_OPTIONS) {
      // The option names are the FlowContext keys.
      const given = p[key];
      const found = context[key];
      if (given !== undefined && found !== null && found !== given) {
        throw new NfwError(
          'NFW_INVALID_INPUT',
          `response ${page} is of ${describeValue(found)}, not the ${key} given (${describeValue(given)})`,
          { field: key, value: found, page },
        );
      }
    }
    return context;
  }

  #checkStatus(page: number, status: unknown, message: unknown): void {
    if (status === null || status === undefined || status === 'COMPLETED') return;
    const text = typeof message === 'string' ? message : '(no status message)';
    if (status === 'FAILED') {
      throw new NfwError('NFW_OPERATION_FAILED', `the saved flow operation FAILED: ${text}`, {
        value: message,
        page,
      });
    }
    if (status === 'IN_PROGRESS') {
      throw new NfwError(
        'NFW_OPERATION_IN_PROGRESS',
        `response ${page} was saved while the flow operation was IN_PROGRESS: its results are not complete`,
        { value: status, page },
      );
    }
    if (status === 'COMPLETED_WITH_ERRORS') {
      if (this.#shared.warned) return;
      this.#shared.warned = true;
      this.items.push({
        type: 'warning',
        warning: {
          code: 'NFW_OPERATION_INCOMPLETE',
          message: `flow operation COMPLETED_WITH_ERRORS: ${text}`,
          page,
        },
      });
      return;
    }
    throw new NfwError('NFW_INVALID_INPUT', `unknown FlowOperationStatus ${describeValue(status)}`, {
      field: 'FlowOperationStatus',
      value: status,
      page,
    });
  }
}

function metaString(
  meta: Record<string, unknown>,
  key: string,
  page: number,
  required: boolean,
): string | null {
  const value = meta[key];
  if (typeof value === 'string' && value !== '' && value.length <= MAX_ID_CHARS) return value;
  if (typeof value === 'string' && value.length > MAX_ID_CHARS) {
    throw new NfwError(
      'NFW_INVALID_INPUT',
      `${key} of response ${page} is longer than ${MAX_ID_CHARS} characters: ${describeValue(value)}`,
      { field: key, value, page },
    );
  }
  if (value === undefined || value === null) {
    if (!required) return null;
    throw new NfwError('NFW_INVALID_INPUT', `response ${page} has no ${key}`, { field: key, page });
  }
  throw new NfwError(
    'NFW_INVALID_INPUT',
    `${key} of response ${page} must be a string, got ${describeValue(value)}`,
    {
      field: key,
      value,
      page,
    },
  );
}

/** FlowRequestTimestamp: epoch seconds (API) or ISO 8601 text (AWS CLI), as the SDK reads epoch seconds. */
function timestamp(value: unknown, page: number): Date | null {
  if (value === undefined || value === null) return null;
  const ms =
    typeof value === 'number'
      ? Math.round(value * 1000)
      : typeof value === 'string'
        ? Date.parse(value)
        : Number.NaN;
  if (!Number.isFinite(ms) || Math.abs(ms) > 8.64e15) {
    throw new NfwError('NFW_INVALID_INPUT', `FlowRequestTimestamp ${describeValue(value)} is not a time`, {
      field: 'FlowRequestTimestamp',
      value,
      page,
    });
  }
  return new Date(ms);
}

function contextOf(page: number, meta: Record<string, unknown>): FlowContext {
  return {
    firewallArn: metaString(meta, 'FirewallArn', page, true)!,
    availabilityZone: metaString(meta, 'AvailabilityZone', page, false),
    vpcEndpointId: metaString(meta, 'VpcEndpointId', page, false),
    vpcEndpointAssociationArn: metaString(meta, 'VpcEndpointAssociationArn', page, false),
    flowOperationId: metaString(meta, 'FlowOperationId', page, true)!,
    flowRequestTimestamp: timestamp(meta.FlowRequestTimestamp, page),
  };
}

/** One response's trailing members, read from the file's end (trailing-metadata.ts). */
class TailMetadata {
  constructor(
    readonly page: number,
    readonly values: Record<string, unknown>,
  ) {}
  get(page: number): Record<string, unknown> | undefined {
    return page === this.page ? this.values : undefined;
  }
}

function changed(key: string, page: number, value: unknown): NfwError {
  return new NfwError(
    'NFW_INVALID_INPUT',
    `the file changed while it was read (${key} of response ${page})`,
    {
      field: key,
      value,
      page,
    },
  );
}

/** Kept metadata with digested values shown by their start (they only feed messages). */
function unkept(pre: Record<string, unknown>): Record<string, unknown> {
  let out: Record<string, unknown> | undefined;
  for (const key in pre) {
    const v = pre[key];
    if (v instanceof DigestedValue) {
      out ??= { ...pre };
      out[key] = `${v.preview}…`;
    }
  }
  return out ?? pre;
}

type Chunks = AsyncIterator<Buffer>;

function toBuffer(chunk: unknown): Buffer {
  return typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : (chunk as Buffer);
}

/** Decompress when the bytes start with the gzip magic 1f 8b. */
async function* decoded(raw: Chunks): AsyncGenerator<Buffer> {
  let head: Buffer = Buffer.alloc(0);
  let done = false;
  while (head.length < 2) {
    const r = await raw.next();
    if (r.done) {
      done = true;
      break;
    }
    // Chunks may be reused by their reader on the next read: a short head is copied before reading on.
    head = head.length === 0 ? toBuffer(r.value) : Buffer.concat([head, toBuffer(r.value)]);
    if (head.length < 2) head = Buffer.from(head);
  }
  let compressed = 0;
  async function* rest(copy: boolean): AsyncGenerator<Buffer> {
    compressed += head.length;
    if (head.length > 0) yield copy ? Buffer.from(head) : head;
    while (!done) {
      const r = await raw.next();
      if (r.done) return;
      const chunk = toBuffer(r.value);
      compressed += chunk.length;
      yield copy ? Buffer.from(chunk) : chunk;
    }
  }
  if (head[0] !== 0x1f || head[1] !== 0x8b) {
    yield* rest(false);
    return;
  }
  const gunzip = createGunzip({ chunkSize: 256 << 10 });
  // gunzip holds on to its input past the next read: give it copies.
  const out = pipeline(Readable.from(rest(true)), gunzip, () => {});
  // Offsets of other input errors count decompressed bytes: a gzip fault is placed the same way, and the
  // message also says how far into the compressed input it surfaced.
  let inflated = 0;
  try {
    for await (const chunk of out) {
      inflated += (chunk as Buffer).length;
      yield chunk as Buffer;
    }
  } catch (error) {
    if (error instanceof NfwError) throw error;
    throw new NfwError(
      'NFW_INVALID_INPUT',
      `the gzip data is corrupt or truncated after ${inflated} decompressed bytes (at most ${compressed} compressed bytes read): ${(error as Error).message}`,
      { offset: inflated, cause: error },
    );
  }
}

/** One pass over the bytes; yields the items produced by each chunk. */
async function* pass(
  raw: Chunks,
  events: PageCollector | PageMetadataIndex,
  skipFlows: boolean,
  state: SourceState,
) {
  const scanner = new FlowsScanner(events, { skipFlows });
  for await (const chunk of decoded(raw)) {
    if (state.signal.aborted) throw state.signal.reason;
    try {
      scanner.write(chunk);
    } finally {
      if (events instanceof PageCollector && events.items.length > 0) {
        const items = events.items;
        events.items = [];
        yield items;
      }
    }
  }
  try {
    scanner.end();
  } finally {
    if (events instanceof PageCollector && events.items.length > 0) {
      const items = events.items;
      events.items = [];
      yield items;
    }
  }
  if (events instanceof PageCollector) {
    events.finish();
    yield events.items;
    events.items = [];
  }
}

/** Reads a file into one reused buffer (FlowsScanner keeps no reference to a chunk it was given). */
function openPath(path: string, state: SourceState): { chunks: Chunks; close: () => void } {
  const buffer = Buffer.allocUnsafe(READ_CHUNK);
  let file: Promise<FileHandle> | undefined;
  let position = 0;
  let closed = false;
  const it: Chunks = {
    async next() {
      if (closed) return { done: true, value: undefined };
      if (state.signal.aborted) throw state.signal.reason;
      file ??= open(path, 'r');
      const { bytesRead } = await (await file).read(buffer, 0, READ_CHUNK, position);
      if (bytesRead === 0 || closed) return { done: true, value: undefined };
      position += bytesRead;
      return { done: false, value: buffer.subarray(0, bytesRead) };
    },
  };
  const close = () => {
    closed = true;
    file?.then((f) => f.close()).catch(() => {});
  };
  return { chunks: wrapIoErrors(it, path), close };
}

function wrapIoErrors(it: Chunks, what: string): Chunks {
  return {
    next: () =>
      it.next().catch((error: unknown) => {
        if ((error as Error)?.name === 'AbortError') throw error;
        throw new NfwError('NFW_INVALID_INPUT', `cannot read ${what}: ${(error as Error).message}`, {
          field: 'source',
          value: what,
          cause: error,
        });
      }),
  };
}

async function* pathItems(path: string, state: SourceState, shared: Shared): AsyncGenerator<SourceItem> {
  let premeta: PageMetadataIndex | TailMetadata | undefined;
  let skipPages = 0;
  for (;;) {
    const { chunks, close } = openPath(path, state);
    const collector = new PageCollector(premeta, skipPages, shared);
    let need: NeedPrepass;
    try {
      for await (const items of pass(chunks, collector, false, state)) yield* items;
      return;
    } catch (error) {
      if (!(error instanceof NeedPrepass) || premeta instanceof PageMetadataIndex) throw error;
      need = error;
      skipPages = error.page; // responses before it were emitted in full
    } finally {
      close();
    }
    if (premeta === undefined) {
      // The AWS CLI's merged output: one response, its metadata after Flows. Read it from the end.
      const tail = await trailingMetadataOf(path, need.flowsOffset, state.signal);
      if (tail !== undefined) {
        premeta = new TailMetadata(need.page, tail);
        continue;
      }
    }
    // Metadata follows Flows: read every response's metadata first (no flow decoding), then read again.
    const first = openPath(path, state);
    const index = new PageMetadataIndex();
    try {
      for await (const _ of pass(first.chunks, index, true, state)) {
        // the index yields nothing
      }
    } finally {
      first.close();
    }
    premeta = index;
  }
}

/** readTrailingMetadata on a plain (not gzip) file; undefined when it cannot decide. */
async function trailingMetadataOf(
  path: string,
  flowsOffset: number,
  signal: AbortSignal,
): Promise<Record<string, unknown> | undefined> {
  let file: FileHandle;
  try {
    file = await open(path, 'r');
  } catch {
    return undefined; // the whole-file pass reports it
  }
  try {
    const magic = Buffer.alloc(2);
    await file.read(magic, 0, 2, 0);
    if (magic[0] === 0x1f && magic[1] === 0x8b) return undefined;
    return (await readTrailingMetadata(file, flowsOffset, signal))?.metadata;
  } finally {
    await file.close();
  }
}

async function* fileItems(
  source: string | NodeJS.ReadableStream,
  state: SourceState,
  provenance: FileProvenance,
): AsyncGenerator<SourceItem> {
  const shared: Shared = { warned: false, provenance };
  let input: Readable;
  let what: string;
  if (typeof source === 'string') {
    // A FIFO or `<(zcat ...)` (a /dev/fd path to a pipe) cannot be read twice or at an offset: read it
    // as a stream, like stdin.
    let regular = true;
    try {
      regular = (await stat(source)).isFile();
    } catch {
      regular = true; // openPath reports it
    }
    if (regular) {
      yield* pathItems(source, state, shared);
      return;
    }
    input = createReadStream(source, { highWaterMark: READ_CHUNK });
    what = source;
  } else {
    input = source as Readable;
    // Named by its file descriptor, so process.stdin is not touched here (its getter opens it).
    what = (source as { fd?: unknown }).fd === 0 ? 'stdin' : 'the input stream';
  }
  const it = input[Symbol.asyncIterator]() as Chunks;
  let retained: Buffer[] | null = [];
  let retainedBytes = 0;
  const tapped: Chunks = wrapIoErrors(
    {
      next: async () => {
        const r = await it.next();
        if (!r.done && retained !== null) {
          const chunk = toBuffer(r.value);
          retained.push(chunk);
          retainedBytes += chunk.length;
          if (retainedBytes > RETAIN_LIMIT) retained = null;
          return { done: false, value: chunk };
        }
        return r;
      },
    },
    what,
  );
  const collector = new PageCollector(undefined, 0, shared);
  try {
    for await (const items of pass(tapped, collector, false, state)) {
      retained = null; // records went out: the input can no longer be replayed
      yield* items;
    }
    return;
  } catch (error) {
    if (!(error instanceof NeedPrepass)) throw error;
    if (retained === null) {
      throw new NfwError(
        'NFW_INVALID_INPUT',
        `response ${error.page} of this stream gives FirewallArn/FlowOperationId after its Flows; ` +
          'save the input to a file and pass its path',
        { page: error.page },
      );
    }
  } finally {
    if (retained === null) await it.return?.();
  }
  // Metadata follows Flows (the AWS CLI's merged output): spool the stream to a temporary file and read
  // that twice, so memory stays bounded.
  const dir = await mkdtemp(join(tmpdir(), 'nfw-flows-'));
  // The copy goes with the stream: when it is destroyed (Ctrl-C, EPIPE downstream) or the process
  // exits, even while this generator waits on a read that will never complete.
  const remove = () => rmSync(dir, { recursive: true, force: true });
  state.signal.addEventListener('abort', remove, { once: true });
  process.once('exit', remove);
  try {
    const path = join(dir, 'input');
    const out = createWriteStream(path);
    // Kept, not thrown from an event: an abort can remove the directory while the file is still opening.
    let failed: Error | undefined;
    out.on('error', (error) => {
      failed ??= error;
    });
    for (const chunk of retained) if (!out.write(chunk)) await onceDrain(out);
    retained = null;
    for (;;) {
      const r = await it.next();
      if (r.done) break;
      if (failed !== undefined) throw failed;
      if (!out.write(toBuffer(r.value))) await onceDrain(out);
    }
    if (failed !== undefined) throw failed;
    out.end();
    await finished(out);
    yield* pathItems(path, state, shared);
  } finally {
    state.signal.removeEventListener('abort', remove);
    process.off('exit', remove);
    await rm(dir, { recursive: true, force: true });
  }
}

/** Resolves on 'drain'; rejects if the stream fails first (it would never drain). */
function onceDrain(stream: NodeJS.WritableStream): Promise<void> {
  return new Promise((resolve, reject) => {
    const drained = () => {
      stream.off('error', failed);
      resolve();
    };
    const failed = (error: Error) => {
      stream.off('drain', drained);
      reject(error);
    };
    stream.once('drain', drained);
    stream.once('error', failed);
  });
}
