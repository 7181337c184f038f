import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { flowResults, toArrow } from '../core.js';
import { defineScenario } from '../scenario.js';
import { drainPaginator, makeClient, startEmulatorProcess } from './support/api.js';
import { fileSize, removeQuietly, scratchPath } from './support/tools.js';

/** Delay the emulator adds before every ListFlowOperationResults answer. */
export const LATENCY_MS = 50;
const FLOOR = 'SDK paginator alone, 50 ms a page (floor)';
const LIBRARY = 'nfw-flows library: flowResults -> toArrow -> file, 50 ms a page';
const pages = (flows: number) => Math.ceil(flows / 100);

export default defineScenario({
  name: 'api-latency',
  description: `One flow operation from the emulator (own process, 127.0.0.1) answering every ListFlowOperationResults request after ${LATENCY_MS} ms, 100 flows a page, so the ideal time is pages x ${LATENCY_MS} ms: paging is sequential (each request needs the previous NextToken), and the work on a page should hide behind the next request (flowResults prefetches 1 page).`,
  defaultSize: 20_000,
  unit: 'flow',
  cases: [
    {
      name: FLOOR,
      prepare: async (n) => {
        const emulator = await startEmulatorProcess({ flowsPerScope: n, latencyMs: LATENCY_MS });
        const client = makeClient(emulator.endpoint);
        return async () => {
          const flows = await drainPaginator(client, emulator.operations[0]!);
          emulator.close();
          return { check: String(flows), detail: `ideal ${pages(n) * LATENCY_MS} ms` };
        };
      },
    },
    {
      name: LIBRARY,
      baseline: FLOOR,
      prepare: async (n) => {
        const emulator = await startEmulatorProcess({ flowsPerScope: n, latencyMs: LATENCY_MS });
        const client = makeClient(emulator.endpoint);
        const out = scratchPath('latency.arrow');
        return async () => {
          const source = flowResults(client, emulator.operations[0]!);
          await pipeline(source, toArrow({ format: 'file' }), createWriteStream(out));
          emulator.close();
          const bytes = fileSize(out);
          removeQuietly(out);
          return {
            check: String(source.summary().emitted),
            detail: `ideal ${pages(n) * LATENCY_MS} ms, ${bytes} B`,
          };
        };
      },
    },
  ],
  targets: [
    {
      target: `${LIBRARY}: total time <= 1.05x pages x ${LATENCY_MS} ms`,
      max: 1.05,
      measure(stats) {
        const library = stats(LIBRARY);
        const floor = stats(FLOOR);
        const ideal = pages(library.items) * LATENCY_MS;
        const value = library.ms / ideal;
        return {
          value,
          text: `${value.toFixed(3)}x ideal (${ideal} ms); the SDK paginator alone: ${(floor.ms / ideal).toFixed(3)}x ideal; library / paginator ${(library.ms / floor.ms).toFixed(3)}x`,
        };
      },
    },
  ],
});
