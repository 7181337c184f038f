/**
 * A small hostile AWS JSON 1.0 server on 127.0.0.1 for tests: each request (numbered from 1) is answered
 * by the test's own function, which may never answer, drip, send HTML, or send any JSON it likes.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { NetworkFirewallClient } from '@aws-sdk/client-network-firewall';
import { clientFor } from '@nfw-flows/fixtures/testing';

export type Answer = (
  n: number,
  input: Record<string, unknown>,
  res: ServerResponse,
  req?: IncomingMessage,
) => void;

export interface HostileServer {
  endpoint: string;
  /** Requests received so far. */
  readonly requests: number;
  close(): Promise<void>;
}

export async function hostileServer(answer: Answer): Promise<HostileServer> {
  let requests = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const n = ++requests;
      let input: Record<string, unknown> = {};
      try {
        input = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
      } catch {}
      answer(n, input, res, req);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    get requests() {
      return requests;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A 200 answer with this JSON body. */
export function json(res: ServerResponse, body: unknown, status = 200): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/x-amz-json-1.0',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

/** An AWS JSON 1.0 error answer. */
export function awsError(res: ServerResponse, type: string, status = 400): void {
  json(res, { __type: `com.amazonaws.networkfirewall#${type}`, message: `${type} (hostile server)` }, status);
}

/** Headers, then one byte of a body that never ends every `everyMs` (until the client goes away). */
export function drip(res: ServerResponse, everyMs: number): void {
  res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
  res.write('{');
  const timer = setInterval(() => {
    if (res.destroyed) clearInterval(timer);
    else res.write(' ');
  }, everyMs);
  res.on('close', () => clearInterval(timer));
}

export function flow(i: number): Record<string, unknown> {
  return {
    SourceAddress: { AddressDefinition: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}` },
    DestinationAddress: { AddressDefinition: '192.0.2.1' },
    SourcePort: '443',
    DestinationPort: String(1024 + (i % 1000)),
    Protocol: '6',
    Age: 1,
    PacketCount: i + 1,
    ByteCount: 100 * (i + 1),
  };
}

export function flows(from: number, count: number): Record<string, unknown>[] {
  return Array.from({ length: count }, (_, i) => flow(from + i));
}

/** A result page as the service sends it. */
export function page(
  items: unknown,
  nextToken?: string,
  extra: Record<string, unknown> = { FlowOperationStatus: 'COMPLETED' },
): Record<string, unknown> {
  return {
    FirewallArn: 'arn:aws:network-firewall:us-east-1:123456789012:firewall/hostile',
    FlowOperationId: '00000000-0000-4000-8000-000000000001',
    AvailabilityZone: 'us-east-1a',
    ...extra,
    Flows: items,
    ...(nextToken === undefined ? {} : { NextToken: nextToken }),
  };
}

/** The real SDK client for `server`, without the SDK's own retries (one HTTP attempt per send). */
export function hostileClient(
  server: HostileServer,
  requestHandler?: Record<string, unknown>,
): NetworkFirewallClient {
  return clientFor(
    server,
    1,
    requestHandler === undefined ? {} : { requestHandler: requestHandler as never },
  );
}

export const HOSTILE_INPUT = {
  FirewallArn: 'arn:aws:network-firewall:us-east-1:123456789012:firewall/hostile',
  FlowOperationId: '00000000-0000-4000-8000-000000000001',
};
