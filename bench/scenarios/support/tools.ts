/**
 * Shared pieces of the end-to-end scenarios (file, API, bulk, scaling, serializers): cached input
 * files, peer libraries resolved from packages/core, and child processes timed from the outside
 * (wall, CPU and peak RSS through GNU time /usr/bin/time, so a CLI process is measured like an in-process case).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createFlowGenerator, writeCaptureFile } from '../../../packages/fixtures/src/index.js';
import { requireFromCore } from '../../core.js';

export const REPO = fileURLToPath(new URL('../../../', import.meta.url));
export const CLI_BIN = path.join(REPO, 'packages/cli-export/bin/nfw-flows.js');
export const SEED = 7;

/** What a case's work may return instead of a bare check value: measured from outside the process. */
export interface External {
  check: string;
  ms?: number;
  cpuMs?: number;
  maxRssKiB?: number;
  detail?: string;
}

/** Inputs shared by all runs and cases (kept between runs; delete the directory to rebuild them). */
export const CACHE_DIR = path.join(os.tmpdir(), 'nfw-flows-bench');

export function scratchPath(name: string): string {
  mkdirSync(CACHE_DIR, { recursive: true });
  return path.join(CACHE_DIR, `${process.pid}-${name}`);
}

/** Removes an output and what the CLI keeps beside it (status file, interrupted-export directory). */
export function removeQuietly(file: string): void {
  for (const p of [file, `${file}.nfw-status.json`, `${file}.nfw-partial`])
    rmSync(p, { force: true, recursive: true });
}

export function fileSize(file: string): number {
  return statSync(file).size;
}

/**
 * The AWS CLI's merged output (`aws network-firewall list-flow-operation-results`: one pretty-printed
 * object, metadata after Flows) with `size` generated flows. Written once; writeCaptureFile renames
 * a complete file into place, so a concurrent or interrupted writer never leaves a partial input.
 */
export async function cliCaptureFile(size: number): Promise<string> {
  mkdirSync(CACHE_DIR, { recursive: true });
  const file = path.join(CACHE_DIR, `cli-${size}-seed${SEED}.json`);
  if (!existsSync(file)) {
    await writeCaptureFile(file, {
      generator: createFlowGenerator({ seed: SEED, count: size }),
      shape: 'cli',
    });
  }
  return file;
}

/** An ESM or CJS dependency of packages/core, loaded as packages/core sees it (pnpm does not hoist). */
export async function importFromCore<T>(specifier: string): Promise<T> {
  return (await import(pathToFileURL(requireFromCore.resolve(specifier)).href)) as T;
}

const GNU_TIME = '/usr/bin/time';

/**
 * Runs a command to completion and measures it from outside: wall ms (here), and CPU ms and peak RSS
 * from GNU time. stdout is kept (small outputs only); stderr is kept for the error message. A non-zero
 * exit throws.
 */
export async function timedProcess(
  command: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<{ ms: number; cpuMs: number; maxRssKiB: number; stdout: string }> {
  // Without GNU time the peak RSS of the child would silently be the benchmark's own: refuse instead.
  if (!existsSync(GNU_TIME))
    throw new Error(`${GNU_TIME} is missing: install GNU time (Debian package "time")`);
  const report = scratchPath(`time-${Math.random().toString(36).slice(2)}.txt`);
  const argv = ['-f', '%U %S %M', '-o', report, command, ...args];
  const start = process.hrtime.bigint();
  const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>(
    (resolve, reject) => {
      const child = spawn(GNU_TIME, argv, {
        cwd: options.cwd ?? REPO,
        env: options.env ?? process.env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => {
        out += d;
      });
      child.stderr.setEncoding('utf8').on('data', (d: string) => {
        err = (err + d).slice(-8192);
      });
      child.on('error', reject);
      child.on('close', (exit) => resolve({ code: exit, stdout: out, stderr: err }));
    },
  );
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (code !== 0) {
    removeQuietly(report);
    throw new Error(`${command} ${args.join(' ')} exited with ${code}: ${stderr.trim()}`);
  }
  const [user, system, rss] = readFileSync(report, 'utf8').trim().split('\n').at(-1)!.split(' ').map(Number);
  removeQuietly(report);
  return { ms, cpuMs: (user! + system!) * 1000, maxRssKiB: rss!, stdout };
}

const LIBRARY_SCRIPT = fileURLToPath(new URL('./library-export.mjs', import.meta.url));

/** The library pipeline in a plain `node` process on the built packages (support/library-export.mjs). */
export async function runLibraryProcess(
  args: readonly string[],
): Promise<{ ms: number; cpuMs?: number; maxRssKiB?: number; emitted: number }> {
  if (!existsSync(path.join(REPO, 'packages/core/dist/index.js'))) {
    throw new Error('packages/core/dist is missing: run `pnpm build` (pnpm bench does) first');
  }
  const { stdout, ...measured } = await timedProcess(process.execPath, [LIBRARY_SCRIPT, ...args]);
  return { ...measured, emitted: Number(stdout.trim()) };
}

/** `nfw-flows ...` as a user runs it: the built bin (run `pnpm build` first; `pnpm bench` does). */
export async function runCli(
  args: readonly string[],
  extraEnv: NodeJS.ProcessEnv = {},
): Promise<{ ms: number; cpuMs?: number; maxRssKiB?: number }> {
  if (!existsSync(path.join(REPO, 'packages/cli-export/dist/cli.js'))) {
    throw new Error('packages/cli-export/dist is missing: run `pnpm build` (pnpm bench does) first');
  }
  // The SDK's Node 20 end-of-support notice is noise on every run.
  const env = { ...process.env, ...extraEnv, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
  const { stdout: _, ...measured } = await timedProcess(process.execPath, [CLI_BIN, ...args], { env });
  return measured;
}
