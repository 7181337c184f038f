#!/usr/bin/env node
// `pnpm demo`: the nfw-flows CLI against the local Network Firewall emulator, with the real AWS SDK and
// no AWS account. Starts the emulator, runs `capture`, `operations`, `export` and `top` as a user would
// (the built CLI, --endpoint-url, dummy credentials in the environment), and writes demo-out/.
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'packages/cli-export/bin/nfw-flows.js');
// The fixtures package is a workspace package of its own; the demo uses its build (pnpm build ran first).
const { startEmulator, DEFAULT_FIREWALL_ARN } = await import(
  path.join(root, 'packages/fixtures/dist/index.js')
);

const out = path.join(root, 'demo-out');
mkdirSync(out, { recursive: true });

const emulator = await startEmulator({
  seed: 2026,
  // Each firewall endpoint has a flow table of 20,000 flows over a few thousand Zipf-distributed talkers;
  // StartFlowCapture serves the ones its filters select, and runs for 200 ms of emulated time.
  capture: { flows: 20_000, durationMs: 200, generator: { talkers: 3000, ipv6Share: 0.15 } },
});

const env = {
  ...process.env,
  AWS_ACCESS_KEY_ID: 'AKIDEMO0000000000000',
  AWS_SECRET_ACCESS_KEY: 'demo-secret-not-a-real-key',
  AWS_REGION: 'us-east-1',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};
const scope = ['--firewall-arn', DEFAULT_FIREWALL_ARN, '--availability-zone', 'us-east-1a'];
const endpoint = ['--endpoint-url', emulator.endpoint];

function show(args) {
  const shown = args.map((a) =>
    a === emulator.endpoint ? emulator.endpoint : /[\s"']/.test(a) ? `'${a}'` : a,
  );
  process.stdout.write(`\n$ nfw-flows ${shown.join(' ')}\n`);
}

/** Run the CLI; stdout inherited, or captured when `capture` is set. Resolves to { code, stdout }. */
function run(args, { capture = false, quiet = false } = {}) {
  if (!quiet) show(args);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], {
      env,
      cwd: root,
      stdio: ['ignore', capture ? 'pipe' : 'inherit', 'inherit'],
    });
    let stdout = '';
    child.stdout?.on('data', (d) => {
      stdout += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout }));
  });
}

function check(step, result, ok = [0]) {
  if (!ok.includes(result.code)) {
    throw new Error(`demo: \`nfw-flows ${step}\` exited with ${result.code}`);
  }
}

try {
  process.stdout.write(`Network Firewall emulator listening on ${emulator.endpoint}\n`);

  check(
    'capture',
    await run([
      'capture',
      ...scope,
      '--source',
      '10.0.0.0/8',
      '--protocol',
      'TCP',
      '--minimum-flow-age',
      '60',
      '--poll-interval',
      '100ms',
      ...endpoint,
      '--out',
      'demo-out/flows.arrow',
      '--force',
    ]),
  );

  const listed = await run(['operations', ...scope, ...endpoint, '--json'], { capture: true });
  check('operations', listed);
  const operations = JSON.parse(listed.stdout);
  const operationId = operations[0]?.FlowOperationId;
  if (!operationId) throw new Error('demo: no flow operation listed');
  process.stdout.write(
    `${operations.length} flow operation(s); newest ${operationId} is ${operations[0].FlowOperationStatus}\n`,
  );

  // The capture asked for TCP flows from 10.0.0.0/8 at least 60 s old: check every exported record.
  const records = await run(
    [
      'export',
      ...scope,
      '--flow-operation-id',
      operationId,
      ...endpoint,
      '--format',
      'ndjson',
      '--out',
      '-',
      '--quiet',
    ],
    { capture: true, quiet: true },
  );
  check('export --format ndjson', records);
  const rows = records.stdout
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line));
  const outside = rows.filter(
    (r) =>
      r.source_ip_version !== 4 ||
      !r.source_address.startsWith('10.') ||
      r.source_prefix_length < 8 ||
      r.protocol !== 6 ||
      r.age_seconds < 60,
  );
  if (rows.length === 0 || outside.length > 0) {
    throw new Error(
      `demo: the filtered capture returned ${outside.length} flow(s) it did not ask for, of ${rows.length}`,
    );
  }
  process.stdout.write(
    `The capture returned ${rows.length.toLocaleString('en-US')} of the ${emulator.flowTable({ firewallArn: DEFAULT_FIREWALL_ARN, availabilityZone: 'us-east-1a' }).count.toLocaleString('en-US')} flows in us-east-1a's flow table: only the ones it asked for (TCP from 10.0.0.0/8, at least 60 s old).\n`,
  );

  check(
    'export',
    await run([
      'export',
      ...scope,
      '--flow-operation-id',
      operationId,
      ...endpoint,
      '--out',
      'demo-out/flows.parquet',
      '--force',
    ]),
  );

  check(
    'top',
    await run([
      'top',
      ...scope,
      '--flow-operation-id',
      operationId,
      ...endpoint,
      // IPv4 sources rolled up to /24 and IPv6 sources to /64 (a bare /24 would leave IPv6 hosts as /128).
      '--key',
      'source/24,64',
      '-n',
      '10',
    ]),
  );

  process.stdout.write(`
Done. Open the files in a notebook:

  # Python (pip install pyarrow polars duckdb)
  import pyarrow.feather, pyarrow.parquet, polars as pl, duckdb
  table = pyarrow.feather.read_table("demo-out/flows.arrow")        # Arrow IPC file
  df = pl.read_parquet("demo-out/flows.parquet")
  duckdb.sql("SELECT source_address, sum(byte_count) AS bytes FROM 'demo-out/flows.parquet' GROUP BY 1 ORDER BY 2 DESC LIMIT 10").show()

  # Is the export complete? Every output has a status file beside it (any format), and Arrow and Parquet
  # files also carry nfw_flows.status (COMPLETED, COMPLETED_WITH_ERRORS) in their schema metadata.
  import json; json.load(open("demo-out/flows.parquet.nfw-status.json"))["complete"]
  pyarrow.parquet.read_schema("demo-out/flows.parquet").metadata

Against AWS, drop --endpoint-url and use your usual credentials (AWS_PROFILE / --profile, AWS_REGION / --region).
`);
} finally {
  await emulator.close();
}
