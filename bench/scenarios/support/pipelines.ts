/**
 * In-process pipelines over generated flows that never exist whole: a Readable of raw pages from the
 * fixtures generator, normalized record by record, and a byte-counting sink.
 */
import { Readable, Transform, Writable } from 'node:stream';
import { createFlowGenerator } from '../../../packages/fixtures/src/index.js';
import { createFlowNormalizer, type FlowContext, type FlowRecord, normalizeFlow } from '../../core.js';
import { SEED } from './tools.js';

export const CONTEXT: FlowContext = {
  firewallArn: 'arn:aws:network-firewall:us-east-1:123456789012:firewall/bench',
  availabilityZone: 'us-east-1a',
  vpcEndpointId: null,
  vpcEndpointAssociationArn: null,
  flowOperationId: '6c8d1f9e-2b1a-4c3d-9e8f-0a1b2c3d4e5f',
  flowRequestTimestamp: new Date('2026-01-01T00:00:00.500Z'),
};

/** Raw API pages (100 flows each, as JSON would give them) generated lazily: O(1 page) memory. */
export function rawPages(count: number, pageSize = 100): Readable {
  const generator = createFlowGenerator({ seed: SEED, count });
  function* pages() {
    for (let start = 0; start < count; start += pageSize) {
      yield [...generator.flows(start, Math.min(count, start + pageSize))];
    }
  }
  return Readable.from(pages(), { objectMode: true, highWaterMark: 2 });
}

/** Pages in, FlowRecord out (the stream normalizer with its address memo, as the sources use it). */
export function normalizePages(context: FlowContext = CONTEXT): Transform {
  const normalize = createFlowNormalizer();
  return new Transform({
    objectMode: true,
    readableHighWaterMark: 1024,
    writableHighWaterMark: 2,
    transform(page: unknown[], _encoding, callback) {
      for (const flow of page) this.push(normalize(flow, context));
      callback();
    },
  });
}

/** A sink that keeps nothing: counts the bytes written (the "/dev/null" of the pipelines). */
export class CountingSink extends Writable {
  bytes = 0;
  constructor() {
    super({ highWaterMark: 1 << 20 });
  }
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.bytes += chunk.length;
    callback();
  }
}

/** `count` normalized records in memory (the serializer benchmarks' input, built before timing). */
export function generatedRecords(count: number): FlowRecord[] {
  const generator = createFlowGenerator({ seed: SEED, count });
  const out = new Array<FlowRecord>(count);
  let i = 0;
  for (const flow of generator.flows()) out[i++] = normalizeFlow(flow, CONTEXT);
  return out;
}
