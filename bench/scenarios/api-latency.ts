import { defineScenario } from '../scenario.js';
import { drainPaginator, libraryArrowExport, makeClient, startEmulatorProcess } from './support/api.js';
import { rawClient } from './support/raw-client.js';

/** Delay the emulator adds before every ListFlowOperationResults answer. */
export const LATENCY_MS = 50;
const RIG = 'raw keep-alive HTTP client, 50 ms a page (the emulator and loopback alone, no SDK)';
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
      // What the test rig adds to pages x 50 ms before any client work: the emulator answering, loopback.
      name: RIG,
      prepare: async (n) => {
        const emulator = await startEmulatorProcess({ flowsPerScope: n, latencyMs: LATENCY_MS });
        const client = rawClient(emulator.endpoint, emulator.operations[0]!);
        return async () => {
          const { pages: served, bytes } = await client.drain();
          client.close();
          emulator.close();
          if (served !== pages(n)) throw new Error(`expected ${pages(n)} pages, got ${served}`);
          return { check: `${served}:${bytes}`, detail: `ideal ${pages(n) * LATENCY_MS} ms` };
        };
      },
    },
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
        return async () => {
          const { emitted, bytes } = await libraryArrowExport(
            client,
            emulator.operations[0]!,
            'latency.arrow',
          );
          emulator.close();
          return { check: String(emitted), detail: `ideal ${pages(n) * LATENCY_MS} ms, ${bytes} B` };
        };
      },
    },
  ],
  findings: [
    'Run of this section (full `pnpm bench` of 2026-12-01, session 4, 11:55-12:07 UTC, load 0.2-2): the library 1.045x the ideal pages x 50 ms (met), the SDK paginator alone 1.046x, library / paginator 1.000x; a 3-run check at 11:51 read 1.047x, 1.048x and 0.999x. The new first row is the rig alone: a raw keep-alive HTTP client (bench/scenarios/support/raw-client.ts, no SDK, bodies counted, not parsed) against the same emulator takes 1.022x of the ideal, about 1.1 ms a page of loopback HTTP, the emulator writing the page and the wake-ups of two idle processes. So of the 4.6% the floor is over the ideal, about half is the rig and half the SDK (middleware, signing, response parsing: 418 ms of CPU for the 200 pages, 2.1 ms a page, against 0.9 ms for the raw client and about 1 ms a page for the same SDK paging with no latency, where caches and JIT stay warm). The target is met by a margin of about 0.5%, which is the run-to-run spread here (1.045-1.051x today): what is ours is the library / paginator ratio, 1.000-1.005x.',
    'Since 2026-12-01 (session 4) the emulator never answers before its latency (packages/fixtures/src/emulator/start-emulator.ts: a timer to 2 ms before the answer time, then event-loop turns; a fixtures test sends 30 pages at 7 ms and finds none shorter). A bare Node timer runs against the loop time libuv cached at the start of the iteration, in whole milliseconds: the raw client measured 50 ms pages between 49.42 and 51.75 ms (median 51.04); now between 50.57 and 51.61 (median 51.12). It makes the floor an honest one (no early answers) and costs the ratios nothing measurable.',
    'Earlier, session 3 (2026-12-01, finished 10:49 UTC, 5 runs, load 1-2): the library 1.051x the ideal, the SDK paginator alone 1.046x, library / paginator 1.005x (1.000x in a 3-run check at 10:44). Since 2026-12-01 (session 3) flowResults lets the prefetched request reach the socket before it processes the page it has (one setImmediate a page, core/src/source/flow-results.ts): the SDK middleware chain of the next request used to interleave with our processing of the page, so each request left about 0.7 ms late (library / paginator 1.012-1.017x before). What is over the ideal is now the SDK alone (its floor read 1.035-1.048x in the runs of 2026-12-01, with the machine): the target is missed by the floor, not by our work.',
    "Met (full `pnpm bench` of 2026-12-01 08:40-08:52 UTC, load 0.5-1.8): the library took 1.047x the ideal pages x 50 ms, the SDK paginator alone 1.035x; library / paginator 1.012x: our work on a page hides behind the next request (flowResults keeps one `next()` of the paginator in flight). What is left over the ideal is the SDK's own cost per request (middleware, signing, HTTP on loopback, response parsing), which no consumer can hide since each request needs the previous NextToken.",
    "Until 2026-12-01 the emulator slept the latency and built the page after it, so every request took 50 ms plus the page build (about 0.4 ms) and the floor itself stood at 1.08-1.11x the ideal. Its latency now counts from the request's arrival, with the page built meanwhile (packages/fixtures/src/emulator/start-emulator.ts), as a client sees a real server's; the same change took the floor to 1.02-1.04x.",
  ],
  targets: [
    {
      target: `${LIBRARY}: total time <= 1.05x pages x ${LATENCY_MS} ms`,
      max: 1.05,
      whenMissed:
        'the SDK paginator alone takes 1.035-1.048x of the ideal on this machine, about half of it the rig (raw client row; see Findings); library / paginator is our share',
      measure(stats) {
        const library = stats(LIBRARY);
        const floor = stats(FLOOR);
        const ideal = pages(library.items) * LATENCY_MS;
        const value = library.ms / ideal;
        return {
          value,
          text: `${value.toFixed(3)}x ideal (${ideal} ms); the rig alone (raw client): ${(stats(RIG).ms / ideal).toFixed(3)}x; the SDK paginator alone: ${(floor.ms / ideal).toFixed(3)}x; library / paginator ${(library.ms / floor.ms).toFixed(3)}x`,
        };
      },
    },
  ],
});
