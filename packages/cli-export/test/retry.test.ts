/**
 * The built CLI through transient faults and hostile servers: it rides out the fault rates with
 * exact data and exit 0, gives up (exit 1, resumable) only after --stall-timeout without a page, never
 * hangs on a silent or dripping server, and reports invalid responses and unknown statuses exactly.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { type Emulator, startEmulator } from '@nfw-flows/fixtures';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import {
  type Answer,
  drip,
  flows,
  type HostileServer,
  hostileServer,
  json,
  page,
} from '../../core/test/source/hostile-server.js';
import { ARN, assertBuilt, FAST_RETRY, run, SHORT_STALL, tempDir, zoneExport } from './helpers.js';

const OP = '22222222-2222-4333-8444-0000000000f1';
const FLOWS = 20_000;
let emulator: Emulator;
let tmp: ReturnType<typeof tempDir>;
let clean: string;
const out = (name: string) => path.join(tmp.dir, name);
const args = (endpoint: string) => [...zoneExport(OP, endpoint), '--format', 'ndjson'];

beforeAll(async () => {
  assertBuilt();
  emulator = await startEmulator({
    seed: 31,
    operations: [{ firewallArn: ARN, flowOperationId: OP, availabilityZone: 'us-east-1a', flows: FLOWS }],
  });
  tmp = tempDir();
  const r = await run([...args(emulator.endpoint), '--out', out('clean.ndjson')]);
  expect(r.code, r.stderr).toBe(0);
  clean = readFileSync(out('clean.ndjson'), 'utf8');
});
afterAll(async () => {
  await emulator?.close();
  tmp?.cleanup();
});

describe('transient faults never fail an unattended export', () => {
  test('throttling 1 in 5, 500 1 in 7, resets 1 in 13: 20,000 flows, exact, exit 0, retries shown', async () => {
    emulator.setFaults({ seed: 9, throttleRate: 1 / 5, errorRate: 1 / 7, resetRate: 1 / 13 });
    const file = out('faults.ndjson');
    // AWS_MAX_ATTEMPTS=1: no retries of the SDK's own, every fault goes to our policy.
    const r = await run([...args(emulator.endpoint), '--out', file, ...FAST_RETRY], {
      env: { AWS_MAX_ATTEMPTS: '1', NFW_FLOWS_PROGRESS_INTERVAL_MS: '10' },
      timeoutMs: 60_000,
    });
    const faults = emulator.stats().faults;
    emulator.setFaults({});
    expect(r.code, r.stderr).toBe(0);
    expect(faults.throttle + faults.error + faults.reset).toBeGreaterThan(50);
    expect(readFileSync(file, 'utf8')).toBe(clean);
    expect(JSON.parse(readFileSync(`${file}.nfw-status.json`, 'utf8'))).toMatchObject({
      complete: true,
      flows: FLOWS,
    });
    expect(r.stderr).toMatch(/\d+ retries/);
  });

  test('an outage longer than --stall-timeout: exit 1, a resumable partial, and --resume completes it', async () => {
    emulator.setFaults({ failAfterPages: 3, failKind: 'throttle' });
    const file = out('outage.ndjson');
    const failed = await run([...args(emulator.endpoint), '--out', file, ...SHORT_STALL], {
      env: { AWS_MAX_ATTEMPTS: '1' },
    });
    emulator.setFaults({});
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('NFW_PAGINATION_FAILED');
    expect(existsSync(`${file}.nfw-partial`)).toBe(true);
    const resumed = await run([...args(emulator.endpoint), '--out', file, '--resume']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe(clean);
  });

  test('--stall-timeout and the timeouts are checked up front', async () => {
    for (const flag of ['--stall-timeout', '--cli-read-timeout', '--cli-connect-timeout']) {
      const r = await run([...args('http://127.0.0.1:9'), '--out', out('x.ndjson'), flag, 'soon']);
      expect({ flag, code: r.code }).toEqual({ flag, code: 2 });
      expect(r.stderr).toContain(flag);
    }
  });
});

describe('hostile servers', () => {
  let server: HostileServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });
  const serve = async (answer: Answer, extra: string[] = [], name = 'hostile.ndjson') => {
    server = await hostileServer(answer);
    const file = out(`${Math.random().toString(36).slice(2)}-${name}`);
    const r = await run([...args(server.endpoint), '--out', file, ...extra], {
      env: { AWS_MAX_ATTEMPTS: '1' },
    });
    return { ...r, file };
  };
  const twoPages: Answer = (_n, input, res) =>
    input.NextToken === undefined ? json(res, page(flows(0, 100), 't1')) : json(res, page(flows(100, 50)));

  test('a server that never answers: --cli-read-timeout ends each wait, exit 1 after the stall budget', async () => {
    const r = await serve(() => {}, ['--cli-read-timeout', '200ms', '--stall-timeout', '1s', ...FAST_RETRY]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('NFW_PAGINATION_FAILED');
    expect(r.stderr).toContain('TimeoutError');
  });

  test('a body dripping a byte every 3 s is cut by the read timeout and retried', async () => {
    const r = await serve(
      (n, input, res) => (n === 1 ? drip(res, 3000) : twoPages(n, input, res)),
      ['--cli-read-timeout', '1s', ...FAST_RETRY],
    );
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(r.file, 'utf8').split('\n').filter(Boolean)).toHaveLength(150);
  });

  test('HTML 502: the HTTP status is named, once, and no parser error', async () => {
    const r = await serve(
      (_n, _input, res) => {
        res.writeHead(502, { 'content-type': 'text/html' });
        res.end('<html><body>502 Bad Gateway</body></html>');
      },
      ['--stall-timeout', '0'],
    );
    expect(r.code).toBe(1);
    expect(r.stderr.match(/HTTP 502/g)).toHaveLength(1);
    expect(r.stderr).not.toMatch(/SyntaxError|Unexpected token|after the SDK/);
  });

  test.each([
    ['a string', 'abcdefgh'],
    ['a number', 8],
    ['an object', { a: 1 }],
  ])('Flows as %s: NFW_INVALID_RESPONSE, exit 1, nothing kept to resume', async (_w, value) => {
    const r = await serve((_n, _input, res) => json(res, page(value)));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('NFW_INVALID_RESPONSE');
    expect(existsSync(r.file)).toBe(false);
    expect(existsSync(`${r.file}.nfw-partial`)).toBe(false);
  });

  test('101 flows on a page of 100 and a repeated NextToken are invalid responses', async () => {
    const big = await serve((_n, _input, res) => json(res, page(flows(0, 101))));
    expect(big.code).toBe(1);
    expect(big.stderr).toContain('NFW_INVALID_RESPONSE');
    await server?.close();
    const circle = await serve((_n, input, res) =>
      json(res, page(flows(0, 10), input.NextToken === 'a' ? 'b' : 'a')),
    );
    expect(circle.code).toBe(1);
    expect(circle.stderr).toContain('NFW_INVALID_RESPONSE');
  });

  test.each([
    ['an unknown status', { FlowOperationStatus: 'PAUSED' }, 'PAUSED'],
    ['no status', {}, 'UNKNOWN'],
  ])('%s: exit 3, named, and the status file is not complete', async (_w, extra, status) => {
    const r = await serve((_n, _input, res) => json(res, page(flows(0, 5), undefined, extra)));
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toContain(status);
    const file = JSON.parse(readFileSync(`${r.file}.nfw-status.json`, 'utf8'));
    expect(file).toMatchObject({ complete: false, status, flows: 5 });
  });
});
