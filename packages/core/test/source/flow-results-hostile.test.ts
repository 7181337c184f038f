/**
 * flowResults against a hostile or broken server (a node:http server on 127.0.0.1, the real SDK client):
 * every case ends in a coded error or a complete, exact result, never a hang or wrong data.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { flowResults } from '../../src/index.js';
import { MAX_RESPONSE_BYTES } from '../../src/source/raw-flows.js';
import { collect } from './helpers.js';
import {
  type Answer,
  awsError,
  drip,
  flows,
  HOSTILE_INPUT,
  type HostileServer,
  hostileClient,
  hostileServer,
  json,
  page,
} from './hostile-server.js';

/** Small budgets: the tests stay fast; the behaviour is the same at the defaults. */
const FAST = { stallTimeoutMs: 1500, baseDelayMs: 1, maxDelayMs: 20, attemptTimeoutMs: 500 };

let server: HostileServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** Read everything from a server answering with `answer`, collecting records, events and the error. */
async function read(answer: Answer, options: Record<string, unknown> = {}) {
  server = await hostileServer(answer);
  const client = hostileClient(server);
  const stream = flowResults(client, HOSTILE_INPUT, { retry: FAST, ...options });
  const retries: { code: string; statusCode?: number; attempt: number; delayMs: number }[] = [];
  stream.on('retry', (info) => retries.push(info));
  const out = await collect(stream);
  client.destroy();
  return { ...out, retries, requests: server.requests };
}

/** Three pages of 100 flows, tokens t1, t2. */
const threePages: Answer = (_n, input, res) => {
  const token = input.NextToken as string | undefined;
  if (token === undefined) json(res, page(flows(0, 100), 't1'));
  else if (token === 't1') json(res, page(flows(100, 100), 't2'));
  else json(res, page(flows(200, 100)));
};

describe('transient faults are retried until a page arrives', () => {
  it('a server that never answers the first two requests: timeouts, then the complete data', async () => {
    const out = await read((n, input, res) => {
      if (n <= 2) return; // never answers
      threePages(n, input, res);
    });
    expect(out.error).toBeUndefined();
    expect(out.records).toHaveLength(300);
    expect(out.retries.map((r) => r.code)).toEqual(['TimeoutError', 'TimeoutError']);
    expect(out.summary?.retries).toBe(2);
  });

  it('a body that drips a byte at a time ends in a timeout and is retried', async () => {
    const out = await read((n, input, res) => {
      if (n === 2) return drip(res, 20);
      threePages(n, input, res);
    });
    expect(out.error).toBeUndefined();
    expect(out.records).toHaveLength(300);
    expect(out.retries.map((r) => r.code)).toEqual(['TimeoutError']);
  });

  it('a server that never answers: NFW_PAGINATION_FAILED once the stall budget is spent', async () => {
    const out = await read((n, input, res) => {
      if (n === 1) threePages(n, input, res);
    });
    expect(out.error?.code).toBe('NFW_PAGINATION_FAILED');
    expect(out.error?.nextToken).toBe('t1');
    expect(out.error?.emitted).toBe(100);
    expect(out.records).toHaveLength(100);
    expect(out.retries.length).toBeGreaterThan(0);
  });

  it('HTML 502 pages are retried, and a lasting one names the HTTP status once', async () => {
    const html = (res: Parameters<Answer>[2]) => {
      res.writeHead(502, { 'content-type': 'text/html' });
      res.end('<html><body><h1>502 Bad Gateway</h1></body></html>');
    };
    const ok = await read((n, input, res) => (n <= 2 ? html(res) : threePages(n, input, res)));
    expect(ok.error).toBeUndefined();
    expect(ok.records).toHaveLength(300);
    expect(ok.retries.map((r) => [r.code, r.statusCode])).toEqual([
      ['HTTP 502', 502],
      ['HTTP 502', 502],
    ]);
    await server?.close();
    const failed = await read((_n, _input, res) => html(res), { retry: { ...FAST, stallTimeoutMs: 0 } });
    expect(failed.error?.code).toBe('NFW_PAGINATION_FAILED');
    expect(failed.error?.message.match(/HTTP 502/g)).toHaveLength(1);
    expect(failed.error?.message).not.toContain('Unexpected token');
    // One attempt of the SDK (maxAttempts 1) and none of ours: no word of retries.
    expect(failed.error?.message).not.toContain('attempts');
  });

  it('errors retrying cannot fix fail at once', async () => {
    for (const [type, code] of [
      ['AccessDeniedException', 'NFW_REQUEST_REJECTED'],
      ['ExpiredTokenException', 'NFW_REQUEST_REJECTED'],
      ['UnrecognizedClientException', 'NFW_REQUEST_REJECTED'],
      ['InvalidRequestException', 'NFW_REQUEST_REJECTED'],
      ['ResourceNotFoundException', 'NFW_NOT_FOUND'],
    ] as const) {
      const out = await read((_n, _input, res) => awsError(res, type));
      expect({ type, code: out.error?.code, requests: out.requests }).toEqual({ type, code, requests: 1 });
      expect(out.retries).toEqual([]);
      await server?.close();
    }
  });
});

describe('invalid responses are NFW_INVALID_RESPONSE, never records', () => {
  it('a NextToken already used in this operation', async () => {
    const out = await read((_n, input, res) => {
      const token = input.NextToken as string | undefined;
      if (token === undefined) json(res, page(flows(0, 10), 'a'));
      else if (token === 'a') json(res, page(flows(10, 10), 'b'));
      else json(res, page(flows(20, 10), 'a'));
    });
    expect(out.error?.code).toBe('NFW_INVALID_RESPONSE');
    expect(out.error?.field).toBe('NextToken');
    expect(out.records).toHaveLength(20);
  });

  it('a NextToken equal to the starting token', async () => {
    const out = await read((_n, _input, res) => json(res, page(flows(0, 10), 'start')), {
      startingToken: 'start',
    });
    expect(out.error?.code).toBe('NFW_INVALID_RESPONSE');
    expect(out.records).toHaveLength(0);
  });

  it('endless empty pages with fresh tokens stop at maxEmptyPages (default 100)', async () => {
    const out = await read((n, _input, res) => json(res, page([], `fresh-${n}`)));
    expect(out.error?.code).toBe('NFW_INVALID_RESPONSE');
    expect(out.error?.field).toBe('Flows');
    expect(out.requests).toBe(101);
    const few = await read((n, _input, res) => json(res, page([], `fresh-${n}`)), { maxEmptyPages: 3 });
    expect(few.error?.code).toBe('NFW_INVALID_RESPONSE');
    expect(few.requests).toBe(4);
  });

  it('a few empty pages between full ones are fine', async () => {
    const out = await read((n, _input, res) =>
      n <= 3 ? json(res, page([], `e${n}`)) : json(res, page(flows(0, 5))),
    );
    expect(out.error).toBeUndefined();
    expect(out.records).toHaveLength(5);
  });

  it.each([
    ['a string', 'abcdefgh'],
    ['a number', 8],
    ['an object', { SourceAddress: { AddressDefinition: '10.0.0.1' } }],
    ['true', true],
  ])('Flows as %s', async (_what, value) => {
    const out = await read((_n, _input, res) => json(res, page(value)));
    expect(out.error?.code).toBe('NFW_INVALID_RESPONSE');
    expect(out.error?.field).toBe('Flows');
    expect(out.records).toEqual([]);
    expect(out.rejects).toEqual([]);
  });

  it('more flows on a page than MaxResults', async () => {
    const out = await read((_n, _input, res) => json(res, page(flows(0, 101))));
    expect(out.error?.code).toBe('NFW_INVALID_RESPONSE');
    expect(out.error?.value).toBe(101);
    const small = await read((_n, _input, res) => json(res, page(flows(0, 11))), { pageSize: 10 });
    expect(small.error?.code).toBe('NFW_INVALID_RESPONSE');
    const exact = await read((_n, _input, res) => json(res, page(flows(0, 10))), { pageSize: 10 });
    expect(exact.records).toHaveLength(10);
  });

  it('a body over the size limit, declared or sent chunked', async () => {
    const big = JSON.stringify(page([{ pad: 'x'.repeat(MAX_RESPONSE_BYTES) }]));
    const declared = await read((_n, _input, res) => json(res, big));
    expect(declared.error?.code).toBe('NFW_INVALID_RESPONSE');
    expect(declared.error?.field).toBe('body');
    const chunked = await read((_n, _input, res) => {
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
      res.end(big);
    });
    expect(chunked.error?.code).toBe('NFW_INVALID_RESPONSE');
    expect(chunked.error?.field).toBe('body');
  });
});

describe('FlowOperationStatus', () => {
  it.each([
    ['unknown', { FlowOperationStatus: 'PAUSED' }, 'PAUSED'],
    ['missing', {}, null],
  ])('%s: records delivered, the summary incomplete with the status named', async (_w, extra, status) => {
    const out = await read((_n, _input, res) => json(res, page(flows(0, 3), undefined, extra)));
    expect(out.error).toBeUndefined();
    expect(out.records).toHaveLength(3);
    expect(out.summary).toMatchObject({ incomplete: true, status });
    expect(out.pages[0]?.status).toBe(status);
    expect(out.warnings).toMatchObject([{ code: 'NFW_OPERATION_INCOMPLETE' }]);
  });

  it('COMPLETED is complete', async () => {
    const out = await read((_n, _input, res) => json(res, page(flows(0, 3))));
    expect(out.summary).toMatchObject({ incomplete: false, status: 'COMPLETED' });
    expect(out.warnings).toEqual([]);
  });
});
