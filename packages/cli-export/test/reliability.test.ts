import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { type Emulator, startEmulator } from '@nfw-flows/fixtures';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  ARN,
  assertBuilt,
  closeDuckdb,
  query,
  run,
  SHORT_STALL,
  sqlString,
  tempDir,
  zoneCapture,
  zoneExport,
} from './helpers.js';

const OP = '22222222-2222-4333-8444-00000000000a';
const FLOWS = 3000;

let emulator: Emulator;
let tmp: ReturnType<typeof tempDir>;
const out = (name: string) => path.join(tmp.dir, name);
const args = () => [...zoneExport(OP, emulator.endpoint), '--page-size', '100'];

async function rowsOf(file: string): Promise<string[]> {
  const rows = await query(`SELECT * FROM read_parquet(${sqlString(file)})`);
  return rows.map((r) => JSON.stringify(r, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)));
}

function checkpointPages(file: string): number {
  try {
    const cp = JSON.parse(readFileSync(path.join(`${file}.nfw-partial`, 'checkpoint.json'), 'utf8'));
    return cp.jobs[0].pages as number;
  } catch {
    return 0;
  }
}

/** Spawn an export and send `signal` once its checkpoint shows at least `pages` committed pages. */
async function interruptAfter(file: string, pages: number, signal: NodeJS.Signals) {
  return run([...args(), '--out', file], {
    onSpawn: (child) => {
      const timer = setInterval(() => {
        if (checkpointPages(file) >= pages) {
          clearInterval(timer);
          child.kill(signal);
        }
      }, 20);
      child.on('close', () => clearInterval(timer));
    },
  });
}

beforeAll(async () => {
  assertBuilt();
  emulator = await startEmulator({
    seed: 21,
    operations: [{ firewallArn: ARN, flowOperationId: OP, availabilityZone: 'us-east-1a', flows: FLOWS }],
  });
  tmp = tempDir();
  const clean = await run([...args(), '--out', out('clean.parquet')]);
  expect(clean.code, clean.stderr).toBe(0);
});

afterAll(async () => {
  closeDuckdb();
  await emulator?.close();
  tmp?.cleanup();
});

describe('resume and interruption', () => {
  test('kill -9 mid-export, then --resume: the same rows as a clean run, each exactly once', async () => {
    emulator.setFaults({ latencyMs: 60 });
    const file = out('killed.parquet');
    const killed = await interruptAfter(file, 3, 'SIGKILL');
    emulator.setFaults({});
    expect(killed.signal).toBe('SIGKILL');
    expect(existsSync(file)).toBe(false);
    expect(existsSync(`${file}.nfw-status.json`)).toBe(false);
    expect(checkpointPages(file)).toBeGreaterThanOrEqual(3);
    expect(checkpointPages(file)).toBeLessThan(FLOWS / 100);

    const again = await run([...args(), '--out', file]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('--resume');

    const resumed = await run([...args(), '--out', file, '--resume']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(await rowsOf(file)).toEqual(await rowsOf(out('clean.parquet')));
    expect(existsSync(`${file}.nfw-partial`)).toBe(false);
    // The status file counts every flow once, across the two runs.
    const status = JSON.parse(readFileSync(`${file}.nfw-status.json`, 'utf8'));
    expect(status).toMatchObject({ complete: true, flows: FLOWS, pages: FLOWS / 100, rejected: 0 });
  });

  test('a failure after the SDK retries keeps the partial export; --resume completes it', async () => {
    emulator.setFaults({ failAfterPages: 5, failKind: 'error' });
    const file = out('failed.parquet');
    // A lasting outage: a stall budget of 200 ms gives up after a few quick retries.
    const failed = await run([...args(), '--out', file, ...SHORT_STALL], { env: { AWS_MAX_ATTEMPTS: '2' } });
    emulator.setFaults({});
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('NFW_PAGINATION_FAILED');
    expect(failed.stderr).toContain('--resume');
    expect(existsSync(file)).toBe(false);
    expect(existsSync(`${file}.nfw-status.json`)).toBe(false);
    const resumed = await run([...args(), '--out', file, '--resume']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(await rowsOf(file)).toEqual(await rowsOf(out('clean.parquet')));
  });

  test('Ctrl-C stops promptly: exit 130, no output file, no temporaries', async () => {
    emulator.setFaults({ latencyMs: 60 });
    const file = out('interrupted.parquet');
    const r = await interruptAfter(file, 1, 'SIGINT');
    emulator.setFaults({});
    expect(r.code).toBe(130);
    expect(existsSync(file)).toBe(false);
    expect(readdirSync(tmp.dir).filter((f) => f.includes('nfw-tmp'))).toEqual([]);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  test('throttling, 5xx, resets and cut bodies are retried: the export is complete and exact', async () => {
    emulator.setFaults({ seed: 4, throttleRate: 0.08, errorRate: 0.06, resetRate: 0.04, cutBodyRate: 0.04 });
    const file = out('faults.parquet');
    const r = await run([...args(), '--out', file], { env: { AWS_MAX_ATTEMPTS: '8' } });
    const faults = emulator.stats().faults;
    emulator.setFaults({});
    expect(r.code, r.stderr).toBe(0);
    expect(faults.throttle + faults.error + faults.reset + faults.cut).toBeGreaterThan(0);
    expect(await rowsOf(file)).toEqual(await rowsOf(out('clean.parquet')));
  });
});

describe('pipes and usage errors', () => {
  test('`--out - | head` ends quietly on EPIPE, with exit 141 (128 + SIGPIPE) for pipefail', async () => {
    const r = await run([...args(), '--out', '-', '--format', 'ndjson'], {
      onSpawn: (child) => child.stdout!.once('data', () => child.stdout!.destroy()),
    });
    expect(r.code).toBe(141);
    expect(r.stderr).not.toMatch(/EPIPE|Error|\n\s+at /);
  });

  const usage: Array<[string, string[]]> = [
    [
      '--firewall-arn',
      ['export', '--firewall-arn', 'not-an-arn', '--flow-operation-id', OP, '--out', 'x.csv'],
    ],
    [
      '--flow-operation-id',
      ['export', '--firewall-arn', ARN, '--flow-operation-id', 'nope', '--out', 'x.csv'],
    ],
    [
      '--page-size',
      ['export', '--firewall-arn', ARN, '--flow-operation-id', OP, '--page-size', '101', '--out', 'x.csv'],
    ],
    [
      '--format',
      ['export', '--firewall-arn', ARN, '--flow-operation-id', OP, '--format', 'xlsx', '--out', 'x.csv'],
    ],
    ['--format', ['export', '--firewall-arn', ARN, '--flow-operation-id', OP, '--out', 'x.unknown']],
    ['--out', ['export', '--firewall-arn', ARN, '--flow-operation-id', OP]],
    ['--flow-operation-id', ['export', '--firewall-arn', ARN, '--out', 'x.csv']],
    ['--input', ['export', '--input', '/nonexistent/results.json', '--out', 'x.csv']],
    [
      '--resume',
      [
        'export',
        '--firewall-arn',
        ARN,
        '--flow-operation-id',
        OP,
        '--out',
        '-',
        '--format',
        'csv',
        '--resume',
      ],
    ],
    ['--key', ['top', '--input', '/dev/null', '--key', 'nonsense']],
    ['--unknown-flag', ['export', '--unknown-flag']],
    ['--source', [...zoneCapture(), '--source', '10.0.0.300/8', '--out', 'x.csv']],
  ];
  test('every usage error exits 2 with one line naming the flag', async () => {
    const results = await Promise.all(usage.map(([, argv]) => run(argv, { cwd: tmp.dir })));
    results.forEach((r, i) => {
      const [flag, argv] = usage[i]!;
      expect({ argv, code: r.code }).toEqual({ argv, code: 2 });
      expect(r.stderr).toContain(flag);
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    });
  });

  test('missing credentials name the credential chain and never print secrets', async () => {
    const r = await run([...args(), '--out', out('nocreds.csv')], {
      env: {
        AWS_ACCESS_KEY_ID: undefined,
        AWS_SECRET_ACCESS_KEY: undefined,
        AWS_EC2_METADATA_DISABLED: 'true',
      },
      cwd: tmp.dir,
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('credential');
    expect(existsSync(out('nocreds.csv'))).toBe(false);
  });

  test('--help of every command shows examples', async () => {
    const results = await Promise.all(
      ['export', 'capture', 'operations', 'top'].map((c) => run([c, '--help'])),
    );
    for (const r of results) {
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('Examples:');
    }
  });
});
