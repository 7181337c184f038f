import { Readable } from 'node:stream';
import { NetworkFirewallClient, paginateListFlowOperationResults } from '@aws-sdk/client-network-firewall';
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { flowResults, isNfwError, normalizeFlow } from '../../src/index.js';
import { withRawFlows } from '../../src/source/raw-flows.js';
import type { FlowContext } from '../../src/types.js';
import { collect, plain } from './helpers.js';

const FW = 'arn:aws:network-firewall:us-east-1:123456789012:firewall/fw';
const OP = '00000000-0000-4000-8000-000000000001';

/** `stream`: an object-mode iterable stream; `bytes`: a byte stream, as the SDK's Node handler gives. */
type BodyKind = 'buffer' | 'string' | 'stream' | 'bytes';

/** A client whose transport serves `bodies[k]` for the request with NextToken `t<k>` (no network). */
function fakeClient(bodies: string[], kind: BodyKind, statusCode = 200): NetworkFirewallClient {
  return new NetworkFirewallClient({
    region: 'us-east-1',
    endpoint: 'http://127.0.0.1:9',
    credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' },
    maxAttempts: 1,
    requestHandler: {
      handle: async (request: { body?: Uint8Array }) => {
        const token = (JSON.parse(requestText(request.body)) as { NextToken?: string }).NextToken;
        const text = bodies[token === undefined ? 0 : Number(token.slice(1))]!;
        const body =
          kind === 'string'
            ? text
            : kind === 'buffer'
              ? new Uint8Array(Buffer.from(text))
              : Readable.from(chunks(Buffer.from(text)), { objectMode: kind === 'stream' });
        return {
          response: {
            statusCode,
            reason: '',
            headers: { 'content-type': 'application/x-amz-json-1.0' },
            body,
          },
        };
      },
    } as never,
  });
}

type HandleFn = (request: { body?: Uint8Array }) => Promise<{ response: { body: unknown } }>;

/** The request body as text (the SDK's body object warns when string methods are called on it). */
function requestText(body: Uint8Array | undefined): string {
  return body === undefined ? '{}' : Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString();
}

/** Split into uneven chunks, so multi-byte characters straddle chunk edges. */
function* chunks(bytes: Buffer): Generator<Buffer> {
  for (let at = 0, size = 7; at < bytes.length; at += size, size = size * 3 + 1) {
    yield bytes.subarray(at, at + size);
  }
}

/** The pages of one operation as response bodies, linked by NextToken `t1`, `t2`, ... */
function bodiesOf(pages: unknown[][], spaced: boolean): string[] {
  return pages.map((flows, k) =>
    JSON.stringify(
      {
        FirewallArn: FW,
        FlowOperationId: OP,
        FlowOperationStatus: 'COMPLETED',
        FlowRequestTimestamp: 1_764_547_200.5,
        Flows: flows,
        ...(k + 1 < pages.length ? { NextToken: `t${k + 1}` } : {}),
      },
      null,
      spaced ? 1 : undefined,
    ),
  );
}

/** The reference: the SDK's own deserialization (no withCommand) and normalizeFlow on each flow. */
async function reference(client: NetworkFirewallClient, served: unknown[][]) {
  const records: unknown[] = [];
  const rejects: unknown[] = [];
  let page = 0;
  for await (const out of paginateListFlowOperationResults(
    { client },
    { FirewallArn: FW, FlowOperationId: OP },
  )) {
    const context: FlowContext = {
      firewallArn: out.FirewallArn ?? FW,
      availabilityZone: null,
      vpcEndpointId: null,
      vpcEndpointAssociationArn: null,
      flowOperationId: out.FlowOperationId ?? OP,
      flowRequestTimestamp: out.FlowRequestTimestamp ?? null,
    };
    (out.Flows ?? []).forEach((flow, index) => {
      try {
        records.push(plain(normalizeFlow(flow, context)));
      } catch (error) {
        if (!isNfwError(error)) throw error;
        rejects.push({
          code: error.code,
          field: arrayForObject(served[page]![index]) ? '(any)' : error.field,
          page,
          index,
        });
      }
    });
    page++;
  }
  return { records, rejects };
}

/**
 * The SDK reads an array where the model has a structure as an empty structure, so its reject names
 * the missing member (`SourceAddress`); the raw path names the array itself (`Flow`). Same code.
 */
function arrayForObject(flow: unknown): boolean {
  if (Array.isArray(flow)) return true;
  if (typeof flow !== 'object' || flow === null) return false;
  const f = flow as Record<string, unknown>;
  return Array.isArray(f.SourceAddress) || Array.isArray(f.DestinationAddress);
}

const text = fc.oneof(
  fc.constantFrom('10.0.0.1', '10.0.0.0/24', '2001:db8::1', '::ffff:10.0.0.9', '010.0.0.1', 'fe80::1/64'),
  fc.string({ unit: 'binary', maxLength: 6 }),
);
const address = fc.oneof(
  fc.record({ AddressDefinition: text }),
  fc.record({ AddressDefinition: fc.jsonValue({ maxDepth: 1 }) }),
  fc.jsonValue({ maxDepth: 1 }),
);
const counter = fc.oneof(
  fc.nat(),
  fc.constantFrom(0, -0, -1, 1.5, 2 ** 32, 2 ** 53, 1e300, null, 'NaN', 'Infinity', '12'),
  fc.jsonValue({ maxDepth: 0 }),
);
const port = fc.oneof(
  fc.constantFrom('443', '1990:1994', 'ANY', 'any', '080', '70000', null),
  text,
  fc.nat(),
);
const flow = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record(
      {
        SourceAddress: address,
        DestinationAddress: address,
        SourcePort: port,
        DestinationPort: port,
        Protocol: fc.oneof(fc.constantFrom('6', '17', 'tcp', 'IPv6-ICMP', '256', '06'), text),
        Age: counter,
        PacketCount: counter,
        ByteCount: counter,
        Extra: fc.jsonValue({ maxDepth: 1 }),
      },
      { requiredKeys: [] },
    ),
  },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
);

describe('raw Flows (withRawFlows) against the SDK deserializer', () => {
  test.prop(
    [
      fc.array(fc.array(flow, { maxLength: 6 }), { minLength: 1, maxLength: 4 }),
      fc.constantFrom<BodyKind>('buffer', 'stream', 'bytes'),
      fc.boolean(),
    ],
    { numRuns: 60 },
  )('flowResults yields what the SDK path and normalizeFlow yield', async (pages, kind, spaced) => {
    const bodies = bodiesOf(pages, spaced);
    const expected = await reference(fakeClient(bodies, kind), pages);
    const got = await collect(
      flowResults(fakeClient(bodies, kind), { FirewallArn: FW, FlowOperationId: OP }),
    );
    expect(got.error).toBeUndefined();
    expect(got.records.map(plain)).toEqual(expected.records);
    expect(
      got.rejects.map(({ code, field, page, index, raw }) => ({
        code,
        field: arrayForObject(raw) ? '(any)' : field,
        page,
        index,
      })),
    ).toEqual(expected.rejects);
  });

  it('leaves bodies without a Flows array, bad JSON and error statuses to the SDK', async () => {
    const noFlows = JSON.stringify({
      FirewallArn: FW,
      FlowOperationId: OP,
      FlowOperationStatus: 'COMPLETED',
    });
    const got = await collect(
      flowResults(fakeClient([noFlows], 'stream'), { FirewallArn: FW, FlowOperationId: OP }),
    );
    expect(got.error).toBeUndefined();
    expect(got.records).toEqual([]);
    // Flows that is not an array is no page at all (the SDK would pass it through as it is).
    const notArray = await collect(
      flowResults(fakeClient([JSON.stringify({ FirewallArn: FW, Flows: { a: 1 } })], 'stream'), {
        FirewallArn: FW,
        FlowOperationId: OP,
      }),
    );
    expect(notArray.error?.code).toBe('NFW_INVALID_RESPONSE');
    // A body cut short is transient: retried, and with no budget (stallTimeoutMs 0) resumable.
    const retries: string[] = [];
    const cut = flowResults(
      fakeClient(['{"Flows": ['], 'stream'),
      { FirewallArn: FW, FlowOperationId: OP },
      {
        retry: { stallTimeoutMs: 0 },
      },
    );
    cut.on('retry', (r) => retries.push(r.code));
    const bad = await collect(cut);
    expect(bad.error?.code).toBe('NFW_PAGINATION_FAILED');
    expect(retries).toEqual([]);
    const again = flowResults(
      fakeClient(['{"Flows": ['], 'stream'),
      { FirewallArn: FW, FlowOperationId: OP },
      {
        retry: { stallTimeoutMs: 30, baseDelayMs: 1, maxDelayMs: 1 },
      },
    );
    again.on('retry', (r) => retries.push(r.code));
    expect((await collect(again)).error?.code).toBe('NFW_PAGINATION_FAILED');
    expect(retries.length).toBeGreaterThan(0);
    expect(retries[0]).toBe('UnparseableBody');
    const refused = await collect(
      flowResults(
        fakeClient(
          [JSON.stringify({ __type: 'ResourceNotFoundException', message: 'no', Flows: [] })],
          'stream',
          400,
        ),
        { FirewallArn: FW, FlowOperationId: OP },
      ),
    );
    expect(refused.error?.code).toBe('NFW_NOT_FOUND');
  });

  it.each([
    ['an error', (r: Readable) => r.destroy(Object.assign(new Error('reset'), { code: 'ECONNRESET' }))],
    ['no error', (r: Readable) => r.destroy()],
  ])('a byte stream body that ends early with %s is transient: retried, then resumable', async (_w, cut) => {
    const client = fakeClient(['{"Flows": [{"Age": 1'], 'bytes');
    const handler = (client.config as unknown as { requestHandler: { handle: HandleFn } }).requestHandler;
    const handle = handler.handle.bind(handler);
    handler.handle = async (request) => {
      const out = await handle(request);
      const body = out.response.body as Readable;
      body.once('data', () => cut(body));
      return out;
    };
    const retries: string[] = [];
    const stream = flowResults(
      client,
      { FirewallArn: FW, FlowOperationId: OP },
      { retry: { stallTimeoutMs: 30, baseDelayMs: 1, maxDelayMs: 1 } },
    );
    stream.on('retry', (r) => retries.push(r.code));
    const got = await collect(stream);
    expect(got.error?.code).toBe('NFW_PAGINATION_FAILED');
    expect(retries.length).toBeGreaterThan(0);
    expect(retries[0]).toBe('ECONNRESET');
  });

  it('keeps commands without a middleware stack as they are', () => {
    const command = { input: {} };
    expect(withRawFlows(command)).toBe(command);
  });
});
