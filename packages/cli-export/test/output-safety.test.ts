/**
 * The CLI never destroys files that are not its own, and keeps its resume state safe: directory targets, --rejects collisions, foreign status files, the output lock,
 * damaged checkpoints, resume with changed flags, terminal-safe stderr. Each test spawns the built CLI,
 * against the emulator on 127.0.0.1, a small hostile server there, or --input files in a temp dir.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  linkSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { type Emulator, startEmulator } from '@nfw-flows/fixtures';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ARN, assertBuilt, run, startJsonServer, tempDir, zoneExport } from './helpers.js';

const OP = '44444444-2222-4333-8444-00000000000a';
const FLOWS = 120;

let emulator: Emulator;
let tmp: ReturnType<typeof tempDir>;
const at = (...names: string[]) => path.join(tmp.dir, ...names);

const flow = (src: string) => ({
  SourceAddress: { AddressDefinition: src },
  DestinationAddress: { AddressDefinition: '10.0.0.2' },
  SourcePort: '443',
  DestinationPort: '50000',
  Protocol: '6',
  Age: 10,
  PacketCount: 2,
  ByteCount: 100,
});
/** A saved response: two good flows and one rejected (ambiguous IPv4). */
const RESPONSE = {
  FirewallArn: ARN,
  FlowOperationId: OP,
  FlowOperationStatus: 'COMPLETED',
  Flows: [flow('10.0.0.1'), flow('010.0.0.1'), flow('10.0.0.3')],
};

const api = (...more: string[]) => [...zoneExport(OP, emulator.endpoint), '--page-size', '10', ...more];

/** A directory's entries, recursively, with file contents: what must survive a refused run. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(dir, { recursive: true }) as string[]) {
    const full = path.join(dir, name);
    const st = statSync(full);
    out[name] = st.isDirectory() ? '<dir>' : st.isFile() ? readFileSync(full, 'utf8') : '<special>';
  }
  return out;
}

let input: string;
beforeAll(async () => {
  assertBuilt();
  emulator = await startEmulator({
    seed: 5,
    operations: [{ firewallArn: ARN, flowOperationId: OP, availabilityZone: 'us-east-1a', flows: FLOWS }],
  });
  tmp = tempDir();
  input = at('in.json');
  writeFileSync(input, JSON.stringify(RESPONSE));
});

afterAll(async () => {
  await emulator?.close();
  tmp?.cleanup();
});

describe('--force never deletes a directory', () => {
  test.each([
    ['.', '--out'],
    ['proj/', '--out'],
    ['proj', '--out'],
    ['proj', '--rejects'],
  ])('%s as %s with --force: exit 2 "is a directory", the directory intact', async (target, flag) => {
    mkdirSync(at('work', 'proj', 'src'), { recursive: true });
    writeFileSync(at('work', 'proj', 'src', 'main.c'), 'int main(void) { return 0; }\n');
    const before = snapshot(at('work'));
    const argv =
      flag === '--out'
        ? ['export', '--input', input, '--out', target, '--format', 'csv', '--force']
        : ['export', '--input', input, '--out', 'x.csv', '--rejects', target, '--force'];
    const r = await run(argv, { cwd: at('work', 'proj', target === '.' ? '' : '..') });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('is a directory');
    expect(snapshot(at('work'))).toEqual(before);
  });

  test('a device or FIFO as --out with --force: exit 2, never renamed away', async () => {
    const { execFileSync } = await import('node:child_process');
    mkdirSync(at('special'));
    const fifo = at('special', 'fifo');
    execFileSync('mkfifo', [fifo]);
    for (const target of ['/dev/null', fifo]) {
      const r = await run(['export', '--input', input, '--out', target, '--format', 'csv', '--force']);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('is not a regular file');
    }
    expect(statSync('/dev/null').isCharacterDevice()).toBe(true);
    expect(statSync(fifo).isFIFO()).toBe(true);
  });

  test('--partitioned --force replaces only a directory of ours', async () => {
    const dir = at('parts');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'notes.txt'), 'mine\n');
    const refused = await run([...api('--partitioned', '--out', dir, '--force')]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('_nfw-status.json');
    expect(readFileSync(path.join(dir, 'notes.txt'), 'utf8')).toBe('mine\n');

    // A file under the name is not a partitioned export either.
    writeFileSync(at('parts-file'), 'precious\n');
    const file = await run([...api('--partitioned', '--out', at('parts-file'), '--force')]);
    expect(file.code).toBe(2);
    expect(readFileSync(at('parts-file'), 'utf8')).toBe('precious\n');

    // Ours (it holds our _nfw-status.json): replaced with --force.
    const first = await run([...api('--partitioned', '--out', at('ours'))]);
    expect(first.code, first.stderr).toBe(0);
    const again = await run([...api('--partitioned', '--out', at('ours'), '--force')]);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(readFileSync(at('ours', '_nfw-status.json'), 'utf8'))).toMatchObject({
      flows: FLOWS,
      complete: true,
    });
  });
});

describe('--rejects on another path of the export is refused at plan time', () => {
  test.each([
    ['the output (./x vs x)', () => ['--out', 'r2.csv', '--rejects', './r2.csv']],
    ["the output's status file", () => ['--out', 'r2.csv', '--rejects', 'r2.csv.nfw-status.json']],
    ['the partial directory', () => ['--out', 'r2.csv', '--rejects', 'r2.csv.nfw-partial/job-0.rejects']],
    ['the input through a symlink', () => ['--out', 'r2.csv', '--rejects', 'in-link.json']],
    ['the input through a hard link', () => ['--out', 'r2.csv', '--rejects', 'in-hard.json']],
  ])('%s: exit 2, nothing written', async (_name, flags) => {
    if (!existsSync(at('in-link.json'))) symlinkSync(input, at('in-link.json'));
    if (!existsSync(at('in-hard.json'))) linkSync(input, at('in-hard.json'));
    const before = snapshot(tmp.dir);
    const r = await run(['export', '--input', input, ...flags(), '--force'], { cwd: tmp.dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^nfw-flows: --rejects /);
    expect(snapshot(tmp.dir)).toEqual(before);
  });

  test('with --resume of an API export, the status file is never overwritten by reject lines', async () => {
    const out = at('r2-api.ndjson');
    const r = await run(api('--out', out, '--resume', '--rejects', `${out}.nfw-status.json`));
    expect(r.code).toBe(2);
    expect(existsSync(out)).toBe(false);
  });
});

describe('a status file that is not ours is kept without --force', () => {
  test('foreign <out>.nfw-status.json: exit 2 and kept; --force replaces it', async () => {
    const out = at('s3.csv');
    writeFileSync(`${out}.nfw-status.json`, '{"owner":"someone else"}\n');
    const r = await run(['export', '--input', input, '--out', out]);
    expect(r.code).toBe(2);
    expect(readFileSync(`${out}.nfw-status.json`, 'utf8')).toBe('{"owner":"someone else"}\n');
    expect(existsSync(out)).toBe(false);
    const forced = await run(['export', '--input', input, '--out', out, '--force']);
    expect(forced.code, forced.stderr).toBe(3);
    expect(JSON.parse(readFileSync(`${out}.nfw-status.json`, 'utf8'))).toMatchObject({
      flows: 2,
      rejected: 1,
    });
  });

  test('a stale status file of ours (its data removed) is replaced without --force', async () => {
    const out = at('s3b.csv');
    expect((await run(['export', '--input', input, '--out', out])).code).toBe(3);
    const { rmSync } = await import('node:fs');
    rmSync(out);
    const again = await run(['export', '--input', input, '--out', out]);
    expect(again.code, again.stderr).toBe(3);
  });
});

/** A process that stays alive until killed: a live pid that is not an nfw-flows run of ours. */
/**
 * Whether a run has written its lock: the file is created empty and its holder written next, so a test
 * that acts on the file's mere existence can race that write (and lose its own content to it).
 */
function lockWritten(file: string): boolean {
  try {
    return typeof JSON.parse(readFileSync(file, 'utf8')).nonce === 'string';
  } catch {
    return false;
  }
}

function liveProcess(): ChildProcess {
  return spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
}

describe('one run per output; damaged resume state is a coded error', () => {
  test('a live lock holder keeps a second run out (exit 2, names the pid); a stale lock is taken over', async () => {
    const out = at('l4.ndjson');
    const holder = liveProcess();
    try {
      writeFileSync(at('.l4.ndjson.nfw-lock'), JSON.stringify({ pid: holder.pid, nonce: 'x' }));
      const r = await run(api('--out', out));
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`is being written by another nfw-flows run (pid ${holder.pid})`);
      expect(existsSync(out)).toBe(false);
      expect(existsSync(`${out}.nfw-partial`)).toBe(false);
    } finally {
      holder.kill('SIGKILL');
      await new Promise((resolve) => holder.once('exit', resolve));
    }
    // The holder is gone: its lock is stale and taken over; released at the end.
    const r = await run(api('--out', out));
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(out, 'utf8').trimEnd().split('\n')).toHaveLength(FLOWS);
    expect(existsSync(at('.l4.ndjson.nfw-lock'))).toBe(false);
  });

  test('two concurrent runs on one --out: the second exits 2, the first writes exact data', async () => {
    const out = at('l4c.ndjson');
    const reference = at('l4c-reference.ndjson');
    expect((await run(api('--out', reference))).code).toBe(0);
    emulator.setFaults({ latencyMs: 150 });
    try {
      let first: ChildProcess | undefined;
      const firstDone = run(api('--out', out), { onSpawn: (c) => (first = c) });
      // The second starts once the first holds the lock (it is taken before the first request).
      while (!lockWritten(at('.l4c.ndjson.nfw-lock')) && first?.exitCode === null)
        await new Promise((resolve) => setTimeout(resolve, 10));
      const second = await run(api('--out', out, '--resume'));
      expect(second.code).toBe(2);
      expect(second.stderr).toContain('is being written by another nfw-flows run');
      const a = await firstDone;
      expect(a.code, a.stderr).toBe(0);
    } finally {
      emulator.setFaults();
    }
    expect(readFileSync(out, 'utf8')).toBe(readFileSync(reference, 'utf8'));
  });

  test('a lock taken over while the export runs: nothing is published (exit 2), the partial kept', async () => {
    const out = at('l4t.ndjson');
    const lock = at('.l4t.ndjson.nfw-lock');
    const other = liveProcess();
    // 12 pages of 400 ms: time for this test to swap the lock even when the machine is loaded.
    emulator.setFaults({ latencyMs: 400 });
    try {
      let child: ChildProcess | undefined;
      const done = run(api('--out', out), { onSpawn: (c) => (child = c) });
      while (!lockWritten(lock) && child?.exitCode === null)
        await new Promise((resolve) => setTimeout(resolve, 10));
      // Someone removed the lock by hand and another run took it.
      writeFileSync(lock, JSON.stringify({ pid: other.pid, nonce: 'other' }));
      const r = await done;
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`is being written by another nfw-flows run (pid ${other.pid})`);
      expect(existsSync(out)).toBe(false);
      expect(existsSync(`${out}.nfw-partial`)).toBe(true);
      // The other run's lock is left alone.
      expect(JSON.parse(readFileSync(lock, 'utf8')).nonce).toBe('other');
    } finally {
      emulator.setFaults();
      other.kill('SIGKILL');
      await new Promise((resolve) => other.once('exit', resolve));
    }
  });

  /** A partial export of `name` killed with every page spooled (the checkpoint and spools exist). */
  async function killedPartial(name: string): Promise<{ out: string; partial: string; argv: string[] }> {
    const out = at(name);
    const argv = api('--out', out);
    const killed = await run(argv, { env: { NFW_FLOWS_TEST_CRASH_AT: 'before-commit' } });
    expect(killed.signal).toBe('SIGKILL');
    return { out, partial: `${out}.nfw-partial`, argv };
  }

  test.each([
    ['unparseable', '{"version":2,"identity":{"comm'],
    ['wrong shape', '{"version":2,"identity":{},"jobs":7}'],
    ['not an object', '[1,2,3]'],
  ])(
    'a %s checkpoint: NFW_CHECKPOINT_INVALID naming the file and --force, the partial kept',
    async (kind, text) => {
      const { partial, argv } = await killedPartial(`d4-${kind.replace(/ /g, '-')}.ndjson`);
      writeFileSync(path.join(partial, 'checkpoint.json'), text);
      const r = await run([...argv, '--resume']);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('NFW_CHECKPOINT_INVALID');
      expect(r.stderr).toContain(path.join(partial, 'checkpoint.json'));
      expect(r.stderr).toContain('--force');
      expect(r.stderr).not.toContain('SyntaxError');
      expect(existsSync(path.join(partial, 'checkpoint.json'))).toBe(true);
      // --force discards it and starts over.
      const forced = await run([...argv, '--force']);
      expect(forced.code, forced.stderr).toBe(0);
    },
  );

  test('a checkpoint claiming more spool bytes than the spool has is damaged; the spool is not grown', async () => {
    const { partial, argv } = await killedPartial('d4-spool.ndjson');
    const file = path.join(partial, 'checkpoint.json');
    const cp = JSON.parse(readFileSync(file, 'utf8'));
    cp.jobs[0].spoolBytes = 1 << 30;
    writeFileSync(file, JSON.stringify(cp));
    const size = statSync(path.join(partial, 'job-0.spool')).size;
    const r = await run([...argv, '--resume']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('NFW_CHECKPOINT_INVALID');
    expect(r.stderr).toContain(path.join(partial, 'job-0.spool'));
    expect(statSync(path.join(partial, 'job-0.spool')).size).toBe(size);
  });

  test('--resume refuses a partial directory writable by others, or owned by another user', async () => {
    const { partial, argv } = await killedPartial('o4.ndjson');
    chmodSync(partial, 0o777);
    const open = await run([...argv, '--resume']);
    expect(open.code).toBe(2);
    expect(open.stderr).toContain('is writable by other users');
    chmodSync(partial, 0o700);
    if (process.getuid?.() === 0) {
      chownSync(partial, 4242, 4242);
      const foreign = await run([...argv, '--resume']);
      expect(foreign.code).toBe(2);
      expect(foreign.stderr).toContain('is owned by uid 4242');
      chownSync(partial, 0, 0);
    } else {
      console.log('skipped the foreign-owner case: chown needs root');
    }
    const resumed = await run([...argv, '--resume']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(readFileSync(at('o4.ndjson'), 'utf8').trimEnd().split('\n')).toHaveLength(FLOWS);
  });
});

describe('--resume refuses flags that change the data', () => {
  test.each([
    ['--strict', ['--strict'], '--strict'],
    ['--starting-token', ['--starting-token', 'tok-1'], '--starting-token'],
    ['--endpoint-url', ['--endpoint-url', 'http://127.0.0.1:9'], '--endpoint-url'],
    ['--format', ['--format', 'csv'], '--format'],
    ['--top', ['--top', '5'], '--group-by/--top'],
  ])('%s differing from the checkpoint: exit 2 naming the flag', async (name, extra, flag) => {
    const out = at(`i18-${name.replace(/-/g, '')}.ndjson`);
    const argv = api('--out', out);
    const killed = await run(argv, { env: { NFW_FLOWS_TEST_CRASH_AT: 'before-commit' } });
    expect(killed.signal).toBe('SIGKILL');
    // The later flag wins over api()'s --endpoint-url.
    const r = await run([...argv, ...extra, '--resume']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`--resume: ${flag} is `);
    expect(r.stderr).toContain('but the interrupted export');
    // The same command resumes.
    const same = await run([...argv, '--resume']);
    expect(same.code, same.stderr).toBe(0);
  });

  test('the checkpoint records the endpoint without credentials', async () => {
    const out = at('i18-cred.ndjson');
    const endpoint = emulator.endpoint.replace('http://', 'http://user:s3cr3t@');
    const argv = [...api('--out', out), '--endpoint-url', endpoint];
    const killed = await run(argv, { env: { NFW_FLOWS_TEST_CRASH_AT: 'before-commit' } });
    expect(killed.signal).toBe('SIGKILL');
    const text = readFileSync(path.join(`${out}.nfw-partial`, 'checkpoint.json'), 'utf8');
    expect(text).not.toContain('s3cr3t');
    expect(JSON.parse(text).identity.endpoint).toBe(`${emulator.endpoint}/`);
  });
});

describe('exact errors', () => {
  test('an empty AWS_REGION or --region "" is a usage error', async () => {
    const env = await run(api('--out', at('e15.ndjson')), { env: { AWS_REGION: '' } });
    expect(env.code).toBe(2);
    expect(env.stderr).toContain('AWS_REGION');
    const flag = await run([...api('--out', at('e15.ndjson')), '--region', '']);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain('--region');
  });
});

describe('text from outside is escaped and redacted on stderr', () => {
  test('a crafted StatusMessage cannot forge a line or send escape sequences', async () => {
    const file = at('t14.json');
    writeFileSync(
      file,
      JSON.stringify({
        ...RESPONSE,
        FlowOperationStatus: 'COMPLETED_WITH_ERRORS',
        StatusMessage: 'partial\u001b]0;pwned\u0007\nnfw-flows: wrote /etc/passwd: 0 flows\u202e',
      }),
    );
    const r = await run(['export', '--input', file, '--out', at('t14.csv')]);
    expect(r.code).toBe(3);
    // eslint-disable-next-line no-control-regex
    expect(r.stderr).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f\u202e]/);
    expect(r.stderr.split('\n').filter((l) => l.startsWith('nfw-flows: wrote'))).toHaveLength(1);
    expect(r.stderr).toContain('\\x1b]0;pwned\\x07\\nnfw-flows: wrote /etc/passwd');
  });

  test('service error messages: credentials redacted, controls escaped', async () => {
    const secret = 'FwoGZXIvYXdzEBaaSECRETSESSIONTOKEN';
    const server = await startJsonServer(() => ({
      status: 400,
      errorType: 'AccessDeniedException',
      body: {
        __type: 'AccessDeniedException',
        message: `denied: Credential=AKIAIOSFODNN7EXAMPLE/20261204/us-east-1/network-firewall/aws4_request, Signature=0123abcd X-Amz-Security-Token=${secret} aws_secret_access_key = wJalrXUtnFEMI\u001b[2J`,
      },
    }));
    try {
      const r = await run([...api('--out', at('t14b.ndjson')), '--endpoint-url', server.endpoint]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('denied');
      for (const leaked of ['AKIAIOSFODNN7EXAMPLE', '0123abcd', secret, 'wJalrXUtnFEMI', '\u001b'])
        expect(r.stderr).not.toContain(leaked);
      expect(r.stderr).toContain('[redacted]');
    } finally {
      await server.close();
    }
  });
});

describe('a full disk at the first checkpoint', () => {
  test('names the checkpoint path, exit 1, and leaves no partial directory', async () => {
    const { execFileSync } = await import('node:child_process');
    const { rmSync } = await import('node:fs');
    const dir = at('full');
    mkdirSync(dir);
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir], { stdio: 'ignore' });
    } catch {
      console.log('skipped: mount -t tmpfs is not allowed here (needs root)');
      return;
    }
    try {
      // One page (4 KiB) left: the lock file fits, the checkpoint does not.
      writeFileSync(path.join(dir, 'fill'), Buffer.alloc(60 << 10));
      const out = path.join(dir, 'x.ndjson');
      const r = await run(api('--out', out));
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`cannot write ${out}.nfw-partial/checkpoint.json: ENOSPC`);
      expect(readdirSync(dir)).toEqual(['fill']);
      // No room even for the lock: the output is named, and no empty lock is left behind.
      writeFileSync(path.join(dir, 'fill'), Buffer.alloc(64 << 10));
      const none = await run(api('--out', out));
      expect(none.code).toBe(1);
      expect(none.stderr).toContain(`cannot write ${out}: ENOSPC`);
      expect(readdirSync(dir)).toEqual(['fill']);
    } finally {
      execFileSync('umount', [dir], { stdio: 'ignore' });
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('an operation id too long for a file name', () => {
  test('--partitioned refuses it before spooling (exit 2, no partial); a file export takes it', async () => {
    const longId = `op-${'x'.repeat(300)}`;
    const server = await startJsonServer((operation) => ({
      body:
        operation === 'ListFlowOperations'
          ? {
              FirewallArn: ARN,
              FlowOperations: [
                {
                  FlowOperationId: longId,
                  FlowOperationType: 'FLOW_CAPTURE',
                  FlowRequestTimestamp: 1767225600,
                  FlowOperationStatus: 'COMPLETED',
                },
              ],
            }
          : {
              FirewallArn: ARN,
              AvailabilityZone: 'us-east-1a',
              FlowOperationId: longId,
              FlowOperationStatus: 'COMPLETED',
              FlowRequestTimestamp: 1767225600,
              Flows: [flow('10.0.0.1')],
            },
    }));
    try {
      const argv = (...more: string[]) => [
        'export',
        '--firewall-arn',
        ARN,
        '--all-operations',
        '--availability-zone',
        'us-east-1a',
        '--endpoint-url',
        server.endpoint,
        ...more,
      ];
      const parts = at('long-id-parts');
      const r = await run(argv('--partitioned', '--out', parts));
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain('--partitioned');
      expect(existsSync(`${parts}.nfw-partial`)).toBe(false);
      expect(server.calls).not.toContain('ListFlowOperationResults');
      const file = at('long-id.ndjson');
      const ok = await run(argv('--out', file));
      expect(ok.code, ok.stderr).toBe(0);
      expect(JSON.parse(readFileSync(file, 'utf8')).flow_operation_id).toBe(longId);
    } finally {
      await server.close();
    }
  });
});

describe('the operations table', () => {
  test("the service's strings are printed with their control characters escaped", async () => {
    const server = await startJsonServer(() => ({
      body: {
        FirewallArn: ARN,
        FlowOperations: [
          {
            FlowOperationId: 'op\u001b[2J\u001b]0;pwned\u0007',
            FlowOperationType: 'FLOW_CAPTURE',
            FlowRequestTimestamp: 1767225600,
            FlowOperationStatus: 'COMPLETED\nnfw-flows: wrote x',
          },
        ],
      },
    }));
    try {
      const r = await run(['operations', '--firewall-arn', ARN, '--endpoint-url', server.endpoint]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain('op\\x1b[2J\\x1b]0;pwned\\x07');
      expect(r.stdout).toContain('COMPLETED\\nnfw-flows: wrote x');
      expect(r.stdout).not.toContain('\u001b');
    } finally {
      await server.close();
    }
  });
});
