import { createWriteStream, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createFlowTable, writeCaptureFile } from '../../packages/fixtures/src/index.js';
import { DIFF_COLUMNS, diffCaptures, flowResultsFromFile, toArrow } from '../core.js';
import { defineScenario } from '../scenario.js';
import { peakRss, timeRatio } from './support/targets.js';
import { CACHE_DIR, fileSize, removeQuietly, runCli, scratchPath } from './support/tools.js';

const BOTH = 'library: both captures read to Arrow (flowResultsFromFile -> toArrow, one after the other)';
const DIFF = 'library: diffCaptures of the two captures -> toArrow';
const CLI_BOTH = 'CLI: export --input of each capture to .arrow (two processes, times added)';
const CLI_DIFF = 'CLI: diff --before --after --out X.arrow';

const INTERVAL = 300;
const T0 = 1_767_225_600;

/**
 * Two captures of one endpoint's flow table (the emulator's, seed 21) 300 s apart, in the AWS CLI's
 * merged format: about half the flows continue, the rest ended and were replaced by new ones.
 */
async function capturePair(size: number): Promise<[string, string]> {
  mkdirSync(CACHE_DIR, { recursive: true });
  const files: [string, string] = [
    path.join(CACHE_DIR, `diff-before-${size}.json`),
    path.join(CACHE_DIR, `diff-after-${size}.json`),
  ];
  const table = createFlowTable(21, size);
  for (const [i, file] of files.entries()) {
    if (existsSync(file)) continue;
    const at = T0 + i * INTERVAL;
    const source = table.at(at);
    function* flows() {
      for (let k = 0; k < source.count; k++) yield source.flowAt(k);
    }
    await writeCaptureFile(file, {
      flows: flows(),
      shape: 'cli',
      metadata: { FlowRequestTimestamp: at, FlowOperationId: `bench-diff-${i}` },
    });
  }
  return files;
}

export default defineScenario({
  name: 'diff',
  description:
    'Change rows between two saved captures (AWS CLI merged format) of the same flow table 300 s apart, against reading both captures to Arrow: in process (the library, to an Arrow IPC file) and as the CLI (peak RSS measured from outside with GNU time).',
  defaultSize: 1_000_000,
  unit: 'flow',
  cases: [
    {
      name: BOTH,
      prepare: async (n) => {
        const files = await capturePair(n);
        const out = scratchPath('diff-both.arrow');
        return async () => {
          let flows = 0;
          for (const file of files) {
            const source = flowResultsFromFile(file);
            await pipeline(source, toArrow({ format: 'file' }), createWriteStream(out));
            flows += source.summary().emitted;
            removeQuietly(out);
          }
          return String(flows);
        };
      },
    },
    {
      name: DIFF,
      baseline: BOTH,
      prepare: async (n) => {
        const [before, after] = await capturePair(n);
        const out = scratchPath('diff-library.arrow');
        return async () => {
          const diff = diffCaptures(flowResultsFromFile(before), flowResultsFromFile(after), {
            batches: true,
          });
          await pipeline(
            diff,
            toArrow({ format: 'file', columns: DIFF_COLUMNS.map((c) => ({ ...c })) }),
            createWriteStream(out),
          );
          const s = diff.summary();
          const bytes = fileSize(out);
          removeQuietly(out);
          return {
            check: `${s.continuing}:${s.new}:${s.ended}`,
            detail: `${s.continuing} continuing, ${s.new} new, ${s.ended} ended; ${(bytes / 2 ** 20).toFixed(0)} MiB Arrow`,
          };
        };
      },
    },
    {
      name: CLI_BOTH,
      prepare: async (n) => {
        const files = await capturePair(n);
        return async () => {
          let ms = 0;
          let cpuMs = 0;
          let maxRssKiB = 0;
          let bytes = 0;
          for (const [i, file] of files.entries()) {
            const out = scratchPath(`diff-cli-export-${i}.arrow`);
            const m = await runCli(['export', '--input', file, '--out', out, '--quiet', '--force']);
            ms += m.ms;
            cpuMs += m.cpuMs ?? 0;
            maxRssKiB = Math.max(maxRssKiB, m.maxRssKiB ?? 0);
            bytes += fileSize(out);
            removeQuietly(out);
          }
          return { check: String(bytes), ms, cpuMs, maxRssKiB, detail: 'two separate processes' };
        };
      },
    },
    {
      name: CLI_DIFF,
      baseline: CLI_BOTH,
      prepare: async (n) => {
        const [before, after] = await capturePair(n);
        const out = scratchPath('diff-cli.arrow');
        return async () => {
          removeQuietly(out);
          const measured = await runCli([
            'diff',
            '--before',
            before,
            '--after',
            after,
            '--out',
            out,
            '--quiet',
          ]);
          const bytes = fileSize(out);
          removeQuietly(out);
          return { ...measured, check: String(bytes), detail: 'separate process' };
        };
      },
    },
  ],
  findings: [
    "Where the time goes (node --cpu-prof of the library case): reading and parsing both files is the baseline's own work and about half of the diff's CPU; building the two tables (packing keys from the parsed addresses, hashing, probing, growing the index) about a fifth; writing the 1.53M change rows of 35 columns as row objects through the serializers' generic builders (a row object, bigint and Date cells per change, and their garbage) cost about as much as building the tables, and a promise per input record a few percent more.",
    'Change rows now go to Arrow and Parquet as RecordBatches filled straight from the tables (diffCaptures with batches; the CLI for Arrow and Parquet), the same bytes as the row path, and the inputs are drained without a promise per record. Interleaved runs of the old and new build at load 1.5-2.6: library CPU ratio 1.74-1.82x -> 1.53-1.69x, CLI 1.79-1.97x -> 1.37x.',
    "What limits the library case now: the table build (each probe compares a 48-byte key at a random place in 16,384-flow chunks: cache misses) and mark-compact GCs: with no row garbage the young generation seldom fills, so the batches' buffers are freed by mark-compacts that external memory triggers (about 50 a run) rather than by scavenges.",
    'Memory: both captures are held in typed-array tables (16,384-flow chunks keyed by a hash of the packed flow key, about 86 B a flow), not one side as first planned: a key repeated in the after capture cannot be paired until that capture is read whole. While rows are written the tables drop their indexes and the chunks already passed, and the CLI hands the serializer one batch at a time (a pipe queues 16 objects: megabytes of batches behind the disk): CLI peak RSS 394-399 MB -> 349-351 MB. In process, through a plain pipeline, the library case peaks about 35 MiB higher than with rows.',
    "Close to the 1.5x target: the last three runs gave library 1.51x / 1.49x / 1.34x and CLI 1.44x / 1.52x / 1.40x (medians 1.49x and 1.44x; the table above is the latest). On this 2-core VM the same build varies by up to 15% from run to run (standalone runs of bench/measure/diff-library.ts on one build, with nothing else running: 15.4-21.8 s), more than the changes tried since. Tried and not kept (interleaved A/B runs showed no difference above that noise): hashes stored in the index beside the slots, so a probe reads a key only on a hash match (300K flows, 6 pairs: median CPU 6.03 s old against 5.95 s new); the CLI keeping 4 batches in flight instead of 1 (1M flows, 3 pairs: 19.0-21.9 s old, 17.8-21.5 s new). A profile of the library case (node --cpu-prof): reading and parsing both files (Buffer decoding, the scanner, address parsing) is about 10 of 22.8 s, the same work as the baseline's; packing keys and building the tables about 4.3 s, writing the change rows about 1.5 s, GC 1.3 s.",
  ],
  targets: [timeRatio(DIFF, BOTH, 1.5), timeRatio(CLI_DIFF, CLI_BOTH, 1.5), peakRss(CLI_DIFF, 400)],
});
