import { Readable, type Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fc } from '@fast-check/vitest';
import { parseAddress } from '../../src/parse/index.js';
import type { FlowRecord, ParsedAddress } from '../../src/types.js';

/** Expected cell values of a record, in schema v1 order, as apache-arrow gives them back. */
export function expectedRow(r: FlowRecord): Record<string, unknown> {
  return {
    firewall_arn: r.firewallArn,
    availability_zone: r.availabilityZone,
    vpc_endpoint_id: r.vpcEndpointId,
    vpc_endpoint_association_arn: r.vpcEndpointAssociationArn,
    flow_operation_id: r.flowOperationId,
    flow_request_timestamp: r.flowRequestTimestamp === null ? null : r.flowRequestTimestamp.getTime(),
    source_address: r.source.text,
    source_ip_version: r.source.family,
    source_prefix_length: r.source.prefixLength,
    source_port_from: r.sourcePort?.from ?? null,
    source_port_to: r.sourcePort?.to ?? null,
    destination_address: r.destination.text,
    destination_ip_version: r.destination.family,
    destination_prefix_length: r.destination.prefixLength,
    destination_port_from: r.destinationPort?.from ?? null,
    destination_port_to: r.destinationPort?.to ?? null,
    protocol: r.protocol?.number ?? null,
    protocol_name: r.protocol?.name ?? null,
    age_seconds: r.ageSeconds,
    packet_count: r.packetCount === null ? null : BigInt(r.packetCount),
    byte_count: r.byteCount === null ? null : BigInt(r.byteCount),
  };
}

const addressArb: fc.Arbitrary<ParsedAddress> = fc.oneof(
  fc
    .tuple(fc.ipV4(), fc.option(fc.integer({ min: 0, max: 32 })))
    .map(([a, p]) => parseAddress(p === null ? a : `${a}/${p}`)),
  fc
    .tuple(fc.ipV6(), fc.option(fc.integer({ min: 0, max: 128 })))
    .map(([a, p]) => parseAddress(p === null ? a : `${a}/${p}`)),
);

const portArb = fc.option(
  fc.oneof(
    fc.constant({ from: 0, to: 65535, any: true }),
    fc
      .tuple(fc.integer({ min: 0, max: 65535 }), fc.integer({ min: 0, max: 65535 }))
      .map(([a, b]) => ({ from: Math.min(a, b), to: Math.max(a, b), any: false })),
  ),
);

// Strings with commas, quotes, newlines and non-ASCII text, to exercise UTF-8 and CSV quoting.
const textArb = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'grapheme', maxLength: 6 }),
  fc.constantFrom('arn:aws:network-firewall:us-east-1:123456789012:firewall/fw', 'a,"b"\r\nc', '', 'é€😀'),
);

const counterArb = fc.option(fc.oneof(fc.nat(1000), fc.maxSafeNat()));

export const flowRecordArb: fc.Arbitrary<FlowRecord> = fc.record({
  firewallArn: textArb,
  availabilityZone: fc.option(textArb),
  vpcEndpointId: fc.option(textArb),
  vpcEndpointAssociationArn: fc.option(textArb),
  flowOperationId: textArb,
  flowRequestTimestamp: fc.option(fc.integer({ min: 0, max: 4_102_444_800_000 }).map((ms) => new Date(ms))),
  source: addressArb,
  sourcePort: portArb,
  destination: addressArb,
  destinationPort: portArb,
  protocol: fc.option(
    fc.record({
      number: fc.integer({ min: 0, max: 255 }),
      name: fc.constantFrom('TCP', 'UDP', 'ICMP', 'UNASSIGNED-200'),
    }),
  ),
  ageSeconds: fc.option(fc.nat(0xffffffff)),
  packetCount: counterArb,
  byteCount: counterArb,
});

/** Deterministic bulk records (xorshift), cheaper than fast-check for 50K-row interop tests. */
export function makeRecords(count: number, seed = 1): FlowRecord[] {
  let s = seed >>> 0 || 1;
  const next = () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
  const context = {
    firewallArn: 'arn:aws:network-firewall:us-east-1:123456789012:firewall/prod',
    availabilityZone: 'us-east-1a',
    vpcEndpointId: 'vpce-0123456789abcdef0',
    vpcEndpointAssociationArn: null,
    flowOperationId: 'e3f6c1a2-0000-4000-8000-000000000001',
    flowRequestTimestamp: new Date(Date.UTC(2025, 0, 2, 3, 4, 5, 678)),
  };
  const protocols = [
    { number: 6, name: 'TCP' },
    { number: 17, name: 'UDP' },
    { number: 1, name: 'ICMP' },
  ];
  const out: FlowRecord[] = [];
  for (let i = 0; i < count; i++) {
    const v6 = next() < 0.1;
    const src = v6
      ? parseAddress(`2001:db8::${(i % 4096).toString(16)}`)
      : parseAddress(`10.${i % 7}.${(i >> 8) & 255}.${i & 255}`);
    const dst = parseAddress(next() < 0.5 ? '192.0.2.10' : '198.51.100.0/24');
    const port = Math.floor(next() * 65536);
    out.push({
      ...context,
      source: src,
      sourcePort: next() < 0.05 ? null : { from: port, to: port, any: false },
      destination: dst,
      destinationPort: next() < 0.1 ? { from: 0, to: 65535, any: true } : { from: 443, to: 443, any: false },
      protocol: next() < 0.02 ? null : protocols[Math.floor(next() * 3)],
      ageSeconds: Math.floor(next() * 3600),
      packetCount: next() < 0.01 ? null : Math.floor(next() * 1_000_000),
      // Large enough that a float64 reader would round the sums.
      byteCount: next() < 0.01 ? null : Math.floor(next() * 2 ** 52) + 2 ** 52,
    });
  }
  return out;
}

/** Runs `items` through a byte-producing Transform and returns the output. */
export async function runBytes(items: Iterable<unknown>, transform: Transform): Promise<Buffer> {
  const chunks: Buffer[] = [];
  await pipeline(
    Readable.from(items, { objectMode: true }),
    transform,
    new Writable({
      write(chunk: Buffer, _enc, cb) {
        chunks.push(chunk);
        cb();
      },
    }),
  );
  return Buffer.concat(chunks);
}
