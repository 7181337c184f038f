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

type EncodedRecord = [
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

/** Lines of a file in order, a chunk's worth at a time. */
export async function* readLineBatches(file: string): AsyncGenerator<string[]> {
  let rest = '';
  for await (const chunk of createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 })) {
    const lines = (rest + (chunk as string)).split('\n');
    rest = lines.pop() ?? '';
    if (lines.length > 0) yield lines;
  }
  if (rest !== '') yield [rest];
}

/** The records of a spool file, in the order they were written, in batches. */
export async function* readSpool(file: string): AsyncGenerator<FlowRecord[]> {
  let context: FlowContext | null = null;
  for await (const lines of readLineBatches(file)) {
    const batch: FlowRecord[] = [];
    for (const line of lines) {
      if (line === '') continue;
      if (line.charCodeAt(0) === 123 /* { */) {
        context = decodeContext((JSON.parse(line) as { c: EncodedContext }).c);
        continue;
      }
      if (context === null) throw new Error(`spool ${file} has a record before any context`);
      batch.push(decodeRecord(JSON.parse(line) as EncodedRecord, context));
    }
    if (batch.length > 0) yield batch;
  }
}

/** A Readable (object mode) over batches, pushing whole batches at once (no promise per record). */
export function readableFromBatches<T>(batches: AsyncIterable<T[]>): Readable {
  const it = batches[Symbol.asyncIterator]();
  return new Readable({
    objectMode: true,
    highWaterMark: 1024,
    read() {
      it.next().then(
        (r) => {
          if (r.done) {
            this.push(null);
            return;
          }
          for (const item of r.value) this.push(item);
          // A batch may fill the buffer past the high-water mark; read() is called again when drained.
          if (r.value.length === 0) this.read(0);
        },
        (error: unknown) => this.destroy(error as Error),
      );
    },
    destroy(error, callback) {
      Promise.resolve(it.return?.()).then(
        () => callback(error),
        () => callback(error),
      );
    },
  });
}
