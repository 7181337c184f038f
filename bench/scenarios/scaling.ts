import { pipeline } from 'node:stream/promises';
import { toArrow } from '../core.js';
import type { BenchCase, Target } from '../scenario.js';
import { defineScenario } from '../scenario.js';
import { CountingSink, normalizePages, rawPages } from './support/pipelines.js';
import { megabytes } from './support/targets.js';

/** Sizes as multiples of the scenario's N (default N = 1M: 10K, 100K, 1M, 10M); the largest runs once. */
const SERIES: [label: string, factor: number, maxRuns?: number][] = [
  ['10K', 0.01],
  ['100K', 0.1],
  ['1M', 1],
  // Not in the series: where the peak reaches its plateau (see the third RSS target).
  ['3M', 3, 1],
  ['10M', 10, 1],
];
const caseName = (label: string) => `${label} flows: raw pages -> normalize -> toArrow -> sink`;

function sizeCase(label: string, factor: number, maxRuns?: number): BenchCase {
  return {
    name: caseName(label),
    items: (n) => Math.max(1, Math.round(n * factor)),
    ...(maxRuns === undefined ? {} : { maxRuns }),
    prepare: (items) => async () => {
      const sink = new CountingSink();
      await pipeline(rawPages(items), normalizePages(), toArrow({ format: 'file' }), sink);
      return { check: String(sink.bytes), detail: `${(sink.bytes / 2 ** 20).toFixed(0)} MiB Arrow` };
    },
  };
}

export default defineScenario({
  name: 'scaling',
  description:
    'The library pipeline at 10K, 100K, 1M and 10M flows (and 3M, where the peak levels off): a Readable of raw API pages (100 flows each) generated lazily by the fixtures generator (seed 7; the 10M flows never exist whole, in memory or on disk), normalized (createFlowNormalizer), encoded by toArrow (IPC file) into a byte-counting sink. Time per flow should stay flat (linear growth) and peak RSS should not grow with N. The 10M case runs once (about a minute).',
  defaultSize: 1_000_000,
  unit: 'flow',
  cases: SERIES.map(([label, factor, maxRuns]) => sizeCase(label, factor, maxRuns)),
  findings: [
    'Run of this section (full `pnpm bench` of 2026-12-01, session 4, 11:55-12:07 UTC): peak RSS 10K 124, 100K 153, 1M 172, 3M 185, 10M 189 MB; 10M / 1M 1.10x (met at the limit), 10M / 100K 1.24x (not met), 10M / 3M 1.02x (the plateau, met); cost per added flow 1,312 then 1,159 ns (linear, met). What grows from 100K to 3M is the old space, not the live heap: heap-space samples every 10 ms (12:00 UTC) show 25 MiB of old space committed at the peak of 100K and 46 MiB at 3M, with the same 32 MiB young generation. The normalizer address memo is bounded (two generations of 16,384 per kind) and is not the cause: with 1,024 entries a generation the 3M run peaked higher (229 MB against 185, maxRSS of one run each) and ran 37% slower, since every miss parses and allocates again.',
    'Session 3 (2026-12-01, finished 10:40 UTC, 5 runs of the sizes up to 1M, one of 3M and 10M, load 1.2): peak RSS 10K 130, 100K 155, 1M 171, 3M 187, 10M 190 MB. From 3M to 10M (3.3 times the flows) the peak grows 2%: that is the plateau, judged by the 3M row added on 2026-12-01 (session 3). The 1M and 100K ratios (our own thresholds of 2026-11-23, not the issue text, which asks for a flat peak) stay in the table as filed: they compare the plateau with runs too short to reach it. Measured and not kept: the normalizer stream buffer of 64-1,024 records (3M and 10M peaks 181-191 MiB with any of them, within noise), a read-ahead of the next file chunk and a 4 MiB readable buffer in toArrow (file-to-arrow: no gain, +25 MB).',
    'Per flow, 10K and 100K cost more (12.5 and 2.9 microseconds against 1.3 at 1M and 1.1 at 10M, full `pnpm bench` of 2026-12-01 08:40-08:52 UTC, load 0.5-1.8): a fixed cost of about 0.1-0.2 s (JIT warm-up of the normalizer and the batch writer, first schema and batch allocations) that larger runs amortize. The marginal cost is what linear growth is about, and it is the target (met, 1.04x).',
    'Peak RSS is bounded, and lower at every size than before, but it reaches its plateau later than 1M, so the ratio targets against 1M and 100K read not met in session 3 (in session 4 the one against 1M met at 1.10x). With the 4,096-row default (2026-12-01) the peaks were 10K 126, 100K 155, 1M 171, 10M 194 MB; the same pipeline at more sizes (`node --expose-gc --import tsx bench/child.ts scaling.ts "10M flows: raw pages -> normalize -> toArrow -> sink" N`, 2026-12-01 09:00 UTC): 1M 165 MiB, 3M 184, 10M 192, 20M 184: flat from 3M on. With the old 16,384-row default the tree of 2026-11-23 measured 1M 206-213 MiB and 10M 225 MiB. The rise below 3M is the old space sizing itself to the steady garbage of written batches (dead batch buffers wait for a full GC, see file-to-arrow Findings). Peak RSS here includes the benchmark harness (tsx and TypeScript sources). The 10M and 20M flows never exist whole: they come from the generator page by page.',
  ],
  targets: [
    {
      // Linear = a fixed start-up cost plus a constant cost per flow: compare the marginal cost of the
      // flows added from 100K to 1M with that of the flows added from 1M to 10M.
      target: 'time grows linearly: cost per added flow, 100K -> 1M against 1M -> 10M, within 1.2x',
      max: 1.2,
      measure(stats) {
        const s = SERIES.map(([label]) => ({ label, ...stats(caseName(label)) }));
        const at = (label: string) => s.find((p) => p.label === label)!;
        const slope = (a: (typeof s)[number], b: (typeof s)[number]) =>
          ((b.ms - a.ms) * 1e6) / (b.items - a.items);
        const early = slope(at('100K'), at('1M'));
        const late = slope(at('1M'), at('10M'));
        const value = Math.max(early, late) / Math.min(early, late);
        const per = s.map((p) => `${p.label} ${((p.ms * 1e6) / p.items).toFixed(0)}`).join(', ');
        return {
          value,
          text: `${value.toFixed(2)}x (${early.toFixed(0)} then ${late.toFixed(0)} ns per added flow; overall ns a flow: ${per})`,
        };
      },
    },
    {
      target: 'peak RSS bounded: 10M at most 1.1x the peak of 1M',
      max: 1.1,
      whenMissed:
        'bounded, with a plateau reached by 3M (see Findings: 3M 184, 10M 192, 20M 184 MiB); the 1M run peaks lower, before the old space has sized itself to the garbage of written batches',
      measure: rssRatio('10M', '1M', true),
    },
    {
      target: 'peak RSS flat over the whole series: 10M at most 1.15x the peak of 100K',
      max: 1.15,
      whenMissed:
        'bounded, with a plateau reached by 3M (see Findings: 3M 184, 10M 192, 20M 184 MiB); the smaller runs peak lower, before the old space has sized itself to the garbage of written batches',
      measure: rssRatio('10M', '100K'),
    },
    {
      // Bounded means it stops growing: 3.3 times the flows of 3M, the same peak.
      target: 'peak RSS plateau: 10M at most 1.05x the peak of 3M',
      max: 1.05,
      measure: rssRatio('10M', '3M'),
    },
  ],
});

/** A target's measure: the peak RSS of size `big` over that of `small` (`all`: list every size). */
function rssRatio(big: string, small: string, all = false): Target['measure'] {
  return (stats) => {
    const rss = SERIES.map(([label]) => ({ label, mb: megabytes(stats(caseName(label)).maxRssMiB) }));
    const peak = (label: string) => rss.find((r) => r.label === label)!.mb;
    const value = peak(big) / peak(small);
    const sizes = all
      ? rss.map((r) => `${r.label} ${r.mb.toFixed(0)} MB`).join(', ')
      : `${small} ${peak(small).toFixed(0)} MB, ${big} ${peak(big).toFixed(0)} MB`;
    return { value, text: `${value.toFixed(2)}x (${sizes})` };
  };
}
