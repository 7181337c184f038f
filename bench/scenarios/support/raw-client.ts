/**
 * A raw HTTP client for one operation of the emulator: the cost of the test rig itself (the emulator
 * serving pages, loopback HTTP) with no SDK. It sends signed-looking requests over one keep-alive
 * socket, follows NextToken and only counts the body bytes.
 */
import { Agent, request } from 'node:http';
import type { OperationRef } from './api.js';

const PAGE = 100;
const TARGET = 'NetworkFirewall_20201112.ListFlowOperationResults';
const TOKEN_KEY = Buffer.from('"NextToken":"');
// Only the end of a body is kept: the emulator writes NextToken last, after the Flows array.
const TAIL_BYTES = 256;

/**
 * What the SDK's signer sends, minus a real signature: the emulator checks only the shape of the SigV4
 * Authorization header and the presence of X-Amz-Date, so the raw client costs no HMAC per request.
 */
function signedLookingHeaders(): Record<string, string> {
  const amzDate = `${new Date().toISOString().replace(/[-:]/g, '').slice(0, 15)}Z`;
  return {
    'content-type': 'application/x-amz-json-1.0',
    'x-amz-target': TARGET,
    'x-amz-date': amzDate,
    authorization: `AWS4-HMAC-SHA256 Credential=AKIDBENCH/${amzDate.slice(0, 8)}/us-east-1/network-firewall/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=${'0'.repeat(64)}`,
  };
}

interface RawPage {
  bytes: number;
  nextToken: string | undefined;
}

/** One ListFlowOperationResults page over a keep-alive socket: body bytes counted, NextToken cut from its tail. */
function rawPage(
  endpoint: URL,
  agent: Agent,
  headers: Record<string, string>,
  input: Record<string, unknown>,
): Promise<RawPage> {
  const body = JSON.stringify(input);
  return new Promise((resolve, reject) => {
    const req = request(
      endpoint,
      { method: 'POST', agent, headers: { ...headers, 'content-length': Buffer.byteLength(body) } },
      (res) => {
        let bytes = 0;
        let tail: Buffer = Buffer.alloc(0);
        res.on('data', (chunk: Buffer) => {
          bytes += chunk.length;
          tail = chunk.length >= TAIL_BYTES ? chunk : Buffer.concat([tail, chunk]);
        });
        res.on('error', reject);
        res.on('end', () => {
          if (res.statusCode !== 200) {
            reject(new Error(`emulator answered ${res.statusCode}: ${tail.toString('utf8')}`));
            return;
          }
          const at = tail.lastIndexOf(TOKEN_KEY);
          const nextToken =
            at < 0
              ? undefined
              : tail.toString('latin1', at + TOKEN_KEY.length, tail.indexOf(0x22, at + TOKEN_KEY.length));
          resolve({ bytes, nextToken });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** A raw client for one operation of the emulator: one socket, kept alive, pages of 100. */
export function rawClient(endpoint: string, op: OperationRef) {
  const url = new URL(endpoint);
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const headers = signedLookingHeaders();
  return {
    page: (input: Record<string, unknown>) => rawPage(url, agent, headers, { ...op, ...input }),
    async drain(): Promise<{ pages: number; bytes: number }> {
      let pages = 0;
      let bytes = 0;
      let token: string | undefined;
      do {
        const page = await rawPage(url, agent, headers, {
          ...op,
          MaxResults: PAGE,
          ...(token === undefined ? {} : { NextToken: token }),
        });
        pages++;
        bytes += page.bytes;
        token = page.nextToken;
      } while (token !== undefined);
      return { pages, bytes };
    },
    close: () => agent.destroy(),
  };
}

/**
 * The flow generator builds its tables on the first page: one small page before the timed work, so
 * both cases time steady-state serving.
 */
export async function warmEmulator(endpoint: string, op: OperationRef): Promise<void> {
  const client = rawClient(endpoint, op);
  await client.page({ MaxResults: 1 });
  client.close();
}
