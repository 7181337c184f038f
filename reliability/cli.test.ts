/**
 * CLI-level reliability checks on the built CLI: usage errors, output faults (disk full names ENOSPC
 * and the path, EPIPE exits 141 quietly), credential hygiene and private permissions.
 */
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, test } from 'vitest';
import {
  BAD_FLAGS,
  badFlagChecks,
  outputFaultChecks,
  permissionChecks,
  secretChecks,
  workDirectory,
} from './cli-checks.js';
import { CLI_PATH } from './cli-runner.js';
import { dataLossChecks } from './data-loss-checks.js';

const work = workDirectory();
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('nfw-flows export on bad input and bad outputs', () => {
  test(`${BAD_FLAGS.length} malformed or out-of-range flag values: exit 2, one line naming the flag`, {
    timeout: 90_000,
  }, async () => {
    const results = await badFlagChecks(CLI_PATH, work);
    expect(results.filter((r) => !r.ok).map((r) => `${r.name}: ${r.detail}`)).toEqual([]);
  });

  test('output faults: non-zero exit, nothing under the final name, no temporary left', {
    timeout: 60_000,
  }, async () => {
    const results = await outputFaultChecks(CLI_PATH, work);
    expect(results.filter((r) => !r.ok).map((r) => `${r.name}: ${r.detail}`)).toEqual([]);
    expect(results.find((r) => r.name.startsWith('EPIPE'))?.detail).toMatch(/^exit 141 /);
  });

  test('distinctive fake credentials never reach outputs, logs or the checkpoint', {
    timeout: 60_000,
  }, async () => {
    const [r] = await secretChecks(CLI_PATH, work);
    expect(r!.ok, r!.detail).toBe(true);
  });

  test('the checkpoint directory is 0700 and its files 0600', { timeout: 30_000 }, async () => {
    const [r] = await permissionChecks(CLI_PATH, work);
    expect(r!.ok, r!.detail).toBe(true);
  });

  test('no data loss: directories, --rejects collisions, foreign status files, concurrent runs, damaged checkpoints', {
    timeout: 120_000,
  }, async () => {
    const results = await dataLossChecks(CLI_PATH, work, { rounds: 2 });
    expect(results.filter((r) => !r.ok).map((r) => `${r.name}: ${r.detail}`)).toEqual([]);
  });
});
