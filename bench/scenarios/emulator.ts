import { defineScenario, type Target } from '../scenario.js';
import { type Client, makeClient, type OperationRef, sdk, startEmulatorProcess } from './support/api.js';
import { rawClient, warmEmulator } from './support/raw-client.js';

const PAGE = 100;
const RAW = 'emulator -> raw keep-alive HTTP client (bodies read, not parsed)';
const SDK = 'SDK paginator draining the same operation';

const pagesOf = (flows: number) => Math.max(1, Math.ceil(flows / PAGE));
const perSecond = (count: number, ms: number) => Math.round((count / ms) * 1000).toLocaleString('en-US');

/** The SDK's own first request (lazy middleware and config set-up) happens before the timed work too. */
async function warmSdk(client: Client, op: OperationRef): Promise<void> {
  for await (const _ of sdk.paginateListFlowOperationResults({ client, pageSize: 1 }, { ...op })) break;
}

/** Page rate of `subject` is at least `min` times that of `reference` (same operation, same page size). */
function pageRateRatio(subject: string, reference: string, min: number, whenMissed: string): Target {
  return {
    target: `emulator page rate (${subject}) >= ${min}x the SDK paginator's`,
    min,
    whenMissed,
    measure(stats) {
      const s = stats(subject);
      const r = stats(reference);
      const sRate = (pagesOf(s.items) / s.ms) * 1000;
      const rRate = (pagesOf(r.items) / r.ms) * 1000;
      const value = sRate / rRate;
      return {
        value,
        text: `${Math.round(sRate).toLocaleString('en-US')} vs ${Math.round(rRate).toLocaleString('en-US')} pages/s (${value.toFixed(2)}x)`,
      };
    },
  };
}

export default defineScenario({
  name: 'emulator',
  description:
    "The fixtures emulator's page rate on loopback (issue 3: fast enough never to be the bottleneck of a benchmark): one operation, `ListFlowOperationResults` with MaxResults=100, the emulator in its own Node process on 127.0.0.1 (no added latency). The raw client sends signed-looking requests over one keep-alive socket, follows NextToken and only counts the body bytes, so its time is the emulator's serving rate; the baseline is the real SDK paginator (`paginateListFlowOperationResults`) draining the same operation. The emulator's flow generator is warmed with one page before the timed work in both cases. Detail: pages, body size and rates of the last run.",
  defaultSize: 1_000_000,
  unit: 'flow',
  cases: [
    {
      name: RAW,
      baseline: SDK,
      prepare: async (n) => {
        const emulator = await startEmulatorProcess({ flowsPerScope: n });
        const op = emulator.operations[0]!;
        await warmEmulator(emulator.endpoint, op);
        const client = rawClient(emulator.endpoint, op);
        return async () => {
          const start = performance.now();
          const { pages, bytes } = await client.drain();
          const ms = performance.now() - start;
          client.close();
          emulator.close();
          if (pages !== pagesOf(n))
            throw new Error(`expected ${pagesOf(n)} pages of ${n} flows, got ${pages}`);
          return {
            check: `${pages}:${bytes}`,
            detail: `${pages.toLocaleString('en-US')} pages, ${(bytes / 1e6).toFixed(1)} MB; ${perSecond(pages, ms)} pages/s, ${perSecond(n, ms)} flows/s, ${((bytes / 1e6 / ms) * 1000).toFixed(1)} MB/s`,
          };
        };
      },
    },
    {
      name: SDK,
      prepare: async (n) => {
        const emulator = await startEmulatorProcess({ flowsPerScope: n });
        const op = emulator.operations[0]!;
        await warmEmulator(emulator.endpoint, op);
        const client = makeClient(emulator.endpoint);
        await warmSdk(client, op);
        return async () => {
          const start = performance.now();
          let pages = 0;
          let flows = 0;
          for await (const page of sdk.paginateListFlowOperationResults(
            { client, pageSize: PAGE },
            { ...op },
          )) {
            pages++;
            flows += page.Flows?.length ?? 0;
          }
          const ms = performance.now() - start;
          emulator.close();
          if (flows !== n) throw new Error(`expected ${n} flows, the paginator gave ${flows}`);
          return {
            check: `${pages}:${flows}`,
            detail: `${pages.toLocaleString('en-US')} pages; ${perSecond(pages, ms)} pages/s, ${perSecond(flows, ms)} flows/s`,
          };
        };
      },
    },
  ],
  findings: [
    'Run of this section (full `pnpm bench` of 2026-12-01, session 4, 11:55-12:07 UTC): 2,506 against 1,021 pages/s, 2.45x (2.30x in session 3): not met. Where the time goes is unchanged (below): about 0.4 ms a page in the emulator, a fifth of it the kernel copy into the loopback socket. The gap to 3x is about 0.11 ms a page of emulator time (0.40 ms a page raw, 0.98 ms through the SDK: both lose what the emulator saves); the generator and JSON writer together are about 0.15 ms a page, so even writing pages twice as fast would not reach it.',
    'Per page at 1M flows (medians, load 1.2-1.3, 2-vCPU Firecracker VM): raw client 0.59 ms wall, of which 0.19 ms is its own CPU (HTTP parsing of about 23 KB), so about 0.40 ms is the emulator serving the page; SDK paginator 1.37 ms wall, 0.98 ms CPU: about 0.39 ms of every SDK page (28% of its wall time) is spent waiting for the emulator. Paging is sequential (NextToken), so the emulator time adds to every page a paginator-driven benchmark reads, rather than hiding behind it.',
    'CPU profile of the emulator host (`node --cpu-prof --import tsx bench/scenarios/support/emulator-host.ts`, 200K flows, driven by the raw client): of about 1.5 s busy, `writev` (the kernel copy of the response into the loopback socket) 327 ms (21%), flow generator `flowAt` + IPv6 text 170 ms (11%), JSON writer `jsonValue`/`jsonString` 120 ms (8%), GC 102 ms (7%), engine `results`/`handle` 96 ms, NextToken HMAC 37 ms, the rest HTTP parsing, tsx loader start-up and small items. Generator + JSON writer alone measure about 2.5 microseconds a flow in process (0.25 ms a page): no single hot spot; reaching 3x the SDK (about 2,200 pages/s) needs the per-page emulator time below about 0.25 ms (e.g. pages written straight into a Buffer, or pre-serialized pages).',
  ],
  targets: [
    pageRateRatio(
      RAW,
      SDK,
      3,
      'one request is in flight at a time, so the raw rate is the emulator serving a page plus the raw client receiving it; see Findings: about 0.4 ms a page in the emulator (kernel loopback writes, the flow generator, the JSON writer, GC)',
    ),
  ],
});
