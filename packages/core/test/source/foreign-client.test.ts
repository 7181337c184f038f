/**
 * flowResults with clients that are not instances of the SDK class core resolves: the user's own copy of
 * the SDK (another version: the `client-network-firewall-3.1048` devDependency is a second, separate
 * install), a wrapper with only `send`, and a client whose middleware stack is not the one the raw-Flows
 * path knows. Every one yields exactly the generator's records.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  ListFlowOperationResultsCommand,
  NetworkFirewallClient,
  paginateListFlowOperationResults,
} from '@aws-sdk/client-network-firewall';
import { DEFAULT_FIREWALL_ARN, type Emulator, fastRetryStrategy, startEmulator } from '@nfw-flows/fixtures';
import { NetworkFirewallClient as OtherCopyClient } from 'client-network-firewall-3.1048';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flowResults, normalizeFlow } from '../../src/index.js';
import { paginateFlowResults } from '../../src/source/paginate-flow-results.js';
import { clientFor, collect, plain } from './helpers.js';

const FW = DEFAULT_FIREWALL_ARN;
const OP = '00000000-0000-4000-8000-000000001016';
const FLOWS = 430;
let emu: Emulator;

beforeAll(async () => {
  emu = await startEmulator({
    seed: 16,
    operations: [{ firewallArn: FW, flowOperationId: OP, flows: FLOWS }],
  });
});
afterAll(() => emu.close());

const config = () => ({
  region: 'us-east-1',
  endpoint: emu.endpoint,
  credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' },
  retryStrategy: fastRetryStrategy(3, 1) as never,
});

/** Records the middleware names each command carries when it is sent. */
function recordCommands(client: { send: (...args: never[]) => unknown }): string[][] {
  const seen: string[][] = [];
  const send = client.send.bind(client) as (command: unknown, options?: unknown) => unknown;
  client.send = ((command: { middlewareStack?: { identify(): string[] } }, options?: unknown) => {
    seen.push(command.middlewareStack?.identify() ?? []);
    return send(command, options);
  }) as never;
  return seen;
}

const rawMiddlewares = (names: string[]) => names.filter((n) => n.startsWith('nfwFlows'));

async function expectExactRecords(client: unknown) {
  const out = await collect(
    flowResults(client as NetworkFirewallClient, { FirewallArn: FW, FlowOperationId: OP }, { pageSize: 100 }),
  );
  expect(out.error).toBeUndefined();
  const flows = emu.operation(OP)!.flows;
  const ctx = out.pages[0]!.context;
  expect(out.records.map(plain)).toEqual(
    Array.from({ length: FLOWS }, (_, i) => plain(normalizeFlow(flows.flowAt(i), ctx))),
  );
  expect(out.pages.map((p) => p.flowCount)).toEqual([100, 100, 100, 100, 30]);
  return out;
}

describe('clients from another copy of the SDK', () => {
  it('the SDK paginator itself refuses a client of another copy (the reason flowResults does not use it)', async () => {
    const other = new OtherCopyClient(config());
    expect(other).not.toBeInstanceOf(NetworkFirewallClient);
    const pages = paginateListFlowOperationResults(
      { client: other as never },
      { FirewallArn: FW, FlowOperationId: OP },
    );
    await expect(pages.next()).rejects.toThrow(/Invalid client/);
  });

  it('a 3.1048.0 client of a separate install pages every flow, on the raw-Flows path', async () => {
    const other = new OtherCopyClient(config());
    const sent = recordCommands(other);
    await expectExactRecords(other);
    expect(sent).toHaveLength(5);
    for (const names of sent)
      expect(rawMiddlewares(names)).toEqual([
        'nfwFlowsPutFlows - initialize',
        'nfwFlowsTakeFlows - deserialize',
      ]);
  });

  it('a wrapper with only send() gets the SDK-parsed pages and the same records', async () => {
    const real = clientFor(emu);
    const sent: string[][] = [];
    const wrapper = {
      send: (command: ListFlowOperationResultsCommand, options?: { abortSignal?: AbortSignal }) => {
        sent.push(command.middlewareStack.identify());
        return real.send(command, options);
      },
    };
    await expectExactRecords(wrapper);
    expect(sent).toHaveLength(5);
    for (const names of sent) expect(rawMiddlewares(names)).toEqual([]);
  });

  it('a client whose middleware stack is not the one it knows falls back to the SDK path', async () => {
    const client = clientFor(emu);
    const identify = client.middlewareStack.identify.bind(client.middlewareStack);
    // As if a later SDK renamed its deserializer step.
    client.middlewareStack.identify = () =>
      identify().map((n) =>
        n.replace('deserializerMiddleware - deserialize', 'schemaDeserializer - deserialize'),
      );
    const sent = recordCommands(client);
    await expectExactRecords(client);
    for (const names of sent) expect(rawMiddlewares(names)).toEqual([]);
  });
});

describe('paginateFlowResults (the SDK paginator semantics without its instanceof check)', () => {
  /** A client that answers each request with the next of `tokens` (undefined ends) and logs inputs. */
  function scripted(tokens: (string | undefined)[]) {
    const inputs: unknown[] = [];
    let k = 0;
    const client = {
      send: async (command: { input: Record<string, unknown> }) => {
        inputs.push({ ...command.input });
        return { Flows: [], NextToken: tokens[k++] };
      },
    };
    return { client, inputs };
  }
  const Command = ListFlowOperationResultsCommand;

  it('writes NextToken and MaxResults into the input it is given, starting at startingToken', async () => {
    const { client, inputs } = scripted(['b', 'c', undefined]);
    const input = { FirewallArn: FW, FlowOperationId: OP };
    const pages = [];
    for await (const page of paginateFlowResults(
      { client, Command, pageSize: 7, startingToken: 'a' },
      input,
    )) {
      pages.push(page.NextToken);
    }
    expect(pages).toEqual(['b', 'c', undefined]);
    expect(inputs).toEqual([
      { FirewallArn: FW, FlowOperationId: OP, NextToken: 'a', MaxResults: 7 },
      { FirewallArn: FW, FlowOperationId: OP, NextToken: 'b', MaxResults: 7 },
      { FirewallArn: FW, FlowOperationId: OP, NextToken: 'c', MaxResults: 7 },
    ]);
    expect(input).toMatchObject({ NextToken: 'c', MaxResults: 7 });
  });

  it('stops at an empty NextToken, as the SDK paginator does', async () => {
    const { client, inputs } = scripted(['b', '']);
    let n = 0;
    for await (const _ of paginateFlowResults({ client, Command }, { FirewallArn: FW, FlowOperationId: OP }))
      n++;
    expect(n).toBe(2);
    expect(inputs).toHaveLength(2);
  });

  it('passes each command through withCommand and sends what it returns', async () => {
    const { client } = scripted([undefined]);
    const marked: unknown[] = [];
    const withCommand = (command: unknown) => {
      marked.push(command);
      return command;
    };
    for await (const _ of paginateFlowResults(
      { client, Command, withCommand },
      { FirewallArn: FW, FlowOperationId: OP },
    )) {
      // one page
    }
    expect(marked).toHaveLength(1);
    expect(marked[0]).toBeInstanceOf(Command);
  });
});

describe('a service that answers a NextToken with the same NextToken', () => {
  let server: Server;
  let endpoint: string;
  let requests = 0;
  beforeAll(async () => {
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        requests++;
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
        res.end(
          JSON.stringify({
            FirewallArn: FW,
            FlowOperationId: OP,
            FlowOperationStatus: 'COMPLETED',
            Flows: [
              {
                SourceAddress: { AddressDefinition: '10.0.0.1' },
                DestinationAddress: { AddressDefinition: '10.0.0.2' },
              },
            ],
            NextToken: 'stuck',
          }),
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('fails with NFW_INVALID_RESPONSE instead of repeating the page forever or stopping as if complete', async () => {
    const client = clientFor({ endpoint }, 1);
    const out = await collect(flowResults(client, { FirewallArn: FW, FlowOperationId: OP }, { prefetch: 0 }));
    expect(out.error?.code).toBe('NFW_INVALID_RESPONSE');
    // The first answer (token absent -> "stuck") is a real page; the second repeats its token, so it is
    // no valid page and none of its records are emitted.
    expect(out.records).toHaveLength(1);
    expect(requests).toBe(2);
  });
});
