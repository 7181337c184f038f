// Preload for memory profiles (not a test): `node --require bench/measure/memory-sampler.cjs ...` with
// NFW_SAMPLE_OUT=<file> samples process.memoryUsage() every NFW_SAMPLE_MS (default 10) ms and writes the
// peak of each field, the samples around the RSS peak and the heap spaces at that moment to <file> at exit.
const { writeFileSync } = require('node:fs');
const v8 = require('node:v8');

const out = process.env.NFW_SAMPLE_OUT;
if (out) {
  const every = Number(process.env.NFW_SAMPLE_MS ?? 10);
  const start = performance.now();
  const peak = { rss: 0, heapTotal: 0, heapUsed: 0, external: 0, arrayBuffers: 0 };
  const samples = [];
  let atPeak = null;
  const sample = () => {
    const m = process.memoryUsage();
    for (const k of Object.keys(peak)) peak[k] = Math.max(peak[k], m[k]);
    const row = { ms: Math.round(performance.now() - start) };
    for (const k of Object.keys(peak)) row[k] = +(m[k] / 2 ** 20).toFixed(1);
    samples.push(row);
    if (m.rss >= peak.rss) {
      atPeak = {
        ...row,
        spaces: Object.fromEntries(
          v8.getHeapSpaceStatistics().map((s) => [s.space_name, +(s.space_size / 2 ** 20).toFixed(1)]),
        ),
      };
    }
  };
  setInterval(sample, every).unref();
  process.on('exit', () => {
    sample();
    const mib = Object.fromEntries(Object.entries(peak).map(([k, v]) => [k, +(v / 2 ** 20).toFixed(1)]));
    const every10 = samples.filter((_, i) => i % 10 === 0);
    writeFileSync(out, JSON.stringify({ peak: mib, atPeak, samples: every10 }));
  });
}
