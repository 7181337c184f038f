/**
 * The line spool: records of an export in progress (every output but Arrow flow records, which have
 * arrow-spool.ts), kept beside the target in `<out>.nfw-partial/` so an interrupted export can resume. It is an append-only log of lines whose byte length is recorded at
 * each checkpoint; resuming truncates it to that length. The line codec keeps every field of a
 * FlowRecord exactly (the final file is produced from the spool, so a resumed and a clean run give the
 * same content).
 *
 * Lines: `{"c":[firewallArn, availabilityZone, vpcEndpointId, vpcEndpointAssociationArn, flowOperationId, timestampMs]}`
 * starts a context shared by the following records; a record line is a JSON array (see encodeRecord).
 */
import { closeSync, createReadStream, fdatasyncSync, writeSync } from 'node:fs';
import { Readable } from 'node:stream';
import type { FlowContext, FlowRecord, ParsedAddress, PortRange, Protocol } from '@nfw-flows/core';
import { openTruncated } from './checkpoint.js';

/**
 * Lines are encoded straight into one reused buffer of this size: lines kept as strings until a flush
 * outlived young-generation GCs and were promoted (the old space grew with the spool while paging).
 */
const BUFFER_BYTES = 256 << 10;

/** An append-only file of lines with a known committed length. */
export class AppendLog {
  private readonly fd: number;
  private readonly buffer = Buffer.allocUnsafe(BUFFER_BYTES);
  private buffered = 0;
  private written: number;

  /** Opens `file`; with `truncateTo`, keeps exactly that many bytes (resume), otherwise starts empty. */
  constructor(file: string, truncateTo?: number) {
    this.fd = openTruncated(file, truncateTo);
    const keep = truncateTo ?? 0;
    this.written = keep;
  }

  append(line: string): void {
    // At most 3 bytes per UTF-16 unit; the exact length is asked only for lines that might not fit.
    if (this.buffered + line.length * 3 + 1 > BUFFER_BYTES) {
      const bytes = Buffer.byteLength(line, 'utf8') + 1;
      if (this.buffered + bytes > BUFFER_BYTES) this.flush();
      if (bytes > BUFFER_BYTES) {
        this.writeAll(Buffer.from(`${line}\n`, 'utf8'));
        return;
      }
    }
    this.buffered += this.buffer.write(line, this.buffered, 'utf8');
    this.buffer[this.buffered++] = 10; // \n
  }

  /**
   * Room for a line of at most `maxBytes` bytes, written straight into `lineBuffer` (no string made for
   * it): the offset to write it at, after a flush if needed, or -1 when no line that long fits the
   * buffer (append it as a string). End the line with endLine.
   */
  reserve(maxBytes: number): number {
    if (maxBytes + 1 > BUFFER_BYTES) return -1;
    if (this.buffered + maxBytes + 1 > BUFFER_BYTES) this.flush();
    return this.buffered;
  }

  /** The buffer reserve() hands out room in. */
  get lineBuffer(): Buffer {
    return this.buffer;
  }

  /** Ends the line written from reserve()'s offset up to `end`. */
  endLine(end: number): void {
    this.buffer[end] = 10; // \n
    this.buffered = end + 1;
  }

  flush(): void {
    if (this.buffered === 0) return;
    const n = this.buffered;
    this.buffered = 0;
    this.writeAll(this.buffer.subarray(0, n));
  }

  private writeAll(buf: Buffer): void {
    let off = 0;
    while (off < buf.length) off += writeSync(this.fd, buf, off, buf.length - off, this.written + off);
    this.written += buf.length;
  }

  /** Bytes appended so far (written + buffered). */
  get length(): number {
    return this.written + this.buffered;
  }

  /** Flush and make durable; returns the committed byte length. */
  commit(): number {
    this.flush();
    fdatasyncSync(this.fd);
    return this.written;
  }

  /** Flush and make durable; returns `length`, an earlier length (lines after it belong to a later checkpoint). */
  commitUpTo(length: number): number {
    this.commit();
    return Math.min(length, this.written);
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}

export class SpoolWriter {
  private readonly log: AppendLog;
  private context: FlowContext | null = null;

  constructor(file: string, truncateTo?: number) {
    this.log = new AppendLog(file, truncateTo);
  }

  write(record: FlowRecord): void {
    if (!sameContext(this.context, record)) {
      this.context = contextOf(record);
      this.log.append(JSON.stringify({ c: encodeContext(this.context) }));
    }
    if (!appendRecordBytes(this.log, record)) this.log.append(recordLine(record));
  }

  commit(): number {
    return this.log.commit();
  }

  close(): void {
    this.log.close();
  }
}

function contextOf(r: FlowContext): FlowContext {
  return {
    firewallArn: r.firewallArn,
    availabilityZone: r.availabilityZone,
    vpcEndpointId: r.vpcEndpointId,
    vpcEndpointAssociationArn: r.vpcEndpointAssociationArn,
    flowOperationId: r.flowOperationId,
    flowRequestTimestamp: r.flowRequestTimestamp,
  };
}

function sameContext(a: FlowContext | null, b: FlowContext): boolean {
  return (
    a !== null &&
    a.firewallArn === b.firewallArn &&
    a.availabilityZone === b.availabilityZone &&
    a.vpcEndpointId === b.vpcEndpointId &&
    a.vpcEndpointAssociationArn === b.vpcEndpointAssociationArn &&
    a.flowOperationId === b.flowOperationId &&
    (a.flowRequestTimestamp?.getTime() ?? null) === (b.flowRequestTimestamp?.getTime() ?? null)
  );
}

type EncodedContext = [string, string | null, string | null, string | null, string, number | null];

function encodeContext(c: FlowContext): EncodedContext {
  return [
    c.firewallArn,
    c.availabilityZone,
    c.vpcEndpointId,
    c.vpcEndpointAssociationArn,
    c.flowOperationId,
    c.flowRequestTimestamp === null ? null : c.flowRequestTimestamp.getTime(),
  ];
}

function decodeContext(e: EncodedContext): FlowContext {
  return {
    firewallArn: e[0],
    availabilityZone: e[1],
    vpcEndpointId: e[2],
    vpcEndpointAssociationArn: e[3],
    flowOperationId: e[4],
    flowRequestTimestamp: e[5] === null ? null : new Date(e[5]),
  };
}

type EncodedAddress = [4 | 6, string, number, string, string, string];
type EncodedPort = [number, number, 0 | 1] | null;

function encodeAddress(a: ParsedAddress): EncodedAddress {
  return [
    a.family,
    a.address,
    a.prefixLength,
    a.network,
    a.text,
    Buffer.from(a.bytes.buffer, a.bytes.byteOffset, a.bytes.byteLength).toString('hex'),
  ];
}

/** Hex digit values by char code (-1: not a hex digit). */
const HEX_DIGIT = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) {
  HEX_DIGIT['0123456789abcdef'.charCodeAt(i)] = i;
  HEX_DIGIT['0123456789ABCDEF'.charCodeAt(i)] = i;
}

/**
 * `new Uint8Array(Buffer.from(hex, 'hex'))` without the pooled Buffer and the copy (about a tenth of the
 * conversion's decoding); anything but an even run of hex digits goes through Buffer as before.
 */
export function hexBytes(hex: string): Uint8Array {
  const n = hex.length >> 1;
  if ((hex.length & 1) === 0) {
    const out = new Uint8Array(n);
    let bad = 0;
    for (let i = 0; i < n; i++) {
      const hi = HEX_DIGIT[hex.charCodeAt(2 * i)] ?? -1;
      const lo = HEX_DIGIT[hex.charCodeAt(2 * i + 1)] ?? -1;
      bad |= hi | lo;
      out[i] = (hi << 4) | lo;
    }
    if (bad >= 0) return out;
  }
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

function decodeAddress(e: EncodedAddress): ParsedAddress {
  const bytes = hexBytes(e[5]);
  return {
    family: e[0],
    address: e[1],
    prefixLength: e[2],
    isHost: e[2] === (e[0] === 4 ? 32 : 128),
    network: e[3],
    text: e[4],
    bytes,
  };
}

function encodePort(p: PortRange | null): EncodedPort {
  return p === null ? null : [p.from, p.to, p.any ? 1 : 0];
}

function decodePort(e: EncodedPort): PortRange | null {
  return e === null ? null : { from: e[0], to: e[1], any: e[2] === 1 };
}

export type EncodedRecord = [
  EncodedAddress,
  EncodedPort,
  EncodedAddress,
  EncodedPort,
  [number, string] | null,
  number | null,
  number | null,
  number | null,
];

export function encodeRecord(r: FlowRecord): EncodedRecord {
  return [
    encodeAddress(r.source),
    encodePort(r.sourcePort),
    encodeAddress(r.destination),
    encodePort(r.destinationPort),
    r.protocol === null ? null : [r.protocol.number, r.protocol.name],
    r.ageSeconds,
    r.packetCount,
    r.byteCount,
  ];
}

export function decodeRecord(e: EncodedRecord, c: FlowContext): FlowRecord {
  const protocol: Protocol | null = e[4] === null ? null : { number: e[4][0], name: e[4][1] };
  return {
    firewallArn: c.firewallArn,
    availabilityZone: c.availabilityZone,
    vpcEndpointId: c.vpcEndpointId,
    vpcEndpointAssociationArn: c.vpcEndpointAssociationArn,
    flowOperationId: c.flowOperationId,
    flowRequestTimestamp: c.flowRequestTimestamp,
    source: decodeAddress(e[0]),
    sourcePort: decodePort(e[1]),
    destination: decodeAddress(e[2]),
    destinationPort: decodePort(e[3]),
    protocol,
    ageSeconds: e[5],
    packetCount: e[6],
    byteCount: e[7],
  };
}

/**
 * The spool line of a record as a string: what appendRecordBytes writes into the buffer, and the line of
 * the records it declines (a counter or port bound that is not a number).
 */
export function recordLine(r: FlowRecord): string {
  return JSON.stringify(encodeRecord(r));
}

/**
 * JSON of encodeAddress per (frozen, shared) address object, for appendRecordBytes. Kept as strings:
 * small Buffers are slices of shared 8 KiB pools, and a few live ones kept whole pools alive.
 */
const addressJson = new WeakMap<ParsedAddress, string>();
/** JSON of a protocol per (frozen, shared) protocol object. */
const protocolJson = new WeakMap<Protocol, string>();

function addressJsonOf(a: ParsedAddress): string {
  let json = addressJson.get(a);
  if (json === undefined) {
    json = JSON.stringify(encodeAddress(a));
    if (Object.isFrozen(a)) addressJson.set(a, json);
  }
  return json;
}

function protocolJsonOf(p: Protocol | null): string {
  if (p === null) return 'null';
  let json = protocolJson.get(p);
  if (json === undefined) {
    json = JSON.stringify([p.number, p.name]);
    if (Object.isFrozen(p)) protocolJson.set(p, json);
  }
  return json;
}

const NULL_BYTES = Buffer.from('null');

/** Longest a number's JSON can be (`-1.7976931348623157e+308` and the like). */
const NUMBER_BYTES = 24;

/**
 * Appends the spool line of `r` (the same bytes as `JSON.stringify(encodeRecord(r))`) straight into the
 * log's buffer: the old space no longer fills with a string per record. False, with nothing appended,
 * for a record recordLine must write (a counter or port bound that is not a number, a line longer than
 * the buffer).
 */
export function appendRecordBytes(log: AppendLog, r: FlowRecord): boolean {
  const age = r.ageSeconds;
  const packets = r.packetCount;
  const bytes = r.byteCount;
  if (
    (age !== null && typeof age !== 'number') ||
    (packets !== null && typeof packets !== 'number') ||
    (bytes !== null && typeof bytes !== 'number')
  ) {
    return false;
  }
  const sp = r.sourcePort;
  const dp = r.destinationPort;
  if (sp !== null && (typeof sp.from !== 'number' || typeof sp.to !== 'number')) return false;
  if (dp !== null && (typeof dp.from !== 'number' || typeof dp.to !== 'number')) return false;
  const src = addressJsonOf(r.source);
  const dst = addressJsonOf(r.destination);
  const protocol = protocolJsonOf(r.protocol);
  // UTF-8 takes at most 3 bytes per UTF-16 unit; ports and counters at their longest
  let i = log.reserve(3 * (src.length + dst.length + protocol.length) + 9 * NUMBER_BYTES + 16);
  if (i < 0) return false;
  const buf = log.lineBuffer;
  buf[i++] = 91; // [
  i += buf.write(src, i, 'utf8');
  buf[i++] = 44; // ,
  i = writePort(buf, i, sp);
  buf[i++] = 44;
  i += buf.write(dst, i, 'utf8');
  buf[i++] = 44;
  i = writePort(buf, i, dp);
  buf[i++] = 44;
  i += buf.write(protocol, i, 'utf8');
  buf[i++] = 44;
  i = writeNumber(buf, i, age);
  buf[i++] = 44;
  i = writeNumber(buf, i, packets);
  buf[i++] = 44;
  i = writeNumber(buf, i, bytes);
  buf[i++] = 93; // ]
  log.endLine(i);
  return true;
}

function writePort(buf: Buffer, at: number, p: PortRange | null): number {
  if (p === null) return at + NULL_BYTES.copy(buf, at);
  let i = at;
  buf[i++] = 91;
  i = writeNumber(buf, i, p.from);
  buf[i++] = 44;
  i = writeNumber(buf, i, p.to);
  buf[i++] = 44;
  buf[i++] = p.any ? 49 : 48;
  buf[i++] = 93;
  return i;
}

/** JSON.stringify of a number or null (non-finite is null): digits for safe integers, else String(n). */
function writeNumber(buf: Buffer, at: number, n: number | null): number {
  if (n === null || !Number.isFinite(n)) return at + NULL_BYTES.copy(buf, at);
  if (!Number.isSafeInteger(n)) return at + buf.write(String(n), at, 'latin1');
  let i = at;
  let v = n;
  if (v < 0) {
    buf[i++] = 45; // -
    v = -v;
  }
  let digits = 1;
  for (let t = v; t >= 10; t = Math.floor(t / 10)) digits++;
  for (let d = i + digits - 1; d >= i; d--) {
    buf[d] = 48 + (v % 10);
    v = Math.floor(v / 10);
  }
  return i + digits;
}

/**
 * Read size of the spool. Small enough that a chunk's line strings die young: the lines of a 1 MiB chunk
 * outlived a few scavenges while they were decoded, and were promoted, growing the old space by about the
 * size of the spool before a full GC (measured: 225 MiB peak against 138 MiB at 64 KiB, decoding 200K records).
 */
const READ_CHUNK = 64 << 10;

/** Lines of a file in order, a chunk's worth at a time. */
export async function* readLineBatches(file: string, chunkBytes = READ_CHUNK): AsyncGenerator<string[]> {
  let rest = '';
  for await (const chunk of createReadStream(file, { encoding: 'utf8', highWaterMark: chunkBytes })) {
    const lines = (rest + (chunk as string)).split('\n');
    rest = lines.pop() ?? '';
    if (lines.length > 0) yield lines;
  }
  if (rest !== '') yield [rest];
}

/** Records per piece yielded by readSpool: a 1 MiB chunk holds thousands, decoded only as they are needed. */
export const SPOOL_PIECE = 256;

/**
 * The records of a spool file, in the order they were written, in pieces of at most `piece` records
 * (a chunk's lines are decoded a piece at a time, as the consumer asks for them). `chunkBytes`: read size.
 */
export async function* readSpool(
  file: string,
  options: { piece?: number; chunkBytes?: number } = {},
): AsyncGenerator<FlowRecord[]> {
  const piece = options.piece ?? SPOOL_PIECE;
  let context: FlowContext | null = null;
  for await (const lines of readLineBatches(file, options.chunkBytes)) {
    let batch: FlowRecord[] = [];
    for (const line of lines) {
      if (line === '') continue;
      if (line.charCodeAt(0) === 123 /* { */) {
        context = decodeContext((JSON.parse(line) as { c: EncodedContext }).c);
        continue;
      }
      if (context === null) throw new Error(`spool ${file} has a record before any context`);
      batch.push(decodeRecord(JSON.parse(line) as EncodedRecord, context));
      if (batch.length >= piece) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length > 0) yield batch;
  }
}

/**
 * A Readable (object mode) over batches, without a promise per record. It pushes only while the buffer
 * wants more (`push()` returns true) and keeps the rest of the batch for the next `read()`, so what is
 * decoded but not yet consumed stays within highWaterMark + one batch.
 */
export function readableFromBatches<T>(batches: AsyncIterable<T[]>): Readable {
  const it = batches[Symbol.asyncIterator]();
  let batch: T[] = [];
  let at = 0;
  let pulling = false;
  const pump = (stream: Readable): void => {
    while (at < batch.length) {
      if (!stream.push(batch[at++])) return; // read() comes again once the consumer drains the buffer
    }
    if (pulling) return;
    pulling = true;
    it.next().then(
      (r) => {
        pulling = false;
        if (r.done) {
          stream.push(null);
          return;
        }
        batch = r.value;
        at = 0;
        pump(stream);
      },
      (error: unknown) => stream.destroy(error as Error),
    );
  };
  return new Readable({
    objectMode: true,
    highWaterMark: 1024,
    read() {
      pump(this);
    },
    destroy(error, callback) {
      Promise.resolve(it.return?.()).then(
        () => callback(error),
        () => callback(error),
      );
    },
  });
}
