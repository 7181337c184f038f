// The library as a user runs it: plain `node` (no tsx, no bench harness) on the built packages
// (`pnpm build`), so the peak RSS measured from outside is what a user's export script would see.
// Usage: node library-export.mjs file <capture.json> <out.arrow>
//        node library-export.mjs api <endpoint> <operation-json> <out.arrow>
import { createWriteStream } from 'node:fs';
import { createRequire } from 'node:module';
import { pipeline } from 'node:stream/promises';

const fromCore = createRequire(new URL('../../../packages/core/package.json', import.meta.url));
const core = await import(new URL('../../../packages/core/dist/index.js', import.meta.url).href);
const [mode, ...args] = process.argv.slice(2);
let source;
let out;
if (mode === 'file') {
  source = core.flowResultsFromFile(args[0]);
  out = args[1];
} else if (mode === 'api') {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const { NetworkFirewallClient } = fromCore('@aws-sdk/client-network-firewall');
  const client = new NetworkFirewallClient({
    region: 'us-east-1',
    endpoint: args[0],
    credentials: { accessKeyId: 'AKIDBENCH', secretAccessKey: 'bench-secret' },
  });
  source = core.flowResults(client, JSON.parse(args[1]));
  out = args[2];
} else {
  throw new Error(`unknown mode ${mode}`);
}
await pipeline(source, core.toArrow({ format: 'file' }), createWriteStream(out));
process.stdout.write(`${source.summary().emitted}\n`);
