// The library as a user runs it: plain `node` (no tsx, no bench harness) on the built packages
// (`pnpm build`), so the peak RSS measured from outside is what a user's export script would see.
// Usage: node library-export.mjs file <capture.json> <out.arrow|out.parquet>
//        node library-export.mjs api <endpoint> <operation-json> <out.arrow>
//        node library-export.mjs paginator <endpoint> <operation-json>   (the SDK floor, core not loaded)
//        node library-export.mjs parse <capture.json>   (JSON.parse of the whole file, core not loaded)
import { createWriteStream, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pipeline } from 'node:stream/promises';

const fromCore = createRequire(new URL('../../../packages/core/package.json', import.meta.url));
const [mode, ...args] = process.argv.slice(2);

function sdkClient(endpoint) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const sdk = fromCore('@aws-sdk/client-network-firewall');
  const client = new sdk.NetworkFirewallClient({
    region: 'us-east-1',
    endpoint,
    credentials: { accessKeyId: 'AKIDBENCH', secretAccessKey: 'bench-secret' },
  });
  return { sdk, client };
}

if (mode === 'parse') {
  process.stdout.write(`${JSON.parse(readFileSync(args[0], 'utf8')).Flows.length}\n`);
} else if (mode === 'paginator') {
  const { sdk, client } = sdkClient(args[0]);
  let flows = 0;
  for await (const page of sdk.paginateListFlowOperationResults(
    { client, pageSize: 100 },
    JSON.parse(args[1]),
  )) {
    flows += page.Flows?.length ?? 0;
  }
  process.stdout.write(`${flows}\n`);
} else {
  const core = await import(new URL('../../../packages/core/dist/index.js', import.meta.url).href);
  let source;
  let out;
  if (mode === 'file') {
    source = core.flowResultsFromFile(args[0]);
    out = args[1];
  } else if (mode === 'api') {
    source = core.flowResults(sdkClient(args[0]).client, JSON.parse(args[1]));
    out = args[2];
  } else {
    throw new Error(`unknown mode ${mode}`);
  }
  // NFW_BENCH_ROW_GROUP_SIZE: toParquet's rowGroupSize (bench/measure/parquet-row-groups.ts compares them).
  const rowGroupSize = Number(process.env.NFW_BENCH_ROW_GROUP_SIZE) || undefined;
  const sink = out.endsWith('.parquet') ? core.toParquet({ rowGroupSize }) : core.toArrow({ format: 'file' });
  await pipeline(source, sink, createWriteStream(out));
  process.stdout.write(`${source.summary().emitted}\n`);
}
