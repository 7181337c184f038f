/**
 * The AWS SDK and parquet-wasm load on first use: a user who reads saved files into Arrow, NDJSON or
 * CSV pays neither's start-up time nor memory. Checked in a fresh process (vitest has loaded both).
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const CORE = fileURLToPath(new URL('..', import.meta.url));

/** Module paths in the CommonJS cache (where both packages' Node builds land) after `script`. */
function loadedAfter(script: string): string[] {
  const probe = `
    import { createRequire } from 'node:module';
    ${script}
    const cache = Object.keys(createRequire(import.meta.url).cache);
    process.stdout.write(JSON.stringify(cache.filter((p) => /client-network-firewall|parquet-wasm/.test(p))));
  `;
  const out = execFileSync(
    process.execPath,
    ['--conditions=@nfw-flows/source', '--import', 'tsx', '--input-type=module', '-e', probe],
    {
      cwd: CORE,
      encoding: 'utf8',
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    },
  );
  return JSON.parse(out) as string[];
}

describe('lazy imports', () => {
  it('importing @nfw-flows/core and writing Arrow loads neither the SDK nor parquet-wasm', () => {
    const loaded = loadedAfter(`
      const core = await import('@nfw-flows/core');
      core.toArrow().end();
    `);
    expect(loaded).toEqual([]);
  });

  it('toParquet leaves parquet-wasm to its writer thread, even for a file with no rows', () => {
    const made = loadedAfter(`
      const core = await import('@nfw-flows/core');
      core.toParquet();
    `);
    expect(made).toEqual([]);
    const empty = loadedAfter(`
      const core = await import('@nfw-flows/core');
      const t = core.toParquet();
      t.resume();
      t.end();
      await new Promise((resolve) => t.on('end', resolve));
    `);
    expect(empty).toEqual([]);
  });
});
