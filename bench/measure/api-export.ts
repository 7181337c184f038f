/**
 * API export memory profile (not a test): each variant exports one operation of a fresh emulator
 * process (support/emulator-host.ts) and is measured from outside (GNU time), the variants interleaved
 * run by run so that they see the same load.
 *
 *   node --import tsx bench/measure/api-export.ts <flows> <runs> <variant>...
 *
 * variant: `cli` (nfw-flows export to .arrow), `script` (the library, support/library-export.mjs) or
 * `paginator` (the SDK alone), then optionally `@ROOT` (another checkout or a copy of the built packages,
 * to compare builds) and `+FLAG` node flags (`cli+--max-semi-space-size=8`). SAMPLE=1 also preloads
 * memory-sampler.cjs and prints the peaks of process.memoryUsage() and the heap spaces at the RSS peak.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cliApiEnv, cliExportArgs, startEmulatorProcess } from '../scenarios/support/api.js';
import { REPO, removeQuietly, scratchPath, timedProcess } from '../scenarios/support/tools.js';

const SAMPLER = fileURLToPath(new URL('./memory-sampler.cjs', import.meta.url));
const [flowsArg, runsArg, ...variants] = process.argv.slice(2);
const flows = Number(flowsArg);
const runs = Number(runsArg);

interface Variant {
  label: string;
  kind: string;
  root: string;
  flags: string[];
}

function parseVariant(text: string): Variant {
  const [head, ...flags] = text.split('+');
  const [kind, root] = head!.split('@');
  return { label: text, kind: kind!, root: root ?? REPO, flags };
}

async function runOnce(v: Variant): Promise<Record<string, unknown>> {
  const emulator = await startEmulatorProcess({ flowsPerScope: flows });
  const op = emulator.operations[0]!;
  const out = scratchPath('measure-api.arrow');
  const sampleOut = scratchPath('measure-sample.json');
  const sampling = process.env.SAMPLE === '1';
  const nvp = process.env.NVP === '1';
  const node = [...v.flags, ...(sampling ? ['--require', SAMPLER] : []), ...(nvp ? ['--trace-gc-nvp'] : [])];
  const env = {
    ...process.env,
    ...cliApiEnv(emulator.endpoint),
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    ...(sampling ? { NFW_SAMPLE_OUT: sampleOut } : {}),
  };
  let args: string[];
  if (v.kind === 'cli')
    args = [path.join(v.root, 'packages/cli-export/bin/nfw-flows.js'), ...cliExportArgs(op, out)];
  else if (v.kind === 'script' || v.kind === 'paginator') {
    const script = path.join(v.root, 'bench/scenarios/support/library-export.mjs');
    args = [script, v.kind === 'script' ? 'api' : 'paginator', emulator.endpoint, JSON.stringify(op), out];
  } else throw new Error(`unknown variant ${v.label}`);
  try {
    const m = await timedProcess(process.execPath, [...node, ...args], { env });
    const row: Record<string, unknown> = {
      variant: v.label,
      s: +(m.ms / 1000).toFixed(2),
      cpuS: +(m.cpuMs / 1000).toFixed(2),
      maxRssMiB: +(m.maxRssKiB / 1024).toFixed(1),
    };
    if (nvp) row.gc = gcSummary(m.stdout);
    if (sampling) {
      const s = JSON.parse(readFileSync(sampleOut, 'utf8')) as { peak: unknown; atPeak: unknown };
      row.peak = s.peak;
      row.atPeak = s.atPeak;
    }
    return row;
  } finally {
    emulator.close();
    removeQuietly(out);
    removeQuietly(sampleOut);
  }
}

/** Young-generation allocation and promotion over the run, from --trace-gc-nvp lines. */
function gcSummary(stdout: string): Record<string, number> {
  const sum = { scavenges: 0, markCompacts: 0, allocatedMiB: 0, promotedMiB: 0 };
  for (const line of stdout.split('\n')) {
    const kind = /gc=(\w+)/.exec(line)?.[1];
    if (kind === undefined) continue;
    if (kind === 's') sum.scavenges++;
    else sum.markCompacts++;
    sum.allocatedMiB += Number(/ allocated=(\d+)/.exec(line)?.[1] ?? 0) / 2 ** 20;
    if (kind === 's') sum.promotedMiB += Number(/ promoted=(\d+)/.exec(line)?.[1] ?? 0) / 2 ** 20;
  }
  sum.allocatedMiB = Math.round(sum.allocatedMiB);
  sum.promotedMiB = +sum.promotedMiB.toFixed(1);
  return sum;
}

const parsed = variants.map(parseVariant);
const results = new Map<string, number[]>();
for (let run = 0; run < runs; run++) {
  for (const v of parsed) {
    const row = await runOnce(v);
    console.log(JSON.stringify(row));
    const list = results.get(v.label) ?? [];
    list.push(row.maxRssMiB as number);
    results.set(v.label, list);
  }
}
for (const [label, rss] of results) {
  const sorted = [...rss].sort((a, b) => a - b);
  console.log(
    `${label}: peak RSS MiB min ${sorted[0]} median ${sorted[Math.floor(sorted.length / 2)]} max ${sorted.at(-1)}`,
  );
}
