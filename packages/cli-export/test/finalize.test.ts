/**
 * Crash safety of the export's finalization and the output-file fixes of RELIABILITY.md (F2-F6): a
 * SIGKILL at every named finalization step (NFW_FLOWS_TEST_CRASH_AT, see src/output/crash-point.ts)
 * leaves either nothing under the final name or the complete data, and the next --resume succeeds
 * with the recorded outcome; stale temporaries are swept; temporaries are private; EPIPE exits 141.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createFlowGenerator, type Emulator, type RawFlow, startEmulator } from '@nfw-flows/fixtures';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ARN, assertBuilt, BIN, ENV, run, tempDir } from './helpers.js';

const OP = '33333333-2222-4333-8444-00000000000a';
const OP_BAD = '33333333-2222-4333-8444-0000000000bd';
const FLOWS = 250;
const badFlows: RawFlow[] = [
  ...createFlowGenerator({ seed: 7, count: 30 }).flows(),
  {
    SourceAddress: { AddressDefinition: '010.0.0.1' },
    DestinationAddress: { AddressDefinition: '10.0.0.2' },
  },
];

let emulator: Emulator;
let tmp: ReturnType<typeof tempDir>;
let clean: string;
let cleanBad: string;
let cleanRejects: string;
const out = (name: string) => path.join(tmp.dir, name);
const args = (op = OP) => [
  'export',
  '--firewall-arn',
  ARN,
  '--flow-operation-id',
  op,
  '--availability-zone',
  'us-east-1a',
  '--endpoint-url',
  emulator.endpoint,
  '--page-size',
  '50',
];
/** Everything in the test directory that belongs to `name` (data, status, partial, temporaries). */
const related = (name: string) =>
  readdirSync(tmp.dir)
    .filter((f) => f.startsWith(name) || f.startsWith(`.${name}`))
    .sort();

beforeAll(async () => {
  assertBuilt();
  emulator = await startEmulator({
    seed: 3,
    operations: [
      { firewallArn: ARN, flowOperationId: OP, availabilityZone: 'us-east-1a', flows: FLOWS },
      { firewallArn: ARN, flowOperationId: OP_BAD, availabilityZone: 'us-east-1a', flows: badFlows },
    ],
  });
  tmp = tempDir();
  const a = await run([...args(), '--out', out('clean.ndjson')]);
  const b = await run([
    ...args(OP_BAD),
    '--out',
    out('clean-bad.ndjson'),
    '--rejects',
    out('clean-rej.ndjson'),
  ]);
  expect([a.code, b.code]).toEqual([0, 3]);
  clean = readFileSync(out('clean.ndjson'), 'utf8');
  cleanBad = readFileSync(out('clean-bad.ndjson'), 'utf8');
  cleanRejects = readFileSync(out('clean-rej.ndjson'), 'utf8');
});

afterAll(async () => {
  await emulator?.close();
  tmp?.cleanup();
});

const STEPS = [
  'before-commit',
  'after-data',
  'after-status',
  'after-rejects',
  'after-partial-rename',
  'after-cleanup',
] as const;

describe('a SIGKILL at each finalization step, then --resume', () => {
  test.each(STEPS)(
    '%s: the final name holds nothing or the complete data; --resume recovers',
    async (step) => {
      const name = `crash-${step}.ndjson`;
      const rejects = out(`crash-${step}.rejects`);
      const argv = [...args(OP_BAD), '--out', out(name), '--rejects', rejects];
      const killed = await run(argv, { env: { NFW_FLOWS_TEST_CRASH_AT: step } });
      expect(killed.signal).toBe('SIGKILL');
      const data = existsSync(out(name));
      // Before the commit point nothing is under the final names; from it on, the complete data.
      expect(data).toBe(step !== 'before-commit');
      if (data) expect(readFileSync(out(name), 'utf8')).toBe(cleanBad);
      else expect(existsSync(`${out(name)}.nfw-status.json`)).toBe(false);
      if (existsSync(rejects)) expect(readFileSync(rejects, 'utf8')).toBe(cleanRejects);

      const resumed = await run([...argv, '--resume']);
      expect(resumed.code, resumed.stderr).toBe(3);
      expect(readFileSync(out(name), 'utf8')).toBe(cleanBad);
      expect(readFileSync(rejects, 'utf8')).toBe(cleanRejects);
      expect(JSON.parse(readFileSync(`${out(name)}.nfw-status.json`, 'utf8'))).toMatchObject({
        complete: false,
        status: 'COMPLETED',
        flows: 30,
        rejected: 1,
        bytes: Buffer.byteLength(cleanBad),
      });
      // No partial directory and no temporary left (those of the killed run are swept).
      expect(related(`crash-${step}`)).toEqual([
        `crash-${step}.ndjson`,
        `crash-${step}.ndjson.nfw-status.json`,
        `crash-${step}.rejects`,
      ]);
    },
  );

  test('a plain re-run after a kill past the commit point points at --resume (exit 2)', async () => {
    const argv = [...args(), '--out', out('rerun.ndjson')];
    const killed = await run(argv, { env: { NFW_FLOWS_TEST_CRASH_AT: 'after-data' } });
    expect(killed.signal).toBe('SIGKILL');
    const again = await run(argv);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('--resume');
    const resumed = await run([...argv, '--resume']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(readFileSync(out('rerun.ndjson'), 'utf8')).toBe(clean);
  });

  test('--resume does not adopt a file it did not write', async () => {
    const argv = [...args(), '--out', out('foreign.ndjson')];
    // Killed with everything staged; then someone else puts a different file under the name.
    const killed = await run(argv, { env: { NFW_FLOWS_TEST_CRASH_AT: 'before-commit' } });
    expect(killed.signal).toBe('SIGKILL');
    writeFileSync(out('foreign.ndjson'), 'not ours\n');
    const resumed = await run([...argv, '--resume']);
    expect(resumed.code).toBe(2);
    expect(readFileSync(out('foreign.ndjson'), 'utf8')).toBe('not ours\n');
    // Nor a finished file of another export without a partial directory.
    writeFileSync(out('other.ndjson'), clean);
    const other = await run([...args(), '--out', out('other.ndjson'), '--resume']);
    expect(other.code).toBe(2);
  });

  test('a partial directory without a checkpoint (kill before the first page) starts over', async () => {
    const file = out('empty-partial.ndjson');
    mkdirSync(`${file}.nfw-partial`, { mode: 0o700 });
    writeFileSync(path.join(`${file}.nfw-partial`, 'checkpoint.json.tmp'), '{"trunc');
    const r = await run([...args(), '--out', file, '--resume']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('starting from the beginning');
    expect(readFileSync(file, 'utf8')).toBe(clean);
    expect(existsSync(`${file}.nfw-partial`)).toBe(false);
  });
});

describe('output files', () => {
  test('stale temporaries of dead processes are swept, those of live ones kept', async () => {
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    const name = 'sweep.ndjson';
    const stale = [
      `.${name}.nfw-tmp-${dead}-0a1b2c3d`,
      `.${name}.nfw-status.json.nfw-tmp-${dead}-0a1b2c3e`,
      `.${name}.nfw-partial.nfw-tmp-${dead}-0a1b2c3f`,
    ];
    const live = `.${name}.nfw-tmp-${process.pid}-0a1b2c40`;
    const unrelated = `.other.ndjson.nfw-tmp-${dead}-0a1b2c41`;
    for (const f of [stale[0]!, stale[1]!, live, unrelated]) writeFileSync(out(f), 'x');
    mkdirSync(out(stale[2]!));
    writeFileSync(path.join(out(stale[2]!), 'job-0.spool'), 'x');
    const r = await run([...args(), '--out', out(name)]);
    expect(r.code, r.stderr).toBe(0);
    for (const f of stale) expect(existsSync(out(f)), f).toBe(false);
    expect(existsSync(out(live))).toBe(true);
    expect(existsSync(out(unrelated))).toBe(true);
  });

  test('the temporary is 0600 while written; the output gets 0666 & ~umask at the commit', async () => {
    const name = 'modes.ndjson';
    const killed = await run([...args(), '--out', out(name)], {
      env: { NFW_FLOWS_TEST_CRASH_AT: 'after-open' },
    });
    expect(killed.signal).toBe('SIGKILL');
    const temps = readdirSync(tmp.dir).filter((f) => f.startsWith(`.${name}.nfw-tmp-`));
    expect(temps).toHaveLength(1);
    expect(statSync(out(temps[0]!)).mode & 0o777).toBe(0o600);
    const umask = process.umask();
    const resumed = await run([...args(), '--out', out(name), '--resume']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(statSync(out(name)).mode & 0o777).toBe(0o666 & ~umask);
    expect(statSync(`${out(name)}.nfw-status.json`).mode & 0o777).toBe(0o666 & ~umask);
    expect(related(name)).toEqual([name, `${name}.nfw-status.json`]);
  });
});

describe('stdout and disk-full errors', () => {
  test('`--out - | head`: exit 141 (128 + SIGPIPE), nothing on stderr', async () => {
    const r = await run([...args(), '--out', '-', '--format', 'ndjson', '--quiet'], {
      onSpawn: (child) => child.stdout!.once('data', () => child.stdout!.destroy()),
    });
    expect(r.code).toBe(141);
    expect(r.stderr).toBe('');
  });

  test('stdout on a full device: one line naming stdout and ENOSPC, exit 1', async () => {
    // Asynchronous: the emulator answers from this process.
    const r = await new Promise<{ status: number | null; stderr: string }>((resolve, reject) => {
      const child = spawn(
        'sh',
        [
          '-c',
          `"${process.execPath}" "${BIN}" "$@" > /dev/full`,
          'sh',
          ...args(),
          '--out',
          '-',
          '--format',
          'ndjson',
        ],
        { env: ENV as NodeJS.ProcessEnv, stdio: ['ignore', 'ignore', 'pipe'] },
      );
      let stderr = '';
      child.stderr!.on('data', (d: Buffer) => {
        stderr += d.toString('utf8');
      });
      child.on('error', reject);
      child.on('close', (status) => resolve({ status, stderr }));
    });
    expect(r.status).toBe(1);
    expect(r.stderr.trimEnd().split('\n').at(-1)).toBe(
      'nfw-flows: cannot write stdout: ENOSPC: no space left on device',
    );
  });
});
