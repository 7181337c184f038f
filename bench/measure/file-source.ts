// Measurement script, not a test: node --import tsx bench/measure/file-source.ts <jsonparse|scan|streamjson|records> <path>
import { createReadStream, readFileSync } from 'node:fs';
import { FlowsScanner, flowResultsFromFile } from '../core.js';
import { streamJsonCount } from '../scenarios/support/peers.js';

const [mode, path] = process.argv.slice(2);
const t0 = performance.now();
const cpu0 = process.cpuUsage();
let n = 0;
let peak = 0;
const timer = setInterval(() => {
  peak = Math.max(peak, process.memoryUsage().rss);
}, 50);
if (mode === 'jsonparse') {
  const doc = JSON.parse(readFileSync(path, 'utf8'));
  n = doc.Flows.length;
} else if (mode === 'scan') {
  const s = new FlowsScanner({
    pageStart() {},
    meta() {},
    flowsStart() {},
    flows(_p, f) {
      n += f.length;
    },
    pageEnd() {},
  });
  for await (const c of createReadStream(path, { highWaterMark: 1 << 20 })) s.write(c);
  s.end();
} else if (mode === 'streamjson') {
  n = await streamJsonCount(path);
} else {
  for await (const _ of flowResultsFromFile(path)) n++;
}
clearInterval(timer);
peak = Math.max(peak, process.memoryUsage().rss);
// CPU time (all threads, incl. GC helpers) is steadier than wall time on a loaded machine.
const cpu = process.cpuUsage(cpu0);
console.log(
  JSON.stringify({
    mode,
    n,
    seconds: +((performance.now() - t0) / 1000).toFixed(2),
    cpuSeconds: +((cpu.user + cpu.system) / 1e6).toFixed(2),
    peakRssMB: Math.round(peak / 2 ** 20),
  }),
);
