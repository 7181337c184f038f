/**
 * Parquet row group sizes compared (not a test): the saved 1M-flow capture (support/tools.ts
 * cliCaptureFile) to Parquet by the library as a node script on the built packages, one process per
 * run measured from outside (GNU time), the sizes interleaved run by run. READ=1 then reads each file
 * with pyarrow, DuckDB and polars (python3, where importable) and prints rows and row groups.
 *
 *   node --import tsx bench/measure/parquet-row-groups.ts <flows> <runs> <rowGroupSize|cli|arrow>...
 *
 * A variant may add `+NAME=VALUE` environment settings. `cli` is `nfw-flows export --input F --out X.parquet` (the default row group size), `arrow` the
 * library's Arrow export of the same file.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  CLI_BIN,
  cliCaptureFile,
  fileSize,
  removeQuietly,
  scratchPath,
  timedProcess,
} from '../scenarios/support/tools.js';

const SCRIPT = fileURLToPath(new URL('../scenarios/support/library-export.mjs', import.meta.url));
const [flowsArg, runsArg, ...variants] = process.argv.slice(2);
const input = await cliCaptureFile(Number(flowsArg));

const READ_PY = `
import sys, pyarrow.parquet as pq
f = sys.argv[1]
m = pq.ParquetFile(f).metadata
out = [f'pyarrow rows {m.num_rows} row groups {m.num_row_groups}']
try:
    import duckdb
    q = "select count(*) from read_parquet('" + f + "')"
    out.append(f'duckdb rows {duckdb.sql(q).fetchone()[0]}')
except ImportError as e:
    out.append(f'duckdb skipped ({e})')
try:
    import polars as pl
    out.append(f'polars rows {pl.read_parquet(f).height}')
except ImportError as e:
    out.append(f'polars skipped ({e})')
print('; '.join(out))
`;

async function runOnce(variant: string): Promise<string> {
  const [head, ...assignments] = variant.split('+');
  const out = scratchPath(`row-groups-${head}.${head === 'arrow' ? 'arrow' : 'parquet'}`);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NFW_BENCH_ROW_GROUP_SIZE: /^\d+$/.test(head!) ? head : '',
  };
  for (const a of assignments) env[a.slice(0, a.indexOf('='))] = a.slice(a.indexOf('=') + 1);
  const args =
    head === 'cli'
      ? [CLI_BIN, 'export', '--input', input, '--out', out, '--quiet', '--force']
      : [SCRIPT, 'file', input, out];
  try {
    const m = await timedProcess(process.execPath, args, { env });
    let read = '';
    if (process.env.READ === '1' && head !== 'arrow') {
      const r = spawnSync('python3', ['-c', READ_PY, out], { encoding: 'utf8' });
      read = ` | ${(r.stdout || r.stderr).trim()}`;
    }
    return `${variant}: ${(m.ms / 1000).toFixed(2)} s, CPU ${(m.cpuMs / 1000).toFixed(2)} s, peak RSS ${(m.maxRssKiB / 1024).toFixed(1)} MiB, ${(fileSize(out) / 2 ** 20).toFixed(2)} MiB${read}`;
  } finally {
    removeQuietly(out);
  }
}

for (let run = 0; run < Number(runsArg); run++) {
  for (const variant of variants) console.log(await runOnce(variant));
}
