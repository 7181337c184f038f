import { Readable } from 'node:stream';
import { fc, test } from '@fast-check/vitest';
import {
  type CaptureFileOptions,
  captureFileText,
  DEFAULT_FIREWALL_ARN,
  type Emulator,
  startEmulator,
} from '@nfw-flows/fixtures';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flowResults, flowResultsFromFile, normalizeFlow } from '../../src/index.js';
import { type Collected, clientFor, collect, plain } from './helpers.js';

const OP = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const FW = DEFAULT_FIREWALL_ARN;
let emu: Emulator;

beforeAll(async () => {
  emu = await startEmulator({
    seed: 5,
    operations: [
      { firewallArn: FW, flowOperationId: OP(1), flows: 737 },
      { firewallArn: FW, flowOperationId: OP(2), flows: 0, status: 'FAILED', statusMessage: 'capture broke' },
      {
        firewallArn: FW,
        flowOperationId: OP(3),
        flows: 120,
        status: 'COMPLETED_WITH_ERRORS',
        statusMessage: 'partial',
      },
      { firewallArn: FW, flowOperationId: OP(4), flows: 50 },
      { firewallArn: FW, flowOperationId: OP(5), flows: 50, availabilityZone: 'us-east-1b' },
      {
        firewallArn: FW,
        flowOperationId: OP(6),
        flows: [
          {
            SourceAddress: { AddressDefinition: '10.0.0.1' },
            DestinationAddress: { AddressDefinition: '10.0.0.2' },
            Protocol: '6',
          },
          {
            SourceAddress: { AddressDefinition: '010.0.0.1' },
            DestinationAddress: { AddressDefinition: '10.0.0.2' },
          },
          {
            SourceAddress: { AddressDefinition: '10.0.0.3' },
            DestinationAddress: { AddressDefinition: '10.0.0.4' },
            SourcePort: '99999',
          },
          {
            SourceAddress: { AddressDefinition: '10.0.0.5' },
            DestinationAddress: { AddressDefinition: '10.0.0.6' },
          },
        ],
      },
      { firewallArn: FW, flowOperationId: OP(7), flows: 3000 },
    ],
  });
});
afterAll(() => emu.close());

const input = (n: number) => ({ FirewallArn: FW, FlowOperationId: OP(n) });

describe('flowResults against the emulator', () => {
  it('pages through every flow in order, with page events and a summary', async () => {
    const out = await collect(flowResults(clientFor(emu), input(1), { pageSize: 100 }));
    expect(out.error).toBeUndefined();
    expect(out.records.length).toBe(737);
    const flows = emu.operation(OP(1))!.flows;
    const ctx = out.pages[0].context;
    expect(ctx.firewallArn).toBe(FW);
    expect(out.records.map(plain)).toEqual(
      Array.from({ length: 737 }, (_, i) => plain(normalizeFlow(flows.flowAt(i), ctx))),
    );
    expect(out.pages.map((p) => p.flowCount)).toEqual([100, 100, 100, 100, 100, 100, 100, 37]);
    expect(out.pages.map((p) => p.emitted)).toEqual([100, 200, 300, 400, 500, 600, 700, 737]);
    expect(out.pages.at(-1)?.nextToken).toBeUndefined();
    expect(out.summary).toMatchObject({
      pages: 8,
      received: 737,
      emitted: 737,
      rejected: 0,
      status: 'COMPLETED',
      incomplete: false,
    });
  });

  test.prop([fc.integer({ min: 1, max: 100 })], { numRuns: 6 })(
    'any page size gives the same records',
    async (pageSize) => {
      const out = await collect(
        flowResults(clientFor(emu), { ...input(5), AvailabilityZone: 'us-east-1b' }, { pageSize }),
      );
      expect(out.error).toBeUndefined();
      expect(out.records.length).toBe(50);
      expect(out.pages.length).toBe(Math.max(1, Math.ceil(50 / pageSize)));
      expect(out.records.every((r) => r.availabilityZone === 'us-east-1b')).toBe(true);
    },
  );

  it('statuses: FAILED errors, COMPLETED_WITH_ERRORS warns, IN_PROGRESS waits or fails', async () => {
    const client = clientFor(emu);
    expect((await collect(flowResults(client, input(2)))).error?.code).toBe('NFW_OPERATION_FAILED');
    const partial = await collect(flowResults(client, input(3)));
    expect(partial.records.length).toBe(120);
    expect(partial.warnings).toHaveLength(1);
    expect(partial.summary?.incomplete).toBe(true);
    emu.addOperation({
      firewallArn: FW,
      flowOperationId: OP(40),
      flows: 10,
      completeAfterMs: Number.POSITIVE_INFINITY,
    });
    expect((await collect(flowResults(client, input(40), { wait: false }))).error?.code).toBe(
      'NFW_OPERATION_IN_PROGRESS',
    );
    // IN_PROGRESS for 100 ms of the emulator's clock (time, not polls, completes it).
    emu.addOperation({ firewallArn: FW, flowOperationId: OP(42), flows: 50, completeAfterMs: 100 });
    const waited = await collect(flowResults(client, input(42), { pollInterval: 5 }));
    expect(waited.error).toBeUndefined();
    expect(waited.records.length).toBe(50);
    emu.addOperation({
      firewallArn: FW,
      flowOperationId: OP(41),
      flows: 10,
      completeAfterMs: Number.POSITIVE_INFINITY,
    });
    const timedOut = await collect(flowResults(client, input(41), { pollInterval: 5, waitTimeout: 60 }));
    expect(timedOut.error?.code).toBe('NFW_WAIT_TIMEOUT');
  });

  it('request errors are not pagination failures', async () => {
    const client = clientFor(emu);
    expect((await collect(flowResults(client, input(999)))).error?.code).toBe('NFW_NOT_FOUND');
    const bad = await collect(flowResults(client, input(1), { startingToken: 'not-a-token' }));
    expect(['NFW_REQUEST_REJECTED', 'NFW_NOT_FOUND']).toContain(bad.error?.code);
  });

  it('rejects invalid records and counts them; onInvalid fail errors', async () => {
    const out = await collect(flowResults(clientFor(emu), input(6)));
    expect(out.summary).toMatchObject({ received: 4, emitted: 2, rejected: 2 });
    expect(out.rejects.map((r) => [r.code, r.field, r.page, r.index])).toEqual([
      ['NFW_AMBIGUOUS_IPV4', 'SourceAddress.AddressDefinition', 0, 1],
      ['NFW_INVALID_PORT', 'SourcePort', 0, 2],
    ]);
    const failed = await collect(flowResults(clientFor(emu), input(6), { onInvalid: 'fail' }));
    expect(failed.error?.code).toBe('NFW_AMBIGUOUS_IPV4');
    expect(failed.records.length).toBe(1);
  });

  it('retries throttling, 5xx, resets and cut bodies through the SDK', async () => {
    emu.setFaults({ seed: 3, throttleRate: 0.15, errorRate: 0.15, resetRate: 0.05, cutBodyRate: 0.05 });
    try {
      const out = await collect(flowResults(clientFor(emu, 8), input(1), { pageSize: 50 }));
      expect(out.error).toBeUndefined();
      expect(out.records.length).toBe(737);
    } finally {
      emu.setFaults({});
    }
  });

  test.prop([fc.integer({ min: 1, max: 14 }), fc.constantFrom('error', 'reset', 'cut', 'throttle')], {
    numRuns: 8,
  })(
    'resume after NFW_PAGINATION_FAILED: the two runs together equal one clean run',
    async (failAfterPages, kind) => {
      const clean = await collect(flowResults(clientFor(emu), input(1), { pageSize: 50 }));
      emu.setFaults({ failAfterPages, failKind: kind as never });
      let first: Collected;
      try {
        first = await collect(flowResults(clientFor(emu, 2), input(1), { pageSize: 50 }));
      } finally {
        emu.setFaults({});
      }
      expect(first.error?.code).toBe('NFW_PAGINATION_FAILED');
      expect(first.error?.emitted).toBe(first.records.length);
      expect(first.summary?.emitted).toBe(first.records.length);
      const rest = await collect(
        flowResults(clientFor(emu), input(1), {
          pageSize: 50,
          ...(first.error?.nextToken ? { startingToken: first.error.nextToken } : {}),
        }),
      );
      expect(rest.error).toBeUndefined();
      expect([...first.records, ...rest.records].map(plain)).toEqual(clean.records.map(plain));
    },
  );

  test.prop([fc.integer({ min: 1, max: 737 }), fc.integer({ min: 1, max: 100 })], { numRuns: 8 })(
    'maxItems cuts exactly, and its resumeToken yields exactly the rest',
    async (maxItems, pageSize) => {
      const clean = await collect(flowResults(clientFor(emu), input(1)));
      const first = await collect(flowResults(clientFor(emu), input(1), { pageSize, maxItems }));
      expect(first.records.length).toBe(Math.min(maxItems, 737));
      expect(first.summary?.truncated).toBe(maxItems < 737);
      if (maxItems >= 737) return;
      const rest = await collect(
        flowResults(clientFor(emu), input(1), { pageSize, startingToken: first.summary!.resumeToken! }),
      );
      expect([...first.records, ...rest.records].map(plain)).toEqual(clean.records.map(plain));
    },
  );

  it('abort stops paging with NFW_ABORTED', async () => {
    const controller = new AbortController();
    const stream = flowResults(clientFor(emu), input(7), { pageSize: 10, signal: controller.signal });
    let n = 0;
    stream.on('data', () => {
      if (++n === 25) controller.abort();
    });
    const error = await new Promise<{ code?: string }>((resolve) => stream.on('error', resolve));
    expect(error.code).toBe('NFW_ABORTED');
    expect(stream.summary().pages).toBeLessThan(10);
  });

  it('a paused consumer holds at most prefetch pages ahead', async () => {
    // The aborted stream of the test above may still have a request on its way to the emulator.
    await new Promise((r) => setTimeout(r, 100));
    emu.resetStats();
    const stream = flowResults(clientFor(emu), input(7), { pageSize: 100, prefetch: 1 });
    const it = stream[Symbol.asyncIterator]();
    await it.next();
    await new Promise((r) => setTimeout(r, 200));
    const served = emu.stats().pages;
    // page 0 in the buffer, page 1 prefetched; the stream buffers at most highWaterMark (= page size) records
    expect(served).toBeLessThanOrEqual(3);
    expect(stream.readableLength).toBeLessThanOrEqual(100);
    stream.destroy();
  });

  it('validates options up front', () => {
    const client = clientFor(emu);
    for (const [field, options] of [
      ['pageSize', { pageSize: 0 }],
      ['pageSize', { pageSize: 101 }],
      ['maxItems', { maxItems: 1.5 }],
      ['prefetch', { prefetch: -1 }],
      ['onInvalid', { onInvalid: 'skip' }],
      ['startingToken', { startingToken: '' }],
      ['wait', { wait: 'yes' }],
    ] as const) {
      expect(() => flowResults(client, input(1), options as never)).toThrow(
        expect.objectContaining({ code: 'NFW_INVALID_OPTION', field }),
      );
    }
    expect(() => flowResults(client, { FirewallArn: FW } as never)).toThrow(
      expect.objectContaining({ field: 'FlowOperationId' }),
    );
  });

  it('API and file give identical records for the same data', async () => {
    const scoped = { ...input(5), AvailabilityZone: 'us-east-1b' };
    const api = await collect(flowResults(clientFor(emu), scoped, { pageSize: 7 }));
    const info = emu.operation(OP(5))!;
    for (const shape of ['cli', 'jsonl', 'page'] as const) {
      const options: CaptureFileOptions = {
        flows: Array.from({ length: info.flowCount }, (_, i) => info.flows.flowAt(i)),
        shape,
        pageSize: 7,
        metadata: {
          FirewallArn: FW,
          FlowOperationId: OP(5),
          AvailabilityZone: 'us-east-1b',
          FlowOperationStatus: 'COMPLETED',
          FlowRequestTimestamp: info.timestamp,
        },
      };
      const text = [...captureFileText(options)].join('');
      const file = await collect(flowResultsFromFile(Readable.from([Buffer.from(text)])));
      expect(file.error).toBeUndefined();
      expect(file.records.length).toBe(50);
      expect(file.records).toEqual(api.records);
    }
  });
});
