import { createFlowGenerator } from '../../packages/fixtures/src/index.js';
import {
  type FlowContext,
  type FlowRecord,
  groupByRows,
  normalizeFlow,
  parseAddress,
  topTalkers,
  topTalkersRows,
} from '../core.js';
import { defineScenario, type Measured } from '../scenario.js';

const CONTEXT: FlowContext = {
  firewallArn: 'arn:aws:network-firewall:us-east-1:123456789012:firewall/bench',
  availabilityZone: 'us-east-1a',
  vpcEndpointId: 'vpce-0123456789abcdef0',
  vpcEndpointAssociationArn: null,
  flowOperationId: 'bench-op',
  flowRequestTimestamp: null,
};

/** `size` normalized records from the fixtures generator (Zipf-like talkers, 20% IPv6). */
function generated(size: number): FlowRecord[] {
  const generator = createFlowGenerator({ seed: 7, count: size });
  const out = new Array<FlowRecord>(size);
  let i = 0;
  for (const flow of generator.flows()) out[i++] = normalizeFlow(flow, CONTEXT);
  return out;
}

/** `size` records whose source addresses are all distinct (IPv4 10.0.0.0/8 + IPv6), the worst case for memory. */
function distinctSources(size: number): FlowRecord[] {
  const base = normalizeFlow(createFlowGenerator({ seed: 7, count: 1 }).flowAt(0), CONTEXT);
  const out = new Array<FlowRecord>(size);
  for (let i = 0; i < size; i++) {
    const text =
      i % 5 === 4
        ? `2600:1f18:${(i >>> 16).toString(16)}::${(i & 0xffff).toString(16)}`
        : `10.${(i >>> 16) & 255}.${(i >>> 8) & 255}.${i & 255}`;
    out[i] = { ...base, source: parseAddress(text), byteCount: 1 + (i % 1500) };
  }
  return out;
}

const gc = () => (globalThis as { gc?: () => void }).gc?.();
const held = () => {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers; // typed arrays live outside the JS heap
};

/**
 * Memory the top-talkers engine retains once every record is in (heap + ArrayBuffers after a full GC,
 * minus the same before): the figure behind "bounded mode uses O(k) memory". Its own case, so the two
 * GCs never land in a timed case. run.ts starts children with --expose-gc.
 */
function retained(input: FlowRecord[], capacity?: number): Measured {
  const transform = topTalkers({ key: 'source', by: 'bytes', n: 10, ...(capacity ? { capacity } : {}) });
  const rows: unknown[] = [];
  transform.on('data', (row) => rows.push(row));
  gc();
  const before = held();
  transform.write(input); // arrays of records are accepted; processed synchronously
  gc();
  const after = held();
  transform.end();
  const mib = (after - before) / 2 ** 20;
  return {
    check: `${rows.length}`,
    detail: `engine retains ${mib.toFixed(2)} MiB after ${input.length.toLocaleString('en-US')} distinct keys`,
  };
}

function checksum(rows: { bytes?: unknown }[]): string {
  return `${rows.length}:${rows[0]?.bytes}`;
}

export default defineScenario({
  name: 'transforms',
  description:
    'Top talkers and group-by over normalized flow records (fixtures generator, seed 7: Zipf-like talkers, 20% IPv6), input built before timing. Exact mode hashes packed keys; bounded mode is weighted Space-Saving with k = 1000 counters, also run on all-distinct sources (the memory worst case for exact mode).',
  defaultSize: 1_000_000,
  unit: 'flow',
  targets: [
    {
      target: 'top 10 sources by bytes, exact: at least 2M flows/s',
      measure: (stats) => {
        const s = stats('top 10 sources by bytes, exact');
        const perSecond = s.items / (s.ms / 1000);
        return { value: perSecond, text: `${(perSecond / 1e6).toFixed(2)}M flows/s` };
      },
      min: 2_000_000,
    },
  ],
  findings: [
    'Bounded mode (k = 1000) retains about 0 MiB after a full GC on 1M all-distinct sources (the "memory:" cases, heap + ArrayBuffers); exact mode 72 MiB, growing with the keys. Those cases include two full GCs: their times do not compare.',
  ],
  cases: [
    {
      name: 'top 10 sources by bytes, exact',
      prepare: (n) => {
        const input = generated(n);
        return () => checksum(topTalkersRows(input, { key: 'source', by: 'bytes', n: 10 }));
      },
    },
    {
      name: 'top 10 sources by bytes, bounded k=1000',
      baseline: 'top 10 sources by bytes, exact',
      prepare: (n) => {
        const input = generated(n);
        return () => checksum(topTalkersRows(input, { key: 'source', by: 'bytes', n: 10, capacity: 1000 }));
      },
    },
    {
      name: 'top 10 /24 sources by bytes, exact',
      prepare: (n) => {
        const input = generated(n);
        return () => checksum(topTalkersRows(input, { key: 'source/24,64', by: 'bytes', n: 10 }));
      },
    },
    {
      name: 'group-by source/24 + destinationPort + protocol',
      prepare: (n) => {
        const input = generated(n);
        return () => checksum(groupByRows(input, { keys: ['source/24,64', 'destinationPort', 'protocol'] }));
      },
    },
    {
      name: '4 statistics in one pass (topTalkers with an array of options)',
      prepare: (n) => {
        const input = generated(n);
        return () =>
          String(
            topTalkersRows(input, [
              { key: 'source' },
              { key: 'destination' },
              { key: 'ip/24,64', by: 'flows' },
              { key: 'destinationPort', by: 'packets' },
            ]).length,
          );
      },
    },
    {
      name: 'top sources, all distinct, exact',
      prepare: (n) => {
        const input = distinctSources(n);
        return () => checksum(topTalkersRows(input, { key: 'source', by: 'bytes', n: 10 }));
      },
    },
    {
      name: 'top sources, all distinct, bounded k=1000',
      baseline: 'top sources, all distinct, exact',
      prepare: (n) => {
        const input = distinctSources(n);
        return () => checksum(topTalkersRows(input, { key: 'source', by: 'bytes', n: 10, capacity: 1000 }));
      },
    },
    {
      name: 'memory: top sources, all distinct, exact',
      prepare: (n) => {
        const input = distinctSources(n);
        return () => retained(input);
      },
    },
    {
      name: 'memory: top sources, all distinct, bounded k=1000',
      prepare: (n) => {
        const input = distinctSources(n);
        return () => retained(input, 1000);
      },
    },
  ],
});
