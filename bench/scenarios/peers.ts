import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineScenario, type Measured } from '../scenario.js';
import { fasterAndLighter, peakRss, timeRatio } from './support/targets.js';
import {
  cliCaptureFile,
  fileSize,
  removeQuietly,
  runCli,
  runLibraryProcess,
  scratchPath,
  timedProcess,
} from './support/tools.js';

const PEERS_PY = fileURLToPath(new URL('./support/peers.py', import.meta.url));
const PLAIN_PARQUET = fileURLToPath(new URL('./support/plain-parquet.mjs', import.meta.url));
/** Below this many flows (the smoke test's size) the python peers are listed as skipped: their start-up alone takes seconds. */
const PYTHON_MIN_SIZE = 10_000;

const CLI_ARROW = 'nfw-flows CLI: export --input F --out X.arrow (the Arrow export of the same file)';
const CLI_PARQUET = 'nfw-flows CLI: export --input F --out X.parquet';
const SCRIPT_ARROW = 'nfw-flows library as a node script: flowResultsFromFile -> toArrow -> file';
const SCRIPT_PARQUET = 'nfw-flows library as a node script: flowResultsFromFile -> toParquet -> file';
const PYTHON_PEERS = [
  ['duckdb', 'DuckDB (python3): read_json + unnest -> COPY TO parquet'],
  ['polars', 'polars (python3): read_json + explode + unnest -> write_parquet'],
  ['pyarrow', 'pyarrow (python3): json.load + Table.from_pylist -> write_table'],
  ['pandas', 'pandas (python3): json.load + json_normalize -> to_parquet'],
] as const;
const PLAIN = 'plain node script: JSON.parse + tableFromJSON + parquet-wasm writeParquet';

const SLOWER = 'see Findings: where the Parquet export spends its time beyond the Arrow export';
const HEAVIER = 'see Findings: what the Parquet export holds beyond the Arrow export';

/** Why a python peer cannot run here, or null when its modules import. */
function pythonMissing(tool: string): string | null {
  const check = spawnSync('python3', [PEERS_PY, 'check', tool], { encoding: 'utf8' });
  if (check.error) return `python3 not found (${check.error.message})`;
  return check.status === 0 ? null : check.stdout.trim() || `python3 check of ${tool} failed`;
}

const megabytesOut = (file: string) => `${(fileSize(file) / 2 ** 20).toFixed(1)} MiB Parquet`;

function skipped(reason: string): Measured {
  return { check: 'skipped', ms: 0, cpuMs: 0, maxRssKiB: 0, detail: reason, skipped: `skipped: ${reason}` };
}

export default defineScenario({
  name: 'peers',
  description:
    "The same saved capture as file-to-arrow (the AWS CLI's merged pretty output, fixtures generator seed 7, about 418 bytes a flow) to Parquet (zstd) by nfw-flows (CLI, and the library as a plain node script on the built packages) and by what a data team would run instead: DuckDB, polars, pyarrow and pandas in python3 (each in its usual idiom, bench/scenarios/support/peers.py; addresses kept as text, no parsing or canonicalization, where nfw-flows parses, validates and canonicalizes every address and writes 21 typed columns), and a plain node script (JSON.parse + apache-arrow tableFromJSON + parquet-wasm). The Arrow export of the same file runs in the same rounds, for the Parquet-to-Arrow time target. Every case is a separate process measured from outside (GNU time: wall, CPU, peak RSS, start-up included), run interleaved. A python peer whose modules do not import is listed as skipped with the reason.",
  defaultSize: 1_000_000,
  unit: 'flow',
  cases: [
    {
      name: CLI_ARROW,
      prepare: async (n) => {
        const file = await cliCaptureFile(n);
        const out = scratchPath('peers-cli.arrow');
        return async () => {
          const measured = await runCli(['export', '--input', file, '--out', out, '--quiet', '--force']);
          const bytes = fileSize(out);
          removeQuietly(out);
          return { ...measured, check: String(bytes), detail: `${(bytes / 2 ** 20).toFixed(0)} MiB Arrow` };
        };
      },
    },
    {
      name: CLI_PARQUET,
      baseline: CLI_ARROW,
      prepare: async (n) => {
        const file = await cliCaptureFile(n);
        const out = scratchPath('peers-cli.parquet');
        return async () => {
          const measured = await runCli(['export', '--input', file, '--out', out, '--quiet', '--force']);
          const detail = megabytesOut(out);
          removeQuietly(out);
          return { ...measured, check: detail, detail };
        };
      },
    },
    {
      name: SCRIPT_ARROW,
      prepare: async (n) => {
        const file = await cliCaptureFile(n);
        const out = scratchPath('peers-script.arrow');
        return async () => {
          const { emitted, ...measured } = await runLibraryProcess(['file', file, out]);
          removeQuietly(out);
          return { ...measured, check: String(emitted) };
        };
      },
    },
    {
      name: SCRIPT_PARQUET,
      baseline: SCRIPT_ARROW,
      prepare: async (n) => {
        const file = await cliCaptureFile(n);
        const out = scratchPath('peers-script.parquet');
        return async () => {
          const { emitted, ...measured } = await runLibraryProcess(['file', file, out]);
          const detail = megabytesOut(out);
          removeQuietly(out);
          return { ...measured, check: String(emitted), detail };
        };
      },
    },
    ...PYTHON_PEERS.map(([tool, name]) => ({
      name,
      baseline: CLI_PARQUET,
      prepare: async (n: number) => {
        const file = await cliCaptureFile(n);
        const out = scratchPath(`peers-${tool}.parquet`);
        const missing =
          n < PYTHON_MIN_SIZE ? `python peers run from ${PYTHON_MIN_SIZE} flows` : pythonMissing(tool);
        return async (): Promise<Measured> => {
          if (missing !== null) return skipped(missing);
          const { stdout, ...measured } = await timedProcess('python3', [PEERS_PY, tool, file, out]);
          const detail = megabytesOut(out);
          removeQuietly(out);
          if (Number(stdout.trim()) !== n) throw new Error(`${tool} wrote ${stdout.trim()} rows, not ${n}`);
          return { ...measured, check: String(n), detail };
        };
      },
    })),
    {
      name: PLAIN,
      baseline: CLI_PARQUET,
      prepare: async (n) => {
        const file = await cliCaptureFile(n);
        const out = scratchPath('peers-plain.parquet');
        if (!existsSync(PLAIN_PARQUET)) throw new Error(`${PLAIN_PARQUET} is missing`);
        return async () => {
          const { stdout, ...measured } = await timedProcess(process.execPath, [PLAIN_PARQUET, file, out]);
          const detail = megabytesOut(out);
          removeQuietly(out);
          return { ...measured, check: stdout.trim(), detail };
        };
      },
    },
  ],
  targets: [
    timeRatio(CLI_PARQUET, CLI_ARROW, 1.25, SLOWER),
    timeRatio(SCRIPT_PARQUET, SCRIPT_ARROW, 1.25, SLOWER),
    peakRss(CLI_PARQUET, 200, HEAVIER),
    peakRss(SCRIPT_PARQUET, 200, HEAVIER),
    ...PYTHON_PEERS.map(([, name]) => fasterAndLighter(CLI_PARQUET, name)),
    fasterAndLighter(CLI_PARQUET, PLAIN),
  ],
  findings: [
    'Run of this section (2026-12-04, session h7, 02:41-02:50 UTC, 2 runs, not the 3 asked for: the machine was shared with six other sessions, load average 6-10 during the run, so wall times moved by up to 3x between the two runs of one case, e.g. the CLI Arrow export 41.4 s then 13.4 s; CPU times are the steadier measure). Medians: the CLI Parquet export 0.94x the CLI Arrow export in wall time (met under this load), 1.38x its CPU; the library scripts 1.64x wall (not met), 1.51x CPU. Peak RSS 227-232 MiB (239-243 MB) against 136-143 MiB for Arrow: not met. Against the peers, CPU to write the same 1M flows: nfw-flows CLI 10.7 s, polars 16.0 s (1.5x), the plain node script 16.0 s (1.5x), pyarrow 19.9 s (1.9x), pandas 21.9 s (2.0x), DuckDB 25.2 s (2.4x); peak RSS 228 MiB against 970 MiB (plain script), 1.6-2.3 GiB (python peers). The peers write fewer, untyped columns (addresses as text, ports and protocol as strings), hence their smaller files. Run again on an idle machine for wall-time figures.',
    'Profile of the Parquet export before this scenario (2026-12-04, session h7, 1M flows from this file, plain node script on dist, `node --cpu-prof` and `process.memoryUsage()` sampled every 20 ms, machine loaded, load 14-22, so CPU figures, not wall): parquet-wasm ran on the parsing thread, one 65,536-row Arrow batch at a time, as its own IPC stream. Its wasm code took 24% of the samples (6.1 of 25.6 s), the Arrow export of the same file has none of it and spends 1.1 s writing 216 MiB instead; the copies of IPC bytes cost 0.9 s of samples (`Buffer.concat` 0.5, the copy into wasm memory 0.4). `Table.fromIPCStream` itself is cheap (0.14 s of CPU for 1M rows in 4,096-row streams, each freed after use); the streaming writer (`transformParquetStream`: encoding, statistics, zstd) costs 2.0-2.4 s of CPU for 1M rows. Peak RSS 263-276 MiB: wasm linear memory 48 MiB (a decoded 65,536-row batch and its IPC copy; it never shrinks), JS external 87-103 MiB, heap 59-63 MiB; the Arrow export peaks at 138-141 MiB.',
    "What changed (core/src/serialize/to-parquet.ts, parquet-worker.ts): records are built into 4,096-row Arrow batches, as toArrow's, and arrow-rs's ArrowWriter (inside parquet-wasm) gathers them into row groups of `rowGroupSize` rows (65,536 by default, unchanged; a property test checks row groups across batch boundaries): with this alone, peak RSS 263 -> 207 MiB (wasm memory 48 -> 21 MiB), CPU unchanged (9.7 -> 10.6 s user under load 22, within noise), file 20,611,287 -> 20,612,689 bytes (pages cut at other rows). Then the writer moved to a worker thread (IPC messages transferred, at most 2 batches in flight, output bytes transferred back): encoding and compression run on the second core beside parsing. First run of this scenario under load 17-20 (02:25-02:35 UTC, 1 run): CLI Parquet 67.3 s wall / 14.1 s CPU against CLI Arrow 77.6 s / 10.8 s CPU, peak 230 against 139 MiB; library scripts 74.2 s / 12.4 s CPU and 229 MiB against 28.5 s / 8.5 s CPU and 140 MiB. Wall times under that load say nothing about the 1.25x target; the CPU ratio (1.3-1.5x) with the extra CPU on the second thread is what lets it be met on an idle 2-core machine.",
    'Peak RSS is not met (about 230 MiB against 200 MB): beyond the Arrow export the worker thread holds its own Node environment (about 8 MiB), parquet-wasm loaded and compiled (16.6-16.9 MiB, the same with --wasm-lazy-compilation, --no-wasm-tier-up or --liftoff-only), the wasm linear memory (21.5-23 MiB after 1M rows, with a 4 MiB young generation for the thread) and received batches waiting for its GC (about 12 MiB of ArrayBuffers). Measured and not kept: data and dictionary page limits of 128-256 KiB (wasm memory 21.5-22.4 MiB either way, file 2% larger at 128 KiB); dictionaries off for ports, timestamps and the per-operation strings (writer alone 0.3-0.6 s less CPU, but the whole serializer 5.5-6.2 s against 6.0-6.5 s of CPU, within noise; file 20.69 -> 20.05 MB); chunk-level instead of page-level statistics (little CPU, and it drops the page index readers use). Not done for lack of time: a shared-memory ring between the threads instead of a transferred buffer per batch (would remove the ~12 MiB of garbage in the worker and a copy), and measuring the pure-JS writers of the npm registry (hyparquet-writer, @dsnp/parquetjs).',
  ],
});
