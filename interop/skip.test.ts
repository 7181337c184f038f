/**
 * `pnpm interop` on a machine without the Python tools: one printed line, exit 0 (CI runs it
 * unconditionally). The suite itself needs the tools and runs only under `pnpm interop`.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';

const RUN = path.join(path.dirname(fileURLToPath(import.meta.url)), 'run.ts');
const TSX = path.join(
  path.dirname(createRequire(import.meta.url).resolve('tsx/package.json')),
  'dist/cli.mjs',
);

test('without python3 on PATH: exactly one line saying it is skipped, exit 0', () => {
  // A PATH holding only node: no python3, no aws.
  const bin = mkdtempSync(path.join(tmpdir(), 'nfw-interop-path-'));
  try {
    symlinkSync(process.execPath, path.join(bin, 'node'));
    const r = spawnSync(process.execPath, [TSX, RUN], {
      encoding: 'utf8',
      env: { PATH: bin, HOME: process.env.HOME ?? '/tmp' },
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stdout).toMatch(/^interop: skipped \(python3 not found; /);
  } finally {
    rmSync(bin, { recursive: true, force: true });
  }
});
