/**
 * `capture` without a scope flag against the emulator: every zone of each firewall (by ARN, by name,
 * or --all-firewalls), each VPC endpoint association with --vpc-endpoint-associations, one failing zone
 * (exit 3, the status file lists every scope), and a SIGKILL followed by --resume that reads the
 * operations already started instead of starting new ones.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { type Emulator, type EmulatorOptions, startEmulator } from '@nfw-flows/fixtures';
import {
  fleetAssociationArn as ASSOC,
  FLEET_ONE_ARN as FW1,
  FLEET_TWO_ARN as FW2,
  fleetFirewalls,
} from '@nfw-flows/fixtures/testing';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { assertBuilt, quickCapture, run, tempDir } from './helpers.js';

const TABLE = 120;
const FIREWALLS = fleetFirewalls({
  associations: 2,
  fleetTwoZones: ['us-east-1a', 'us-east-1b', 'us-east-1c'],
});

interface StatusOp {
  firewall_arn: string;
  availability_zone: string | null;
  vpc_endpoint_association_arn?: string;
  flow_operation_id: string | null;
  status: string | null;
  flows: number;
  error?: string;
  path?: string;
}

let tmp: ReturnType<typeof tempDir>;
let emu: Emulator | undefined;
const out = (name: string) => path.join(tmp.dir, name);

beforeAll(() => {
  assertBuilt();
  tmp = tempDir();
});
afterAll(() => tmp?.cleanup());
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

async function emulator(options: EmulatorOptions = {}): Promise<Emulator> {
  emu = await startEmulator({
    seed: 8,
    firewalls: FIREWALLS,
    capture: { flows: TABLE, durationMs: 40 },
    ...options,
  });
  return emu;
}

const capture = (e: Emulator, ...rest: string[]) => quickCapture(e.endpoint, ...rest);

function ndjson(file: string): Array<Record<string, unknown>> {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Rows per scope: firewall and zone, or firewall and association. */
function perScope(rows: Array<Record<string, unknown>>): Record<string, number> {
  const m: Record<string, number> = {};
  for (const r of rows) {
    const k = `${r.firewall_arn}|${r.vpc_endpoint_association_arn ?? r.availability_zone}`;
    m[k] = (m[k] ?? 0) + 1;
  }
  return m;
}

const status = (file: string) =>
  JSON.parse(readFileSync(file, 'utf8')) as { status: string; flows: number; operations: StatusOp[] };

describe('capture of whole firewalls', () => {
  test('every zone of a firewall given by ARN and one given by name, into one file with provenance', async () => {
    const e = await emulator();
    const file = out('two.ndjson');
    const r = await run(capture(e, '--firewall-arn', FW1, '--firewall-name', 'fleet-two', '--out', file));
    expect(r.code, r.stderr).toBe(0);
    const zones = ['us-east-1a', 'us-east-1b', 'us-east-1c'];
    expect(perScope(ndjson(file))).toEqual(
      Object.fromEntries([FW1, FW2].flatMap((fw) => zones.map((z) => [`${fw}|${z}`, TABLE]))),
    );
    const s = status(`${file}.nfw-status.json`);
    expect(s.status).toBe('COMPLETED');
    expect(s.operations).toHaveLength(6);
    // Each scope its own capture, listed with its id; nothing else was started.
    const ops = e.operations();
    expect(ops).toHaveLength(6);
    expect(new Set(s.operations.map((o) => o.flow_operation_id))).toEqual(
      new Set(ops.map((o) => o.flowOperationId)),
    );
    for (const o of s.operations) {
      const op = ops.find((x) => x.flowOperationId === o.flow_operation_id)!;
      expect([o.firewall_arn, o.availability_zone, o.status]).toEqual([
        op.firewallArn,
        op.availabilityZone,
        'COMPLETED',
      ]);
    }
  });

  test('--vpc-endpoint-associations --partitioned: one partition per association, never the zones', async () => {
    const e = await emulator();
    const dir = out('assoc');
    const r = await run(
      capture(
        e,
        '--firewall-arn',
        FW1,
        '--vpc-endpoint-associations',
        '--partitioned',
        '--format',
        'ndjson',
        '--out',
        dir,
      ),
    );
    expect(r.code, r.stderr).toBe(0);
    const s = status(path.join(dir, '_nfw-status.json'));
    expect(s.operations.map((o) => o.vpc_endpoint_association_arn).sort()).toEqual([ASSOC(1), ASSOC(2)]);
    expect(e.operations().every((o) => o.vpcEndpointAssociationArn !== undefined)).toBe(true);
    for (const o of s.operations) {
      expect(o.availability_zone).toBe('us-east-1a');
      const rows = ndjson(path.join(dir, o.path!));
      expect(rows).toHaveLength(TABLE);
      expect(new Set(rows.map((x) => x.vpc_endpoint_association_arn))).toEqual(
        new Set([o.vpc_endpoint_association_arn]),
      );
    }
  });

  test('--all-firewalls with one zone refused: the others are exported, exit 3, the status file names the failed scope', async () => {
    const e = await emulator();
    e.addOperation({ firewallArn: FW2, availabilityZone: 'us-east-1b', flows: 0, completeAfterMs: Infinity });
    const file = out('fleet.ndjson');
    const r = await run(capture(e, '--all-firewalls', '--out', file));
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toContain('us-east-1b');
    const rows = ndjson(file);
    expect(Object.keys(perScope(rows)).sort()).toEqual(
      [
        `${FW1}|us-east-1a`,
        `${FW1}|us-east-1b`,
        `${FW1}|us-east-1c`,
        `${FW2}|us-east-1a`,
        `${FW2}|us-east-1c`,
      ].sort(),
    );
    const s = status(`${file}.nfw-status.json`);
    expect(s.status).toBe('COMPLETED_WITH_ERRORS');
    expect(s.operations).toHaveLength(6);
    const failed = s.operations.filter((o) => o.status === 'FAILED');
    expect(failed).toEqual([
      expect.objectContaining({
        firewall_arn: FW2,
        availability_zone: 'us-east-1b',
        flow_operation_id: null,
        error: 'NFW_REQUEST_REJECTED',
        flows: 0,
      }),
    ]);
    expect(s.operations.filter((o) => o.status === 'COMPLETED' && o.flow_operation_id !== null)).toHaveLength(
      5,
    );
  });

  test('a firewall that does not exist is a failed scope, not a failed run', async () => {
    const e = await emulator();
    const missing = 'arn:aws:network-firewall:us-east-1:123456789012:firewall/not-there';
    const file = out('missing.ndjson');
    const r = await run(capture(e, '--firewall-arn', FW2, '--firewall-arn', missing, '--out', file));
    expect(r.code, r.stderr).toBe(3);
    expect(ndjson(file)).toHaveLength(3 * TABLE);
    const failed = status(`${file}.nfw-status.json`).operations.filter((o) => o.error !== undefined);
    expect(failed).toEqual([expect.objectContaining({ firewall_arn: missing, error: 'NFW_NOT_FOUND' })]);
  });

  test('SIGKILL, then --resume: scopes already complete are skipped, started operations are read, not restarted', async () => {
    const big = 1200;
    const e = await emulator({ capture: { flows: big, durationMs: 40 }, faults: { latencyMs: 4 } });
    const file = out('killed.csv');
    const args = capture(
      e,
      '--firewall-arn',
      FW1,
      '--firewall-arn',
      FW2,
      '--page-size',
      '40',
      '--concurrency',
      '3',
      '--out',
      file,
    );
    const records = () => {
      try {
        const cp = JSON.parse(readFileSync(path.join(`${file}.nfw-partial`, 'checkpoint.json'), 'utf8'));
        return (cp.jobs as { records: number }[]).reduce((n, j) => n + j.records, 0);
      } catch {
        return 0;
      }
    };
    const killed = await run(args, {
      onSpawn: (child) => {
        const timer = setInterval(() => {
          if (records() >= big * 2) {
            clearInterval(timer);
            child.kill('SIGKILL');
          }
        }, 5);
        child.on('close', () => clearInterval(timer));
      },
      timeoutMs: 60_000,
    });
    expect(killed.signal).toBe('SIGKILL');
    expect(existsSync(file)).toBe(false);
    const startedBefore = e.operations().length;
    expect(startedBefore).toBeGreaterThanOrEqual(3);
    expect(startedBefore).toBeLessThan(6 + 1);
    const resumed = await run([...args, '--resume'], { timeoutMs: 60_000 });
    expect(resumed.code, resumed.stderr).toBe(0);
    // One capture per scope over both runs: the resume started only the scopes never started.
    const ops = e.operations();
    expect(ops).toHaveLength(6);
    const s = status(`${file}.nfw-status.json`);
    expect(s.operations.map((o) => o.status)).toEqual(Array(6).fill('COMPLETED'));
    // Every operation's flows exactly once.
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    const header = lines[0]!.split(',');
    const col = header.indexOf('flow_operation_id');
    const counts: Record<string, number> = {};
    for (const line of lines.slice(1)) {
      const id = line.split(',')[col]!;
      counts[id] = (counts[id] ?? 0) + 1;
    }
    expect(counts).toEqual(Object.fromEntries(ops.map((o) => [o.flowOperationId, o.flowCount])));
    expect(readdirSync(tmp.dir).filter((f) => f.startsWith('killed.csv.nfw-'))).toEqual([
      'killed.csv.nfw-status.json',
    ]);
  });

  test('--out -: every zone streamed through core captureFlows, exit 3 with a zone refused', async () => {
    const e = await emulator();
    e.addOperation({ firewallArn: FW1, availabilityZone: 'us-east-1c', flows: 0, completeAfterMs: Infinity });
    const r = await run(capture(e, '--firewall-arn', FW1, '--out', '-', '--format', 'ndjson'));
    expect(r.code, r.stderr).toBe(3);
    const rows = r.stdout
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(perScope(rows)).toEqual({ [`${FW1}|us-east-1a`]: TABLE, [`${FW1}|us-east-1b`]: TABLE });
    expect(r.stderr).toContain('us-east-1c');
  });

  test('explicit scope flags work as before, and --firewall-name works there too', async () => {
    const e = await emulator();
    const file = out('one-zone.ndjson');
    const r = await run(
      capture(e, '--firewall-name', 'fleet-one', '--availability-zone', 'us-east-1b', '--out', file),
    );
    expect(r.code, r.stderr).toBe(0);
    expect(perScope(ndjson(file))).toEqual({ [`${FW1}|us-east-1b`]: TABLE });
    expect(e.operations().map((o) => [o.firewallArn, o.availabilityZone])).toEqual([[FW1, 'us-east-1b']]);
  });

  test('usage errors: fleet flags with a scope flag, --all-firewalls with an ARN', async () => {
    const e = await emulator();
    const cases: Array<[string, string[]]> = [
      [
        '--vpc-endpoint-associations',
        ['--firewall-arn', FW1, '--availability-zone', 'us-east-1a', '--vpc-endpoint-associations'],
      ],
      ['--all-firewalls', ['--firewall-arn', FW1, '--all-firewalls']],
      ['--firewall-name', ['--firewall-name', 'bad name!']],
    ];
    for (const [flag, argv] of cases) {
      const r = await run(capture(e, ...argv, '--out', out('usage.csv')));
      expect({ flag, code: r.code }).toEqual({ flag, code: 2 });
      expect(r.stderr).toContain(flag);
    }
    expect(e.operations()).toHaveLength(0);
  });
});
