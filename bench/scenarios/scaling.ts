import { pipeline } from 'node:stream/promises';
import { toArrow } from '../core.js';
import type { BenchCase } from '../scenario.js';
import { defineScenario } from '../scenario.js';
import { CountingSink, normalizePages, rawPages } from './support/pipelines.js';
import { megabytes } from './support/targets.js';

/** Sizes as multiples of the scenario's N (default N = 1M: 10K, 100K, 1M, 10M); the largest runs once. */
const SERIES: [label: string, factor: number, maxRuns?: number][] = [
  ['10K', 0.01],
  ['100K', 0.1],
  ['1M', 1],
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
    'The library pipeline at 10K, 100K, 1M and 10M flows: a Readable of raw API pages (100 flows each) generated lazily by the fixtures generator (seed 7; the 10M flows never exist whole, in memory or on disk), normalized (createFlowNormalizer), encoded by toArrow (IPC file) into a byte-counting sink. Time per flow should stay flat (linear growth) and peak RSS should not grow with N. The 10M case runs once (about a minute).',
  defaultSize: 1_000_000,
  unit: 'flow',
  cases: SERIES.map(([label, factor, maxRuns]) => sizeCase(label, factor, maxRuns)),
  targets: [
    {
      target: 'time grows linearly: time per flow at 100K, 1M and 10M within 1.2x of each other',
      max: 1.2,
      measure(stats) {
        const per = SERIES.map(([label]) => {
          const s = stats(caseName(label));
          return { label, ns: (s.ms * 1e6) / s.items };
        });
        const large = per.filter((p) => p.label !== '10K').map((p) => p.ns);
        const value = Math.max(...large) / Math.min(...large);
        return {
          value,
          text: `${value.toFixed(2)}x (${per.map((p) => `${p.label} ${p.ns.toFixed(0)} ns`).join(', ')} a flow)`,
        };
      },
    },
    {
      target: 'peak RSS stays flat: 10M at most 1.15x the peak of 100K',
      max: 1.15,
      measure(stats) {
        const rss = SERIES.map(([label]) => ({ label, mb: megabytes(stats(caseName(label)).maxRssMiB) }));
        const value = rss.at(-1)!.mb / rss[1]!.mb;
        return {
          value,
          text: `${value.toFixed(2)}x (${rss.map((r) => `${r.label} ${r.mb.toFixed(0)} MB`).join(', ')})`,
        };
      },
    },
  ],
});
