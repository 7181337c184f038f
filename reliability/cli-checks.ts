/**
 * CLI-level checks beyond the fault matrix: malformed and out-of-range flag values (exit 2, one line
 * naming the flag), output faults (disk full, read-only target, vanished directory, EPIPE on stdout:
 * non-zero exit, nothing under the final name, no temporary left), and credential hygiene (distinctive
 * fake secrets never appear in any output or file).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { captureFileText, createFlowGenerator, startEmulator } from '../packages/fixtures/src/index.js';
import { secretLeaks } from './campaign.js';
import { type CliRun, runCli } from './cli-runner.js';

/** A lasting outage fails after a short stall budget (the default rides out 5 minutes of faults). */
const GIVE_UP_FAST = ['--stall-timeout', '300ms', '--retry-base-delay', '1ms', '--retry-max-delay', '10ms'];

export interface CheckResult {
  name: string;
  ok: boolean;
  detail: string;
}

export function writeInput(dir: string, flows: number, seed = 1): string {
  const file = path.join(dir, 'input.json');
  const generator = createFlowGenerator({ seed, count: flows });
  writeFileSync(file, [...captureFileText({ generator, shape: 'page' })].join(''));
  return file;
}

/** Flag values that must be refused as usage errors: [flag, value]. */
export const BAD_FLAGS: readonly [string, string][] = [
  ['--page-size', '0'],
  ['--page-size', '101'],
  ['--page-size', '-1'],
  ['--page-size', 'ten'],
  ['--page-size', '1.5'],
  ['--page-size', '0x10'],
  ['--page-size', ''],
  ['--max-items', '0'],
  ['--max-items', '-5'],
  ['--max-items', 'lots'],
  ['--max-items', '1e3'],
  ['--max-items', '99999999999999999999'],
  ['--format', 'xml'],
  ['--format', ''],
  ['--wait-timeout', 'soon'],
  ['--wait-timeout', '-1'],
  ['--wait-timeout', '10 m'],
  ['--concurrency', '0'],
  ['--concurrency', 'many'],
  ['--concurrency', '-2'],
  ['--compression', 'rar'],
  ['--top', 'x'],
  ['--by', 'weight'],
  ['--key', 'nonsense'],
  ['--mask', '33'],
  ['--mask', 'x'],
  ['--mask', '-1'],
  ['--group-by', 'bogus'],
  ['--starting-token', ''],
  ['--poll-interval', 'often'],
  ['--endpoint-url', 'not a url'],
];

/** Flags that only apply to API reads: checked with API arguments (--input refuses them outright). */
const API_ONLY = new Set([
  '--page-size',
  '--max-items',
  '--wait-timeout',
  '--starting-token',
  '--poll-interval',
  '--endpoint-url',
]);

/** Runs `export --input <valid> --out <dir>/out.ndjson <flag> <value>` and judges the refusal. */
export async function badFlagChecks(cliPath: string, workDir: string): Promise<CheckResult[]> {
  const dir = mkdtempSync(path.join(workDir, 'flags-'));
  const input = writeInput(dir, 20);
  const results: CheckResult[] = [];
  try {
    for (const [flag, value] of BAD_FLAGS) {
      const out = path.join(dir, 'out.ndjson');
      const source = API_ONLY.has(flag)
        ? [
            '--firewall-arn',
            'arn:aws:network-firewall:us-east-1:123456789012:firewall/rel',
            '--flow-operation-id',
            '00000000-0000-4000-8000-000000000000',
            '--availability-zone',
            'us-east-1a',
            ...(flag === '--endpoint-url' ? [] : ['--endpoint-url', 'http://127.0.0.1:9']),
          ]
        : ['--input', input];
      const args = ['export', ...source, '--out', out, flag, value];
      if (flag === '--by' || flag === '--key') args.push('--top', '5');
      const run = await runCli(cliPath, args, { cwd: dir });
      const lines = run.stderr
        .trim()
        .split('\n')
        .filter((l) => l.trim() !== '');
      const problems: string[] = [];
      if (run.exitCode !== 2) problems.push(`exit ${run.exitCode}`);
      if (lines.length !== 1) problems.push(`${lines.length} stderr lines`);
      if (!run.stderr.includes(flag)) problems.push('flag not named');
      if (existsSync(out)) problems.push('output written');
      rmSync(out, { force: true });
      results.push({
        name: `${flag} ${JSON.stringify(value)}`,
        ok: problems.length === 0,
        detail:
          problems.length === 0 ? lines[0]! : `${problems.join(', ')}: ${lines.join(' / ').slice(0, 300)}`,
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return results;
}

function judgeFailure(
  name: string,
  run: CliRun,
  dir: string,
  finalName: string,
  cause?: RegExp,
): CheckResult {
  const problems: string[] = [];
  const allowed: string[] = [];
  if (run.exitCode === 0 || run.exitCode === null) problems.push(`exit ${run.exitCode}`);
  const lastLine = run.stderr.trim().split('\n').at(-1) ?? '';
  if (!lastLine.startsWith('nfw-flows')) problems.push('no nfw-flows error line');
  if (cause !== undefined && !cause.test(lastLine))
    problems.push(`the error line does not name the cause (${cause.source})`);
  if (existsSync(path.join(dir, finalName))) problems.push('a file under the final name');
  const left = existsSync(dir) ? readdirSync(dir).filter((f) => f !== finalName && !allowed.includes(f)) : [];
  const temps = left.filter((f) => f.includes('nfw-tmp'));
  if (temps.length > 0) problems.push(`temporaries left: ${temps.join(', ')}`);
  return {
    name,
    ok: problems.length === 0,
    detail: `exit ${run.exitCode}: ${lastLine.slice(0, 200)}${problems.length > 0 ? ` [${problems.join('; ')}]` : ''}`,
  };
}

/** The real cause with the user's path, never a follow-up error such as EBADF (finding F3, fixed). */
const DISK_FULL = /^nfw-flows: cannot write \S+: ENOSPC: no space left on device$/;

function tryMount(dir: string, options: string): boolean {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function unmount(dir: string): void {
  try {
    execFileSync('umount', [dir], { stdio: 'ignore' });
  } catch {
    // not mounted
  }
}

/** Output faults of the CLI. Mount-based cases report "not run" where tmpfs cannot be mounted. */
export async function outputFaultChecks(cliPath: string, workDir: string): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const base = mkdtempSync(path.join(workDir, 'outfault-'));
  const input = writeInput(base, 20_000);
  try {
    // Disk full: a 1 MiB tmpfs, a ~12 MB NDJSON export.
    const full = path.join(base, 'full');
    mkdirSync(full);
    if (tryMount(full, 'size=1m')) {
      try {
        const run = await runCli(cliPath, [
          'export',
          '--input',
          input,
          '--out',
          path.join(full, 'flows.ndjson'),
        ]);
        results.push(judgeFailure('disk full (1 MiB tmpfs), ndjson', run, full, 'flows.ndjson', DISK_FULL));
        const run2 = await runCli(cliPath, [
          'export',
          '--input',
          input,
          '--out',
          path.join(full, 'flows.arrow'),
        ]);
        results.push(judgeFailure('disk full (1 MiB tmpfs), arrow', run2, full, 'flows.arrow', DISK_FULL));
      } finally {
        unmount(full);
      }
    } else results.push({ name: 'disk full (tmpfs)', ok: true, detail: 'not run: mount -t tmpfs refused' });
    // Read-only target directory (a read-only tmpfs: root ignores mode bits).
    const ro = path.join(base, 'ro');
    mkdirSync(ro);
    if (tryMount(ro, 'ro,size=1m')) {
      try {
        const run = await runCli(cliPath, [
          'export',
          '--input',
          input,
          '--out',
          path.join(ro, 'flows.arrow'),
        ]);
        results.push(judgeFailure('read-only target directory', run, ro, 'flows.arrow'));
      } finally {
        unmount(ro);
      }
    } else results.push({ name: 'read-only target', ok: true, detail: 'not run: mount refused' });
    // Output directory missing from the start.
    const missing = path.join(base, 'missing');
    const run = await runCli(cliPath, [
      'export',
      '--input',
      input,
      '--out',
      path.join(missing, 'flows.ndjson'),
    ]);
    results.push(judgeFailure('output directory does not exist', run, base, 'missing'));
    // Output directory vanishing mid-export (API source with latency, so the export is in flight).
    results.push(await vanishingDirectory(cliPath, base));
    // EPIPE: the reader of stdout goes away after 64 KiB.
    const pipe = await runCli(cliPath, ['export', '--input', input, '--out', '-', '--format', 'ndjson'], {
      closeStdoutAfter: 64 << 10,
    });
    // Quiet like coreutils under `| head`, yet not a success: 141 = 128 + SIGPIPE (finding F2, fixed).
    const last = pipe.stderr.trim().split('\n').at(-1) ?? '';
    const noisy = /EPIPE|Error|error|\n\s+at /.test(pipe.stderr);
    results.push({
      name: 'EPIPE on stdout (reader closed after 64 KiB)',
      ok: pipe.exitCode === 141 && !noisy && pipe.ms < 30_000,
      detail: `exit ${pipe.exitCode} after ${pipe.ms} ms${noisy ? ` [stderr: ${last.slice(0, 200)}]` : ', stderr quiet'}`,
    });
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
  return results;
}

async function vanishingDirectory(cliPath: string, base: string): Promise<CheckResult> {
  const emulator = await startEmulator({
    seed: 5,
    operations: [
      {
        firewallArn: 'arn:aws:network-firewall:us-east-1:123456789012:firewall/rel',
        availabilityZone: 'us-east-1a',
        flows: 3000,
      },
    ],
    faults: { latencyMs: 40 },
  });
  const dir = path.join(base, 'vanish');
  mkdirSync(dir);
  try {
    const op = emulator.operations()[0]!;
    let removed = false;
    const run = await runCli(
      cliPath,
      [
        'export',
        '--endpoint-url',
        emulator.endpoint,
        '--firewall-arn',
        op.firewallArn,
        '--flow-operation-id',
        op.flowOperationId,
        '--availability-zone',
        'us-east-1a',
        '--page-size',
        '50',
        '--out',
        path.join(dir, 'flows.ndjson'),
      ],
      {
        killWhen: {
          poll: () => {
            if (!removed && emulator.stats().pages >= 5) {
              removed = true;
              rmSync(dir, { recursive: true, force: true });
            }
            return false;
          },
        },
      },
    );
    const problems: string[] = [];
    if (!removed) problems.push('finished before the directory was removed');
    if (run.exitCode === 0 || run.exitCode === null) problems.push(`exit ${run.exitCode}`);
    if (existsSync(path.join(dir, 'flows.ndjson'))) problems.push('a file under the final name');
    const last = run.stderr.trim().split('\n').at(-1) ?? '';
    return {
      name: 'output directory removed mid-export',
      ok: problems.length === 0,
      detail: `exit ${run.exitCode}: ${last.slice(0, 200)}${problems.length ? ` [${problems.join('; ')}]` : ''}`,
    };
  } finally {
    await emulator.close();
  }
}

/**
 * Runs API exports (success, failure with a checkpoint kept, resume) and a file export with the fake
 * secrets in the environment, then greps stdout, stderr and every file left for them.
 */
export async function secretChecks(cliPath: string, workDir: string): Promise<CheckResult[]> {
  const dir = mkdtempSync(path.join(workDir, 'secrets-'));
  const emulator = await startEmulator({
    seed: 9,
    operations: [
      {
        firewallArn: 'arn:aws:network-firewall:us-east-1:123456789012:firewall/rel',
        availabilityZone: 'us-east-1a',
        flows: 500,
      },
    ],
  });
  const results: CheckResult[] = [];
  try {
    const op = emulator.operations()[0]!;
    const api = (out: string, extra: string[] = []) => [
      'export',
      '--endpoint-url',
      emulator.endpoint,
      '--firewall-arn',
      op.firewallArn,
      '--flow-operation-id',
      op.flowOperationId,
      '--availability-zone',
      'us-east-1a',
      '--page-size',
      '25',
      '--out',
      path.join(dir, out),
      ...extra,
    ];
    const texts: string[] = [];
    // Fail after 4 pages (a checkpoint is kept), resume, then a clean run and --out -.
    emulator.setFaults({ failAfterPages: 4, failKind: 'error' });
    const failed = await runCli(cliPath, api('a.parquet', GIVE_UP_FAST), { cwd: dir });
    texts.push(failed.stdout, failed.stderr);
    const partialLeaks = secretLeaks([], dir);
    emulator.setFaults({});
    const resumed = await runCli(cliPath, [...api('a.parquet'), '--resume'], { cwd: dir });
    texts.push(resumed.stdout, resumed.stderr);
    const piped = await runCli(cliPath, [...api('-'), '--format', 'ndjson'], { cwd: dir });
    texts.push(piped.stdout, piped.stderr);
    const ops = await runCli(
      cliPath,
      [
        'operations',
        '--endpoint-url',
        emulator.endpoint,
        '--firewall-arn',
        op.firewallArn,
        '--availability-zone',
        'us-east-1a',
        '--json',
      ],
      { cwd: dir },
    );
    texts.push(ops.stdout, ops.stderr);
    const leaks = [...partialLeaks, ...secretLeaks(texts, dir)];
    results.push({
      name: 'fake secrets absent from stdout, stderr, outputs, checkpoint (4 runs)',
      ok: leaks.length === 0 && failed.exitCode === 1 && resumed.exitCode === 0 && piped.exitCode === 0,
      detail: `exits ${failed.exitCode}/${resumed.exitCode}/${piped.exitCode}/${ops.exitCode}; ${leaks.length === 0 ? 'no leak' : leaks.join(', ')}`,
    });
  } finally {
    await emulator.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return results;
}

/** Permissions of the checkpoint directory/file and of temporaries, from a failed export. */
export async function permissionChecks(cliPath: string, workDir: string): Promise<CheckResult[]> {
  const { statSync } = await import('node:fs');
  const dir = mkdtempSync(path.join(workDir, 'perm-'));
  const emulator = await startEmulator({
    seed: 11,
    operations: [
      {
        firewallArn: 'arn:aws:network-firewall:us-east-1:123456789012:firewall/rel',
        availabilityZone: 'us-east-1a',
        flows: 400,
      },
    ],
    faults: { failAfterPages: 3, failKind: 'error' },
  });
  try {
    const op = emulator.operations()[0]!;
    const out = path.join(dir, 'flows.ndjson');
    const run = await runCli(cliPath, [
      'export',
      '--endpoint-url',
      emulator.endpoint,
      '--firewall-arn',
      op.firewallArn,
      '--flow-operation-id',
      op.flowOperationId,
      '--availability-zone',
      'us-east-1a',
      '--page-size',
      '20',
      '--out',
      out,
      ...GIVE_UP_FAST,
    ]);
    const partial = `${out}.nfw-partial`;
    const modes: string[] = [];
    let ok = run.exitCode === 1 && existsSync(partial);
    if (existsSync(partial)) {
      const check = (p: string, max: number) => {
        const mode = statSync(p).mode & 0o777;
        modes.push(`${path.basename(p)} ${mode.toString(8)}`);
        if ((mode & ~max) !== 0) ok = false;
      };
      check(partial, 0o700);
      for (const f of readdirSync(partial)) check(path.join(partial, f), 0o600);
    }
    return [
      {
        name: 'checkpoint directory 0700, its files 0600',
        ok,
        detail: `exit ${run.exitCode}; ${modes.join(', ')}`,
      },
    ];
  } finally {
    await emulator.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export function workDirectory(): string {
  return mkdtempSync(path.join(tmpdir(), 'nfw-rel-'));
}
