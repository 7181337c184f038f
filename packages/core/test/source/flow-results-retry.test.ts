/**
 * The retry policy end to end: the real SDK client (no retries of its own) against the emulator's fault
 * injection at the rates, a lasting outage, and the stream's own guarantees (NFW_ABORTED.emitted,
 * one iteration at a time, a send that never settles).
 */
import { DEFAULT_FIREWALL_ARN, type Emulator, startEmulator } from '@nfw-flows/fixtures';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FlowRecord, flowResults, type RetryInfo } from '../../src/index.js';
import { clientFor, collect, plain } from './helpers.js';

const OP = '00000000-0000-4000-8000-000000020000';
const FW = DEFAULT_FIREWALL_ARN;
const FLOWS = 20_000;
const input = { FirewallArn: FW, FlowOperationId: OP };
const FAST = { stallTimeoutMs: 2000, baseDelayMs: 1, maxDelayMs: 10 };
let emu: Emulator;
let clean: unknown[];

beforeAll(async () => {
  emu = await startEmulator({
    seed: 15,
    operations: [{ firewallArn: FW, flowOperationId: OP, flows: FLOWS }],
  });
  clean = (await collect(flowResults(clientFor(emu), input))).records.map(plain);
  expect(clean).toHaveLength(FLOWS);
});
afterAll(() => emu.close());

describe('transient faults never fail a read while pages keep arriving', () => {
  it('throttling 1 in 5, 500 1 in 7, resets 1 in 13, no SDK retries: 20,000 flows exactly once', async () => {
    emu.setFaults({ seed: 7, throttleRate: 1 / 5, errorRate: 1 / 7, resetRate: 1 / 13 });
    const before = emu.stats().faults;
    const retries: RetryInfo[] = [];
    try {
      const stream = flowResults(clientFor(emu, 1), input, { retry: FAST });
      stream.on('retry', (r) => retries.push(r));
      const out = await collect(stream);
      expect(out.error).toBeUndefined();
      expect(out.records.map(plain)).toEqual(clean);
      expect(out.summary?.retries).toBe(retries.length);
    } finally {
      emu.setFaults({});
    }
    const injected = emu.stats().faults;
    const faults =
      injected.throttle - before.throttle + injected.error - before.error + injected.reset - before.reset;
    // Every injected fault cost one retry (the SDK made one attempt per send).
    expect(retries.length).toBe(faults);
    expect(new Set(retries.map((r) => r.code))).toEqual(
      new Set(['ThrottlingException', 'InternalServerError', 'ECONNRESET']),
    );
  });

  it('an outage longer than the stall budget: NFW_PAGINATION_FAILED, and its nextToken resumes exactly', async () => {
    emu.setFaults({ failAfterPages: 7, failKind: 'error' });
    const retries: RetryInfo[] = [];
    let first: Awaited<ReturnType<typeof collect>>;
    try {
      const stream = flowResults(clientFor(emu, 1), input, {
        retry: { stallTimeoutMs: 200, baseDelayMs: 1, maxDelayMs: 20 },
      });
      stream.on('retry', (r) => retries.push(r));
      first = await collect(stream);
    } finally {
      emu.setFaults({});
    }
    expect(first.error?.code).toBe('NFW_PAGINATION_FAILED');
    expect(first.error?.emitted).toBe(700);
    expect(first.records).toHaveLength(700);
    expect(retries.length).toBeGreaterThan(1);
    expect(retries.map((r) => r.attempt)).toEqual(retries.map((_, i) => i + 1));
    const rest = await collect(
      flowResults(clientFor(emu), input, { startingToken: first.error!.nextToken! }),
    );
    expect([...first.records, ...rest.records].map(plain)).toEqual(clean);
  });

  it('DescribeFlowOperation polls are retried too', async () => {
    const op = '00000000-0000-4000-8000-000000020001';
    const e = await startEmulator({
      seed: 16,
      operations: [{ firewallArn: FW, flowOperationId: op, flows: 10, completeAfterMs: 1500 }],
    });
    try {
      e.setFaults({ operations: ['DescribeFlowOperation'], failRequests: [1, 2] });
      const retries: RetryInfo[] = [];
      const stream = flowResults(
        clientFor(e, 1),
        { FirewallArn: FW, FlowOperationId: op },
        {
          retry: FAST,
          pollInterval: 20,
        },
      );
      stream.on('retry', (r) => retries.push(r));
      const out = await collect(stream);
      expect(out.error).toBeUndefined();
      expect(out.records).toHaveLength(10);
      expect(retries.map((r) => r.operation)).toEqual(['DescribeFlowOperation', 'DescribeFlowOperation']);
    } finally {
      await e.close();
    }
  });
});

describe('the stream', () => {
  it('NFW_ABORTED.emitted is what the consumer received, not what was buffered', async () => {
    const controller = new AbortController();
    const stream = flowResults(clientFor(emu), input, { signal: controller.signal });
    let got = 0;
    let error: (Error & { code?: string; emitted?: number }) | undefined;
    try {
      for await (const _record of stream as AsyncIterable<FlowRecord>) {
        if (++got === 130) {
          // Let the stream fill its buffer past what was read.
          await new Promise((r) => setTimeout(r, 50));
          controller.abort();
        }
      }
    } catch (e) {
      error = e as typeof error;
    }
    expect(error?.code).toBe('NFW_ABORTED');
    expect(stream.summary().emitted).toBeGreaterThan(130);
    expect(error?.emitted).toBe(130);
  });

  it('a second concurrent iteration throws NFW_CONCURRENT_ITERATION instead of splitting records', async () => {
    const stream = flowResults(clientFor(emu), input, { pageSize: 10, maxItems: 30 });
    const first = stream[Symbol.asyncIterator]();
    expect((await first.next()).done).toBe(false);
    expect(() => stream[Symbol.asyncIterator]()).toThrow(
      expect.objectContaining({ code: 'NFW_CONCURRENT_ITERATION' }),
    );
    let n = 1;
    while (!(await first.next()).done) n++;
    expect(n).toBe(30);
  });

  it('a client without send is NFW_INVALID_OPTION', () => {
    for (const client of [null, undefined, {}, { send: 1 }]) {
      expect(() => flowResults(client as never, input)).toThrow(
        expect.objectContaining({ code: 'NFW_INVALID_OPTION', field: 'client' }),
      );
    }
  });

  it('a send() that never settles ends by the attempt timeout, then the stall budget', async () => {
    const client = clientFor(emu);
    client.send = (() => new Promise(() => {})) as never;
    const retries: RetryInfo[] = [];
    const stream = flowResults(client, input, {
      retry: { stallTimeoutMs: 300, baseDelayMs: 1, maxDelayMs: 5, attemptTimeoutMs: 100 },
    });
    stream.on('retry', (r) => retries.push(r));
    const out = await collect(stream);
    expect(out.error?.code).toBe('NFW_PAGINATION_FAILED');
    expect(retries.length).toBeGreaterThan(0);
    expect(retries.every((r) => r.code === 'TimeoutError')).toBe(true);
  });
});
