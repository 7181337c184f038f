import { fc, test } from '@fast-check/vitest';
import { DEFAULT_FIREWALL_ARN, type Emulator, startEmulator } from '@nfw-flows/fixtures';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FlowPage, flowResults, pages } from '../../src/index.js';
import { clientFor, collect, plain } from './helpers.js';

const OP = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const FW = DEFAULT_FIREWALL_ARN;
let emu: Emulator;

beforeAll(async () => {
  emu = await startEmulator({
    seed: 9,
    operations: [
      { firewallArn: FW, flowOperationId: OP(1), flows: 437 },
      {
        firewallArn: FW,
        flowOperationId: OP(2),
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
            SourceAddress: { AddressDefinition: '10.0.0.5' },
            DestinationAddress: { AddressDefinition: '10.0.0.6' },
          },
        ],
      },
      { firewallArn: FW, flowOperationId: OP(3), flows: 40, status: 'FAILED', statusMessage: 'broke' },
    ],
  });
});
afterAll(async () => {
  await emu?.close();
});

const input = (n: number) => ({ FirewallArn: FW, FlowOperationId: OP(n) });

async function all(iterable: AsyncIterable<FlowPage>): Promise<FlowPage[]> {
  const out: FlowPage[] = [];
  for await (const page of iterable) out.push(page);
  return out;
}

describe('pages', () => {
  it('yields every page with its records, context and the token after it; the stream has the same records', async () => {
    const got = await all(pages(clientFor(emu), input(1), { pageSize: 50 }));
    expect(got.map((p) => p.index)).toEqual([...Array(9).keys()]);
    expect(got.map((p) => p.records.length)).toEqual([50, 50, 50, 50, 50, 50, 50, 50, 37]);
    expect(got.every((p) => p.flows.length === p.records.length && p.rejects.length === 0)).toBe(true);
    expect(got.at(-1)!.nextToken).toBeUndefined();
    expect(got.slice(0, -1).every((p) => typeof p.nextToken === 'string')).toBe(true);
    expect(got[0]!.context).toMatchObject({ firewallArn: FW, flowOperationId: OP(1) });
    expect(got[0]!.status).toBe('COMPLETED');
    const stream = await collect(flowResults(clientFor(emu), input(1), { pageSize: 50 }));
    expect(got.flatMap((p) => p.records).map(plain)).toEqual(stream.records.map(plain));
  });

  test.prop([fc.integer({ min: 0, max: 8 })], { numRuns: 5 })(
    "a page's nextToken as startingToken yields exactly the pages after it",
    async (k) => {
      const first = await all(pages(clientFor(emu), input(1), { pageSize: 50 }));
      const rest = await all(
        pages(clientFor(emu), input(1), { pageSize: 50, startingToken: first[k]!.nextToken! }),
      );
      if (k === 8) return; // the last page has no token: nothing to resume
      expect(rest.flatMap((p) => p.records).map(plain)).toEqual(
        first
          .slice(k + 1)
          .flatMap((p) => p.records)
          .map(plain),
      );
    },
  );

  it('maxItems cuts the last page and marks it truncated; its nextToken resumes mid-page', async () => {
    const cut = await all(pages(clientFor(emu), input(1), { pageSize: 50, maxItems: 120 }));
    expect(cut.map((p) => p.records.length)).toEqual([50, 50, 20]);
    expect(cut.map((p) => p.truncated)).toEqual([false, false, true]);
    const rest = await all(
      pages(clientFor(emu), input(1), { pageSize: 50, startingToken: cut.at(-1)!.nextToken! }),
    );
    const whole = await all(pages(clientFor(emu), input(1), { pageSize: 50 }));
    expect([...cut, ...rest].flatMap((p) => p.records).map(plain)).toEqual(
      whole.flatMap((p) => p.records).map(plain),
    );
  });

  it('keeps invalid flows as rejects in place; onInvalid fail throws their code', async () => {
    const [page] = await all(pages(clientFor(emu), input(2)));
    expect(page!.records).toHaveLength(2);
    expect(page!.rejects.map((r) => [r.code, r.index, r.page])).toEqual([['NFW_AMBIGUOUS_IPV4', 1, 0]]);
    expect(page!.flows).toHaveLength(3);
    await expect(all(pages(clientFor(emu), input(2), { onInvalid: 'fail' }))).rejects.toMatchObject({
      code: 'NFW_AMBIGUOUS_IPV4',
      page: 0,
      index: 1,
      emitted: 0,
    });
  });

  it('a FAILED operation throws NFW_OPERATION_FAILED; an abort NFW_ABORTED with the records yielded', async () => {
    await expect(all(pages(clientFor(emu), input(3)))).rejects.toMatchObject({
      code: 'NFW_OPERATION_FAILED',
    });
    const controller = new AbortController();
    let records = 0;
    const reading = (async () => {
      for await (const page of pages(clientFor(emu), input(1), { pageSize: 10, signal: controller.signal })) {
        records += page.records.length;
        if (page.index === 2) controller.abort();
      }
    })();
    await expect(reading).rejects.toMatchObject({ code: 'NFW_ABORTED', emitted: 30 });
    expect(records).toBe(30);
  });

  it('checks its options before any request', () => {
    expect(() => pages(clientFor(emu), input(1), { pageSize: 0 })).toThrow(
      expect.objectContaining({ code: 'NFW_INVALID_OPTION', field: 'pageSize' }),
    );
    expect(() => pages({} as never, input(1))).toThrow(expect.objectContaining({ field: 'client' }));
  });
});
