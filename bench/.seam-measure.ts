import { cliApiEnv, cliExportArgs, startEmulatorProcess } from './scenarios/support/api.js';
import { runCli, runLibraryProcess } from './scenarios/support/tools.js';
const n = Number(process.argv[2] ?? 200000);
const runs = Number(process.argv[3] ?? 3);
const emulator = await startEmulatorProcess({ flowsPerScope: n });
const op = emulator.operations[0]!;
const out = '/tmp/seam-m/api.arrow';
for (let r = 0; r < runs; r++) {
  const p = await runLibraryProcess(['paginator', emulator.endpoint, JSON.stringify(op)]);
  console.log(`paginator: ${p.ms.toFixed(0)} ms, CPU ${p.cpuMs} ms, RSS ${((p.maxRssKiB ?? 0) / 1024).toFixed(0)} MiB`);
  const c = await runCli(cliExportArgs(op, out), cliApiEnv(emulator.endpoint));
  console.log(`cli: ${c.ms.toFixed(0)} ms, CPU ${c.cpuMs} ms, RSS ${((c.maxRssKiB ?? 0) / 1024).toFixed(0)} MiB`);
  if (r === 0) await runCli(cliExportArgs(op, '/tmp/seam-m/k.arrow'), { ...cliApiEnv(emulator.endpoint), NFW_FLOWS_TEST_CRASH_AT: 'after-open' }).catch(() => {});
  const f = await runCli(['export', '--input', '/tmp/seam-m/k.arrow.nfw-partial/job-0.spool', '--out', '/tmp/seam-m/f.arrow', '--force', '--quiet']);
  console.log(`cli --input spool: ${f.ms.toFixed(0)} ms, CPU ${f.cpuMs} ms`);
}
emulator.close();
