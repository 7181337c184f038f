/**
 * Spawns the built `nfw-flows` CLI (asynchronously: the emulator runs in this process) with fake,
 * distinctive credentials and an isolated HOME, and optionally SIGKILLs it at a chosen point.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FAKE_ACCESS_KEY_ID, FAKE_SECRET_ACCESS_KEY, FAKE_SESSION_TOKEN } from './sdk.js';

export const SECRETS = [FAKE_ACCESS_KEY_ID, FAKE_SECRET_ACCESS_KEY, FAKE_SESSION_TOKEN] as const;

/** The committed bin shim; it imports dist/cli.js, so the CLI must be built (`pnpm build`). */
export const CLI_PATH = fileURLToPath(new URL('../packages/cli-export/bin/nfw-flows.js', import.meta.url));
export const CLI_BUILT = existsSync(
  fileURLToPath(new URL('../packages/cli-export/dist/cli.js', import.meta.url)),
);

export interface CliRun {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** True when this harness sent SIGKILL. */
  killed: boolean;
  stdout: string;
  stderr: string;
  ms: number;
}

export interface CliOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  /** SIGKILL once `poll()` returns true (checked every 5 ms) or after `afterMs`. */
  killWhen?: { poll?: () => boolean; afterMs?: number } | undefined;
  /** Bytes written to stdin (then closed); default: stdin closed at once. */
  stdin?: Buffer | string;
  /** Destroy stdout after this many bytes were read (an EPIPE for the child). */
  closeStdoutAfter?: number;
  /** Hard limit: SIGKILL and report after this long (default 60 s). */
  timeoutMs?: number;
}

let home: string | undefined;

/** Environment of a CLI run: no real AWS configuration can leak in, only our fake keys. */
export function cliEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  if (home === undefined) {
    const dir = mkdtempSync(path.join(tmpdir(), 'nfw-rel-home-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    home = dir;
  }
  const env: NodeJS.ProcessEnv = {};
  for (const key of ['PATH', 'LANG', 'TZ', 'SYSTEMROOT'])
    if (process.env[key] !== undefined) env[key] = process.env[key];
  Object.assign(env, {
    HOME: home,
    AWS_ACCESS_KEY_ID: FAKE_ACCESS_KEY_ID,
    AWS_SECRET_ACCESS_KEY: FAKE_SECRET_ACCESS_KEY,
    AWS_SESSION_TOKEN: FAKE_SESSION_TOKEN,
    AWS_REGION: 'us-east-1',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: path.join(home, 'no-config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(home, 'no-credentials'),
    NODE_OPTIONS: '--no-deprecation',
  });
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

export function runCli(cliPath: string, args: string[], options: CliOptions = {}): Promise<CliRun> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliPath, ...args], {
      cwd: options.cwd,
      env: cliEnv(options.env),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let stdoutBytes = 0;
    let killed = false;
    const kill = () => {
      if (child.exitCode === null && child.signalCode === null) {
        killed = true;
        child.kill('SIGKILL');
      }
    };
    child.stdout.on('data', (chunk: Buffer) => {
      stdoutBytes += chunk.length;
      if (stdout.length < 4 << 20) stdout += chunk.toString('utf8');
      if (options.closeStdoutAfter !== undefined && stdoutBytes >= options.closeStdoutAfter)
        child.stdout.destroy();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < 1 << 20) stderr += chunk.toString('utf8');
    });
    child.stdin.on('error', () => {});
    child.stdin.end(options.stdin);
    const timers: NodeJS.Timeout[] = [];
    const w = options.killWhen;
    if (w?.afterMs !== undefined) timers.push(setTimeout(kill, w.afterMs));
    if (w?.poll !== undefined) {
      const poll = w.poll;
      const t = setInterval(() => {
        if (poll()) kill();
      }, 5);
      timers.push(t);
    }
    const hard = setTimeout(() => {
      stderr += `\n[harness] killed after ${options.timeoutMs ?? 60_000} ms`;
      child.kill('SIGKILL');
    }, options.timeoutMs ?? 60_000);
    timers.push(hard);
    child.on('error', reject);
    child.on('close', (exitCode, signal) => {
      for (const t of timers) clearTimeout(t);
      resolve({ exitCode, signal, killed, stdout, stderr, ms: Date.now() - started });
    });
  });
}
