/**
 * The spool: records of an export in progress, kept beside the target in `<out>.nfw-partial/` so an
 * interrupted export can resume. It is an append-only log of lines whose byte length is recorded at
 * each checkpoint; resuming truncates it to that length. The line codec keeps every field of a
 * FlowRecord exactly (the final file is produced from the spool, so a resumed and a clean run give the
 * same content).
 *
 * Lines: `{"c":[firewallArn, availabilityZone, vpcEndpointId, vpcEndpointAssociationArn, flowOperationId, timestampMs]}`
 * starts a context shared by the following records; a record line is a JSON array (see encodeRecord).
 */
import { closeSync, createReadStream, fdatasyncSync, ftruncateSync, openSync, writeSync } from 'node:fs';
import { Readable } from 'node:stream';
import type { FlowContext, FlowRecord, ParsedAddress, PortRange, Protocol } from '@nfw-flows/core';

const FLUSH_BYTES = 1 << 20;

/** An append-only file of lines with a known committed length. */
export class AppendLog {
  private readonly fd: number;
  private chunks: string[] = [];
  private buffered = 0;
  private written: number;

  /** Opens `file`; with `truncateTo`, keeps exactly that many bytes (resume), otherwise starts empty. */
  constructor(file: string, truncateTo?: number) {
    this.fd = openSync(file, truncateTo === undefined ? 'w' : 'r+', 0o600);
    const keep = truncateTo ?? 0;
    ftruncateSync(this.fd, keep);
    this.written = keep;
  }

  append(line: string): void {
    this.chunks.push(line, '\n');
    this.buffered += Buffer.byteLength(line, 'utf8') + 1;
    if (this.buffered >= FLUSH_BYTES) this.flush();
  }

  flush(): void {
    if (this.chunks.length === 0) return;
    const buf = Buffer.from(this.chunks.join(''), 'utf8');
    this.chunks = [];
    this.buffered = 0;
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
  records = 0;

  constructor(file: string, truncateTo?: number) {
    this.log = new AppendLog(file, truncateTo);
  }

  write(record: FlowRecord): void {
    if (!sameContext(this.context, record)) {
      this.context = contextOf(record);
      this.log.append(JSON.stringify({ c: encodeContext(this.context) }));
    }
    this.log.append(JSON.stringify(encodeRecord(record)));
    this.records++;
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

function decodeAddress(e: EncodedAddress): ParsedAddress {
  const bytes = new Uint8Array(Buffer.from(e[5], 'hex'));
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

/** Addresses kept per generation of a decoder's memo (two generations: at most twice this many). */
const ADDRESS_MEMO_LIMIT = 16_384;

/**
 * decodeRecord with decoded values shared between records (frozen, as the normalizer shares them): flows
 * repeat the same talkers, so a memo of addresses saves most of the allocations of the final conversion
 * (two objects and a Uint8Array per address). A hit is taken only when every encoded field is equal, so
 * the result is the same as decodeRecord's.
 */
export class SpoolDecoder {
  private young = new Map<string, [EncodedAddress, ParsedAddress]>();
  private old = new Map<string, [EncodedAddress, ParsedAddress]>();
  private readonly ports = new Map<string, PortRange>();
  private readonly protocols = new Map<string, Protocol>();

  record(e: EncodedRecord, c: FlowContext): FlowRecord {
    return {
      firewallArn: c.firewallArn,
      availabilityZone: c.availabilityZone,
      vpcEndpointId: c.vpcEndpointId,
      vpcEndpointAssociationArn: c.vpcEndpointAssociationArn,
      flowOperationId: c.flowOperationId,
      flowRequestTimestamp: c.flowRequestTimestamp,
      source: this.address(e[0]),
      sourcePort: e[1] === null ? null : this.port(e[1]),
      destination: this.address(e[2]),
      destinationPort: e[3] === null ? null : this.port(e[3]),
      protocol: e[4] === null ? null : this.protocol(e[4]),
      ageSeconds: e[5],
      packetCount: e[6],
      byteCount: e[7],
    };
  }

  private address(e: EncodedAddress): ParsedAddress {
    const text = e[4];
    let hit = this.young.get(text);
    if (hit !== undefined && sameAddress(hit[0], e)) return hit[1];
    hit = this.old.get(text);
    if (hit === undefined || !sameAddress(hit[0], e)) hit = [e, Object.freeze(decodeAddress(e))];
    if (this.young.size >= ADDRESS_MEMO_LIMIT) {
      this.old = this.young;
      this.young = new Map();
    }
    this.young.set(text, hit);
    return hit[1];
  }

  private port(e: [number, number, 0 | 1]): PortRange {
    const key = `${e[0]}:${e[1]}:${e[2]}`;
    let value = this.ports.get(key);
    if (value === undefined) {
      value = Object.freeze(decodePort(e)!);
      // Bounded: a spool holds few distinct port ranges, but nothing guarantees it.
      if (this.ports.size >= ADDRESS_MEMO_LIMIT) this.ports.clear();
      this.ports.set(key, value);
    }
    return value;
  }

  private protocol(e: [number, string]): Protocol {
    const key = `${e[0]}:${e[1]}`;
    let value = this.protocols.get(key);
    if (value === undefined) {
      value = Object.freeze({ number: e[0], name: e[1] });
      if (this.protocols.size >= 1024) this.protocols.clear();
      this.protocols.set(key, value);
    }
    return value;
  }
}

function sameAddress(a: EncodedAddress, b: EncodedAddress): boolean {
  return a[0] === b[0] && a[1] === b[1] && a[2] === b[2] && a[3] === b[3] && a[4] === b[4] && a[5] === b[5];
}

/** Lines of a file in order, a chunk's worth at a time. */
export async function* readLineBatches(file: string, chunkBytes = 1 << 20): AsyncGenerator<string[]> {
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
  const decoder = new SpoolDecoder();
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
      batch.push(decoder.record(JSON.parse(line) as EncodedRecord, context));
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
