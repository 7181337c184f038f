/**
 * `--input` robustness: the temporary copy of stdin never outlives the process, FIFOs and process
 * substitution, cut-short results, bare Flow records and AWS CLI text output.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  type CaptureFileOptions,
  captureFileText,
  createFlowGenerator,
  type Emulator,
  startEmulator,
} from '@nfw-flows/fixtures';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ARN, assertBuilt, BIN, ENV, run, tempDir } from './helpers.js';

const OP = 'a1b2c3d4-0000-4000-8000-00000000f11e';
let tmp: ReturnType<typeof tempDir>;
let emulator: Emulator;
let fileNo = 0;
const out = (name: string) => path.join(tmp.dir, name);
const statusOf = (file: string) => JSON.parse(readFileSync(`${file}.nfw-status.json`, 'utf8'));
const text = (options: CaptureFileOptions) => [...captureFileText(options)].join('');
function saved(options: CaptureFileOptions, name = `in-${fileNo++}.json`): string {
  const file = out(name);
  writeFileSync(file, text(options));
  return file;
}
/** A TMPDIR of the test's own, so leftovers of this run are seen (and nobody else's). */
function privateTmp(): string {
  const dir = out(`tmpdir-${fileNo++}`);
  mkdirSync(dir);
  return dir;
}

beforeAll(async () => {
  assertBuilt();
  tmp = tempDir();
  emulator = await startEmulator({
    seed: 3,
    operations: [{ firewallArn: ARN, flowOperationId: OP, availabilityZone: 'us-east-1a', flows: 450 }],
  });
});

afterAll(async () => {
  await emulator?.close();
  tmp?.cleanup();
});

describe('the temporary copy of stdin', () => {
  // The AWS CLI's merged output gives its metadata after Flows: piped in, it is copied to TMPDIR.
  const cli = Buffer.from(text({ generator: createFlowGenerator({ count: 30_000, seed: 1 }), shape: 'cli' }));

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    test(`${signal} while stdin is being copied: the copy is removed`, async () => {
      const tmpdir = privateTmp();
      const child = spawn(
        process.execPath,
        [BIN, 'export', '--input', '-', '--out', out(`sig-${signal}.csv`)],
        {
          env: { ...ENV, TMPDIR: tmpdir },
          stdio: ['pipe', 'ignore', 'pipe'],
        },
      );
      // Less than a pipe buffer, so the write completes; stdin stays open: the copy waits for more.
      child.stdin.write(cli.subarray(0, 32 << 10));
      // Wait (no time limit asserted) until the copy exists.
      while (!readdirSync(tmpdir).some((name) => name.startsWith('nfw-flows-'))) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const closed = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
      child.kill(signal);
      const code = await closed;
      expect(code).toBe(signal === 'SIGINT' ? 130 : 143);
      expect(readdirSync(tmpdir)).toEqual([]);
    });
  }

  test('EPIPE on stdout while the copy is read: the copy is removed, exit 141', async () => {
    const tmpdir = privateTmp();
    const child = spawn(
      process.execPath,
      [BIN, 'export', '--input', '-', '--out', '-', '--format', 'ndjson'],
      {
        env: { ...ENV, TMPDIR: tmpdir },
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    child.stdin.end(cli);
    const closed = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    child.stdout.destroy(); // the reader goes away (`| head`)
    expect(await closed).toBe(141);
    expect(readdirSync(tmpdir)).toEqual([]);
  });

  test('a complete run leaves no copy either', async () => {
    const tmpdir = privateTmp();
    const r = await run(['export', '--input', '-', '--out', out('whole.csv')], {
      stdin: cli,
      env: { TMPDIR: tmpdir },
    });
    expect(r.code).toBe(0);
    expect(statusOf(out('whole.csv')).flows).toBe(30_000);
    expect(readdirSync(tmpdir)).toEqual([]);
  });
});

describe('FIFOs and process substitution', () => {
  const generator = createFlowGenerator({ count: 700, seed: 8 });

  test('--input <(cat file) and --input FIFO read the whole capture, metadata after Flows included', async () => {
    const file = saved({ generator, shape: 'cli' });
    const viaProcess = out('process-substitution.csv');
    const r = spawnSync(
      'bash',
      ['-c', `"${process.execPath}" "${BIN}" export --input <(cat "${file}") --out "${viaProcess}"`],
      { env: { ...ENV }, encoding: 'utf8' },
    );
    expect([r.status, r.stderr]).toEqual([0, expect.any(String)]);
    expect(statusOf(viaProcess)).toMatchObject({ complete: true, flows: 700 });

    const fifo = out('input.fifo');
    spawnSync('mkfifo', [fifo]);
    const viaFifo = out('fifo.csv');
    const writer = spawn('bash', ['-c', `cat "${file}" > "${fifo}"`]);
    const written = new Promise((resolve) => writer.on('close', resolve));
    const f = await run(['export', '--input', fifo, '--out', viaFifo]);
    await written;
    expect(f.code).toBe(0);
    expect(readFileSync(viaFifo, 'utf8')).toBe(readFileSync(viaProcess, 'utf8'));
  });

  test('a directory is still a usage error', async () => {
    const r = await run(['export', '--input', tmp.dir, '--out', out('dir.csv')]);
    expect(r.code).toBe(2);
  });
});

describe('saved results that stop before the end', () => {
  const generator = createFlowGenerator({ count: 250, seed: 2 });
  const token = 'eyJOZXh0VG9rZW4iOiAiYWJjIn0=';

  for (const shape of ['cli', 'pages'] as const) {
    test(`${shape} ending with a NextToken: exit 3, the token named, complete: false with next_token`, async () => {
      const file = saved({ generator, shape, pageSize: 100, nextToken: token });
      const target = out(`cut-${shape}.parquet`);
      const r = await run(['export', '--input', file, '--out', target]);
      expect(r.code).toBe(3);
      expect(r.stderr).toContain(`--starting-token ${token}`);
      expect(statusOf(target)).toMatchObject({ complete: false, flows: 250, next_token: token });
    });
  }

  test('top --input of a cut-short file exits 3 too', async () => {
    const file = saved({ generator, shape: 'page', nextToken: token });
    const r = await run(['top', '--input', file, '--json']);
    expect(r.code).toBe(3);
  });

  test('an API export cut by --max-items: exit 3, next_token in the status file, and it resumes exactly', async () => {
    const first = out('max-items.ndjson');
    const api = ['--firewall-arn', ARN, '--flow-operation-id', OP, '--availability-zone', 'us-east-1a'];
    const r = await run([
      'export',
      ...api,
      '--endpoint-url',
      emulator.endpoint,
      '--max-items',
      '130',
      '--page-size',
      '100',
      '--out',
      first,
    ]);
    expect(r.code).toBe(3);
    const status = statusOf(first);
    expect(status).toMatchObject({ complete: false, flows: 130 });
    expect(typeof status.next_token).toBe('string');
    expect(status.operations[0].next_token).toBe(status.next_token);
    const rest = out('rest.ndjson');
    const r2 = await run([
      'export',
      ...api,
      '--endpoint-url',
      emulator.endpoint,
      '--starting-token',
      status.next_token,
      '--out',
      rest,
    ]);
    expect(r2.code).toBe(0);
    expect(statusOf(rest)).toMatchObject({ complete: true, flows: 320, next_token: null });
  });

  test('a complete file: next_token null, complete true', async () => {
    const target = out('whole.ndjson');
    const r = await run(['export', '--input', saved({ generator, shape: 'jsonl' }), '--out', target]);
    expect(r.code).toBe(0);
    expect(statusOf(target)).toMatchObject({ complete: true, next_token: null });
  });
});

describe('bare Flow records and AWS CLI text output', () => {
  const generator = createFlowGenerator({ count: 120, seed: 6 });

  test('--query Flows output with provenance flags fills the columns', async () => {
    const target = out('bare.ndjson');
    const r = await run([
      'export',
      '--input',
      saved({ generator, shape: 'query-flows' }),
      '--firewall-arn',
      ARN,
      '--flow-operation-id',
      OP,
      '--availability-zone',
      'us-east-1a',
      '--out',
      target,
    ]);
    expect(r.code).toBe(0);
    const rows = readFileSync(target, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(rows.length).toBe(120);
    expect(rows[0]).toMatchObject({
      firewall_arn: ARN,
      flow_operation_id: OP,
      availability_zone: 'us-east-1a',
    });
    expect(r.stderr).not.toContain('provenance');
  });

  test("jq -c '.Flows[]' lines without flags: empty provenance and a warning", async () => {
    const target = out('bare-lines.csv');
    const r = await run(['export', '--input', saved({ generator, shape: 'flow-lines' }), '--out', target]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('--firewall-arn and --flow-operation-id');
    expect(readFileSync(target, 'utf8').split('\n')[1]).toMatch(/^"",,,,"",/);
  });

  test('a flag that contradicts the response is refused', async () => {
    const r = await run([
      'export',
      '--input',
      saved({ generator, shape: 'page' }),
      '--flow-operation-id',
      'another',
      '--out',
      out('contradiction.csv'),
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('NFW_INVALID_INPUT');
  });

  test('--output text input: NFW_INVALID_INPUT, exit 1', async () => {
    const file = out('text-output.txt');
    writeFileSync(file, 'FLOWS\t20304\t443\t16\t6\t52842\nDESTINATIONADDRESS\t10.0.0.2\n');
    const r = await run(['export', '--input', file, '--out', out('text.csv')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('NFW_INVALID_INPUT');
    expect(r.stderr).toContain('--output json');
  });
});
