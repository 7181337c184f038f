/**
 * Start-up: the AWS SDK (most of the CLI's load time) and parquet-wasm are loaded only by the commands
 * that need them, so exporting a saved file to Arrow loads neither; cli-progress only to draw a bar on a
 * terminal (test/progress.test.ts draws one). A `--require` probe lists the
 * CommonJS modules (where both packages' Node builds land) that the CLI process loaded.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createFlowGenerator, makeMetadata, writeCaptureFile } from '@nfw-flows/fixtures';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ARN, assertBuilt, readArrow, run, tempDir } from './helpers.js';

const { dir, cleanup } = tempDir();
const PROBE = path.join(dir, 'probe.cjs');
let input = '';

beforeAll(async () => {
  assertBuilt();
  writeFileSync(
    PROBE,
    `process.on('exit', () => {
      const loaded = Object.keys(require('node:module')._cache).filter((p) => /client-network-firewall|parquet-wasm|cli-progress/.test(p));
      require('node:fs').writeFileSync(process.env.NFW_PROBE_OUT, JSON.stringify(loaded));
    });`,
  );
  input = path.join(dir, 'saved.json');
  await writeCaptureFile(input, {
    flows: [...createFlowGenerator({ seed: 5, count: 120 }).flows()],
    metadata: makeMetadata({ FirewallArn: ARN }),
    shape: 'cli',
  });
});
afterAll(() => cleanup());

async function loadedBy(args: string[], name: string): Promise<string[]> {
  const probeOut = path.join(dir, `${name}.loaded.json`);
  const result = await run(args, { env: { NODE_OPTIONS: `--require ${PROBE}`, NFW_PROBE_OUT: probeOut } });
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(readFileSync(probeOut, 'utf8')) as string[];
}

describe('start-up', () => {
  test('export --input to Arrow loads neither the SDK nor parquet-wasm (nor, without a terminal, cli-progress)', async () => {
    const out = path.join(dir, 'saved.arrow');
    const loaded = await loadedBy(['export', '--input', input, '--out', out, '--quiet'], 'arrow');
    expect(loaded).toEqual([]);
    // Progress lines on a pipe: still no bar library.
    expect(await loadedBy(['export', '--input', input, '--out', `${out}.2.arrow`], 'lines')).toEqual([]);
    expect(readArrow(out).numRows).toBe(120);
  });

  // parquet-wasm loads in toParquet's writer thread, whose module cache the probe does not see.
  test('export --input to Parquet writes Parquet, still without the SDK', async () => {
    const out = path.join(dir, 'saved.parquet');
    const loaded = await loadedBy(['export', '--input', input, '--out', out, '--quiet'], 'parquet');
    const bytes = readFileSync(out);
    expect([bytes.subarray(0, 4).toString(), bytes.subarray(-4).toString()]).toEqual(['PAR1', 'PAR1']);
    expect(loaded.some((p) => p.includes('client-network-firewall'))).toBe(false);
  });
});
