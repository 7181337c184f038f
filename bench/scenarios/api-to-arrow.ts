import { createWriteStream, writeFileSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { flowResults, toArrow } from '../core.js';
import { defineScenario } from '../scenario.js';
import {
  cliApiEnv,
  cliExportArgs,
  collectPages,
  drainPaginator,
  makeClient,
  startEmulatorProcess,
} from './support/api.js';
import { loadPlainScript } from './support/plain-script.js';
import { fasterAndLighter, peakRss, timeRatio } from './support/targets.js';
import { fileSize, removeQuietly, runCli, scratchPath } from './support/tools.js';

const FLOOR = 'SDK paginator alone (floor)';
const LIBRARY = 'nfw-flows library: flowResults -> toArrow -> file';
const CLI = 'nfw-flows CLI: export --out X.arrow (spool, then convert)';
const PLAIN = 'plain script: collect pages, then ipaddr.js + tableFromJSON + tableToIPC';

export default defineScenario({
  name: 'api-to-arrow',
  description:
    'One flow operation read from the emulator (its own Node process, on 127.0.0.1, no added latency, 100 flows a page) through the real AWS SDK client and written to an Arrow IPC file, beside the floor (the SDK paginator alone draining the same pages) and the plain script (collect every page, then ipaddr.js + `tableFromJSON` + `tableToIPC`). The CLI spools API pages to a line log, then converts (what makes `--resume` possible); it runs as a separate process measured from outside (start-up included).',
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
        const out = scratchPath('api.arrow');
        return async () => {
          const source = flowResults(client, emulator.operations[0]!);
          await pipeline(source, toArrow({ format: 'file' }), createWriteStream(out));
          emulator.close();
          const bytes = fileSize(out);
          removeQuietly(out);
          return {
            check: String(source.summary().emitted),
            detail: `${(bytes / 2 ** 20).toFixed(1)} MiB Arrow`,
          };
        };
      },
    },
    {
      name: CLI,
      baseline: FLOOR,
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
  targets: [
    timeRatio(LIBRARY, FLOOR, 1.15),
    peakRss(LIBRARY, 150),
    timeRatio(CLI, FLOOR, 1.15),
    peakRss(CLI, 150),
    fasterAndLighter(LIBRARY, PLAIN),
  ],
});
