import { writeFileSync } from 'node:fs';
import { defineScenario } from '../scenario.js';
import {
  cliApiEnv,
  cliExportArgs,
  collectPages,
  drainPaginator,
  libraryArrowExport,
  makeClient,
  startEmulatorProcess,
} from './support/api.js';
import { loadPlainScript } from './support/plain-script.js';
import { fasterAndLighter, peakRss, timeRatio } from './support/targets.js';
import { fileSize, removeQuietly, runCli, runLibraryProcess, scratchPath } from './support/tools.js';

const FLOOR = 'SDK paginator alone (floor)';
const FLOOR_PROCESS = 'SDK paginator alone as a node script (floor of the separate processes)';
const LIBRARY = 'nfw-flows library: flowResults -> toArrow -> file';
const CLI = 'nfw-flows CLI: export --out X.arrow (Arrow spool, then copy)';
const SCRIPT = 'nfw-flows library as a node script on dist (the same pipeline)';
const PLAIN = 'plain script: collect pages, then ipaddr.js + tableFromJSON + tableToIPC';

export default defineScenario({
  name: 'api-to-arrow',
  description:
    'One flow operation read from the emulator (its own Node process, on 127.0.0.1, no added latency, 100 flows a page) through the real AWS SDK client and written to an Arrow IPC file, beside the floor (the SDK paginator alone draining the same pages) and the plain script (collect every page, then ipaddr.js + `tableFromJSON` + `tableToIPC`). The CLI builds Arrow batches into a spool while paging (what makes `--resume` possible), then copies them into the final file under the final status; it runs as a separate process measured from outside (start-up included). In-process cases carry the tsx loader of the benchmark child and TypeScript sources (about 34 MiB of RSS), so the peak RSS target is judged on the same library pipeline run as a plain `node` script on the built packages.',
  defaultSize: 200_000,
  unit: 'flow',
  cases: [
    {
      name: FLOOR,
      prepare: async (n) => {
        const emulator = await startEmulatorProcess({ flowsPerScope: n });
        const client = makeClient(emulator.endpoint);
        return async () => {
          const flows = await drainPaginator(client, emulator.operations[0]!);
          emulator.close();
          return String(flows);
        };
      },
    },
    {
      name: LIBRARY,
      baseline: FLOOR,
      prepare: async (n) => {
        const emulator = await startEmulatorProcess({ flowsPerScope: n });
        const client = makeClient(emulator.endpoint);
        return async () => {
          const { emitted, bytes } = await libraryArrowExport(client, emulator.operations[0]!, 'api.arrow');
          emulator.close();
          return { check: String(emitted), detail: `${(bytes / 2 ** 20).toFixed(1)} MiB Arrow` };
        };
      },
    },
    {
      // The floor as a user's own script runs it: Node start-up and the SDK's loading included, like
      // every case measured from outside.
      name: FLOOR_PROCESS,
      prepare: async (n) => {
        const emulator = await startEmulatorProcess({ flowsPerScope: n });
        return async () => {
          const op = JSON.stringify(emulator.operations[0]!);
          const { emitted, ...measured } = await runLibraryProcess(['paginator', emulator.endpoint, op]);
          emulator.close();
          return { ...measured, check: String(emitted), detail: 'separate process' };
        };
      },
    },
    {
      name: SCRIPT,
      baseline: FLOOR_PROCESS,
      prepare: async (n) => {
        const emulator = await startEmulatorProcess({ flowsPerScope: n });
        const out = scratchPath('api-script.arrow');
        return async () => {
          const op = JSON.stringify(emulator.operations[0]!);
          const { emitted, ...measured } = await runLibraryProcess(['api', emulator.endpoint, op, out]);
          emulator.close();
          const bytes = fileSize(out);
          removeQuietly(out);
          return { ...measured, check: `${emitted}:${bytes}`, detail: 'separate process' };
        };
      },
    },
    {
      name: CLI,
      baseline: FLOOR_PROCESS,
      prepare: async (n) => {
        const emulator = await startEmulatorProcess({ flowsPerScope: n });
        const out = scratchPath('api-cli.arrow');
        return async () => {
          const measured = await runCli(
            cliExportArgs(emulator.operations[0]!, out),
            cliApiEnv(emulator.endpoint),
          );
          emulator.close();
          const bytes = fileSize(out);
          removeQuietly(out);
          return { ...measured, check: String(bytes), detail: 'separate process' };
        };
      },
    },
    {
      name: PLAIN,
      baseline: FLOOR,
      prepare: async (n) => {
        const emulator = await startEmulatorProcess({ flowsPerScope: n });
        const client = makeClient(emulator.endpoint);
        const script = await loadPlainScript();
        const out = scratchPath('api-plain.arrow');
        return async () => {
          const op = emulator.operations[0]!;
          const pages = await collectPages(client, op);
          emulator.close();
          const bytes = script.convert(pages.flat(), {
            firewallArn: op.FirewallArn,
            flowOperationId: op.FlowOperationId,
          });
          writeFileSync(out, bytes);
          removeQuietly(out);
          return String(bytes.length);
        };
      },
    },
  ],
  findings: [
    "Node 24 against Node 20 (the api-to-arrow (Node 24) section: 2026-12-04 02:22-02:34 UTC, 3 runs, load average 11.7-25 on the 2 cores shared with other engineers' test suites, which is why its wall times are about 10x those of the Node 20 section, run at load about 1: compare ratios within a section, CPU time and peak RSS only). The library stays within its target of the paginator floor (1.13x wall, CPU 1.05x; Node 20: 1.06x, CPU 1.18x); the CLI 1.28x the in-process floor (not met; Node 20 1.14x) with CPU 1.22x (Node 20 1.28x), so the wall-time gap is the load on its separate process, not more work. Peak RSS grows where the garbage is (V8 13.6 lets the young generation grow to 64 MiB semi-spaces, against 16 MiB on Node 20; see file-to-arrow): the SDK paginator floor 182 against 153 MiB, the plain script 452 against 323 MiB, the in-process library 174 against 168; the library as a node script (142 MiB, 149 MB: target met) and the CLI (151 against 147 MiB) barely move: their 4,096-row batches keep the garbage short-lived.",
    'Run of this section (2026-12-01, session 4, 12:08-12:13 UTC, 5 runs, load 0.7-1.2): the library 1.06x the paginator floor and 143 MB as a plain node script (met); the CLI 1.14x the in-process floor and 1.11x the paginator script (met), peak 154 MB (not met). In the full `pnpm bench` of 11:55-12:07 UTC (3 runs): the library 1.05x the paginator floor and 145 MB as a plain node script (met); the CLI 1.15x the in-process floor (met, at the edge: 1.16x in the 5-run check of session 3) and 1.04x the paginator script; CLI peak 153 MB (146 MiB), not met, 8 MiB above the library script.',
    'Why the CLI peaks about 8 MiB above the library script with the same live heap (session 4, `--trace-gc` and heap-space samples every 10 ms, 11:35 UTC): both promote the same garbage (98 scavenges, 27.4 and 26.2 MB promoted), but the library script ran 4 full mark-compacts and the CLI 2. The CLI mark-compact 0.6 s in finds 17.2 MB live (its modules loaded, paging begun), and V8 sets the next old-space limit from that at a factor it derives from GC and allocation speed; the run ends before the old space reaches it, so the old space peaks at 41-42 MiB against 25-28 in the library script. Measured and not kept: (1) a lower heap growing factor set from inside the CLI (v8.setFlagsFromString of --heap-growing-percent=50, which V8 reads at every GC) takes the peak to 131-135 MB, but costs +2% wall and +0.1 s CPU (5 interleaved runs: 2.43 s and 152.6 MB -> 2.48 s and 134.9 MB; 30%: 2.67 s): it trades the time target for the memory one, and Node documents V8 flags changed after start as unpredictable; (2) the CLI bundled into one file with esbuild: start-up 0.18 -> 0.12 s and 10 MB less RSS at start, but the same peak during paging (149 MB) and no gain at 1M flows from a file (4 interleaved runs each), so not worth a second build of the CLI. Not tried: a worker thread for normalization and encoding, since here the emulator already occupies the second of the 2 cores, so it would compete for CPU rather than hide work.',
    'Session 3 (2026-12-01, finished 10:53 UTC, 5 runs, load 0.6-2.3): the library 1.06x the paginator floor and 144 MB as a plain node script (both met); the CLI 1.16x the in-process floor, 1.11x the paginator run as a node script (the like-for-like floor of a separate process: met), peak 154 MB (147 MiB, the largest of 5 runs; single runs sampled every 10 ms at 143-146 MiB). Before this session (09:28 UTC): CLI 1.41x and 161 MB.',
    'What changed the CLI (2026-12-01, session 3): an API export to .arrow/.arrows now spools Arrow record batches built while paging (cli-export/src/output/arrow-spool.ts), and the final file copies their IPC messages under the final schema (core IpcWriter.writeEncoded records the footer blocks) instead of decoding and re-encoding every record of a line spool after the last page. Measured with the same emulator, interleaved with the library script and the paginator script (3 rounds): CLI 2.95 s (CPU 2.91) and 150 MB -> 2.65 s (CPU 2.60) and 137-148 MB. A first version read the spool back with apache-arrow RecordBatchStreamReader: same time, but 170-180 MB peak (every batch was read into fresh buffers that waited for a GC); copying each message through one reused buffer with synchronous writes adds nothing to the peak. NDJSON, CSV, Parquet and aggregates keep the line spool.',
    'Then flowResults (core/src/source/flow-results.ts) lets the prefetched request reach the socket before it processes the page it has (one setImmediate a page): the SDK middleware chain of request k+1 interleaved with our processing of page k in the same thread, so every request left only after the previous page was normalized. Here, with no added latency, the emulator (its own process, on the second core) then builds page k+1 while we process page k: CLI 2.65-2.83 s -> 2.45-2.58 s (interleaved runs against the paginator script, 2.31-2.64 s). And the CLI loads cli-progress only to draw a bar on a terminal (about 6 MiB of RSS it paid on every run).',
    'Not met, with what is left: against the in-process floor the CLI also pays Node start-up and module loading (core with apache-arrow about 0.10 s, the SDK 0.04 s, commander; the in-process floor has them loaded before its clock starts). Its CPU beyond the paginator script is the library pipeline itself (normalizer, Arrow batch builder, stream) in the paging thread, about 0.45 s for 200K flows: the remaining lever is moving normalization and encoding to a worker thread (the main thread would then do less than the floor, which deserializes the Flows through the SDK), at the price of a second JS heap. Peak RSS: the JS heap grows during paging to about 77 MiB total (the library script to 66-72): the old space sizing itself to the garbage of paging (SDK requests and responses, page JSON, records), see the memory finding of file-to-arrow. It is not retention: heap snapshots after a full GC 1.8 s into the same export (11:11 UTC) hold 24.5 MB live in the CLI and 24.2 MB in the library script, with the same objects by constructor; the Arrow batch in progress and the final copy add about 1 MiB. Most of the peak is the young generation: the same CLI run with `node --max-semi-space-size=8` (Node 20 default 16) peaked at 136-141 MB against 144-150 MB, wall within noise (3 interleaved runs each, 11:05 UTC), and with 2 MiB semi-spaces at 111 MB but 15% slower. Setting it from inside the process (v8.setFlagsFromString before any work) has no effect, so the CLI cannot choose it for its users; README says how to (NODE_OPTIONS).',
    'Earlier measurements (2026-12-01, sessions 1-2), kept for the record: flowResults takes each page Flows with one plain JSON.parse through the paginator withCommand (core/src/source/raw-flows.ts; the SDK reviver parse, member copy and logger-filter copy of every flow are gone; SDK paginator alone 1,988 ms CPU, the library 2,660 -> 2,327 ms); IPv4 hosts in the normalizer memo keyed by their 32-bit value; 4,096-row Arrow batches (dead batch buffers promoted before they died: library peak 176 -> 140 MiB); the SDK and parquet-wasm loaded on first use. Converting a line spool while paging (a follower in the same thread) was built and measured, and not kept: wall within noise, CPU +5%, RSS +25 MB.',
  ],
  targets: [
    timeRatio(
      LIBRARY,
      FLOOR,
      1.15,
      'see Findings: the SDK deserializes only the page metadata; normalizer, Arrow encoder and stream still share its thread',
    ),
    peakRss(
      SCRIPT,
      150,
      'see Findings: the paginator alone peaks at about 107 MiB; dead Arrow batch buffers waiting for a major GC, source + normalizer about 13 MiB',
    ),
    timeRatio(
      CLI,
      FLOOR,
      1.15,
      'see Findings: Node start-up and module loading, which the in-process floor does not pay (against the paginator as a node script the CLI meets it); then the normalizer and Arrow encoder in the paging thread',
    ),
    timeRatio(
      CLI,
      FLOOR_PROCESS,
      1.15,
      'see Findings: the library pipeline itself (normalizer and Arrow encoder in the paging thread), plus about 0.1 s of module loading (core with apache-arrow, commander) the paginator script does not pay',
    ),
    peakRss(
      CLI,
      150,
      'see Findings: the same live heap and garbage as the library script (145 MB), but V8 runs 2 full GCs in the CLI against 4, so its old space peaks higher (41 MiB against 25-28); single runs 143-150 MB',
    ),
    fasterAndLighter(
      LIBRARY,
      PLAIN,
      'SDK paging dominates both (the floor is about 80% of either time); our work runs between pages in the same thread, the plain script converts after the last page, so their times differ by less than the run-to-run spread on a loaded machine (0.86x at load 0.7, 1.06x at load 2.4); the memory advantage holds',
    ),
  ],
});
