import { defineScenario } from '../scenario.js';
import {
  cliArrowExport,
  drainPaginator,
  libraryArrowExport,
  makeClient,
  startEmulatorProcess,
} from './support/api.js';
import { rawClient } from './support/raw-client.js';

/** Delay the emulator adds before every ListFlowOperationResults answer. */
export const LATENCY_MS = 50;
const RIG = 'raw keep-alive HTTP client, 50 ms a page (the emulator and loopback alone, no SDK)';
const FLOOR = 'SDK paginator alone, 50 ms a page (floor)';
const LIBRARY = 'nfw-flows library: flowResults -> toArrow -> file, 50 ms a page';
const CLI = 'nfw-flows CLI: export --out X.arrow, 50 ms a page (separate process, start-up included)';
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
    {
      name: CLI,
      baseline: FLOOR,
      prepare: async (n) => {
        const emulator = await startEmulatorProcess({ flowsPerScope: n, latencyMs: LATENCY_MS });
        return async () => {
          const { bytes, ...measured } = await cliArrowExport(emulator, 'latency-cli.arrow');
          return {
            ...measured,
            check: String(bytes),
            detail: `ideal ${pages(n) * LATENCY_MS} ms, separate process`,
          };
        };
      },
    },
  ],
  findings: [
    'Over the ideal: the rig alone (raw keep-alive client, no SDK) is 1.02-1.04x (loopback HTTP, the emulator writing the page, two idle processes waking); the SDK paginator 1.035-1.08x (middleware, signing, parsing: 2.1 ms of CPU a page against 0.9 ms raw), so no client built on the SDK meets 1.05x on a machine where the rig alone takes 1.04x. Our share is library / paginator, 1.000-1.005x.',
    'The CLI (a separate process) pays Node start-up and module loading (0.3-0.5 s, 3-5% of a 10 s export) before its first request, then writes each page to its spool and the Arrow file while the next request is in flight: CLI / paginator 1.066x at 200 pages.',
    'Our work hides behind the next request only because the API source keeps one request in flight and lets it reach the socket before processing the page it has (one setImmediate a page); without that, library / paginator read 1.012-1.017x.',
    "The emulator counts its latency from the request's arrival, builds the page meanwhile, and never answers early (a timer to 2 ms before, then event-loop turns). Sleeping first and building after put the floor at 1.08-1.11x; a bare timer answered up to 0.6 ms early.",
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
    {
      target: `${CLI}: total time <= 1.05x pages x ${LATENCY_MS} ms`,
      max: 1.05,
      whenMissed:
        'the CLI also pays Node start-up and module loading (about 0.3 s) and the describe call before paging',
      measure(stats) {
        const cli = stats(CLI);
        const ideal = pages(cli.items) * LATENCY_MS;
        const value = cli.ms / ideal;
        return {
          value,
          text: `${value.toFixed(3)}x ideal (${ideal} ms); CLI / paginator ${(cli.ms / stats(FLOOR).ms).toFixed(3)}x`,
        };
      },
    },
  ],
});
