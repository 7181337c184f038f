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
    "What limits it: the diff writes 1.53M change rows of 36 columns through the serializers' generic row path (a row object and bigint cells per change), against 2M records of 20 columns on the flow records' fast path; without writing any output the diff costs about 1.3x reading both files. Next: the engine fills column builders directly.",
    'Memory: both captures are held in typed-array tables (16,384-flow chunks keyed by a hash of the packed flow key, about 90 B a flow), not one side as first planned: a key repeated in the after capture cannot be paired until that capture is read whole.',
  ],
  targets: [timeRatio(DIFF, BOTH, 1.5), timeRatio(CLI_DIFF, CLI_BOTH, 1.5), peakRss(CLI_DIFF, 400)],
});
