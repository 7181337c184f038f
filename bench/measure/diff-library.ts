/**
 * One library diff of two saved captures to an Arrow file, in this process, for A/B runs of how the
 * change rows reach the serializer: `node --import tsx bench/measure/diff-library.ts BEFORE AFTER MODE`
 * with MODE `pipe` (a plain pipeline, what the diff scenario times), `paced` (one batch written when
 * the one before it is taken, as the CLI does) or `read` (both captures to Arrow: the baseline).
 * Prints wall time, CPU time and peak RSS as one JSON line.
 */
import { createWriteStream, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { DIFF_COLUMNS, diffCaptures, flowResultsFromFile, toArrow } from '../core.js';

const [before, after, mode = 'pipe'] = process.argv.slice(2);
if (before === undefined || after === undefined) throw new Error('usage: diff-library.ts BEFORE AFTER MODE');
const out = path.join(os.tmpdir(), `nfw-diff-library-${process.pid}.arrow`);
const columns = () => DIFF_COLUMNS.map((c) => ({ ...c }));
const started = performance.now();
const cpu = process.cpuUsage();
if (mode === 'read') {
  for (const file of [before, after])
    await pipeline(flowResultsFromFile(file), toArrow({ format: 'file' }), createWriteStream(out));
} else {
  const diff = diffCaptures(flowResultsFromFile(before), flowResultsFromFile(after), { batches: true });
  const sink = toArrow({ format: 'file', columns: columns() });
  if (mode === 'pipe') await pipeline(diff, sink, createWriteStream(out));
  else {
    const written = pipeline(sink, createWriteStream(out));
    for await (const batch of diff)
      await new Promise<void>((resolve, reject) => sink.write(batch, (e) => (e ? reject(e) : resolve())));
    sink.end();
    await written;
  }
}
const used = process.cpuUsage(cpu);
rmSync(out, { force: true });
console.log(
  JSON.stringify({
    mode,
    ms: Math.round(performance.now() - started),
    cpuMs: Math.round((used.user + used.system) / 1000),
    maxRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
  }),
);
