/**
 * `pnpm interop`: the real clients nobody here wrote (AWS CLI v1, boto3, pyarrow, pandas, polars,
 * DuckDB) against the emulator and the built `nfw-flows`. This file checks the tools, starts the
 * emulator on 127.0.0.1 and hands over to interop/interop.py, which does the work and the checks.
 * Without the tools it prints one line and exits 0 (a fresh machine has none of them).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmulator } from '../packages/fixtures/src/index.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CLI = path.join(ROOT, 'packages/cli-export/bin/nfw-flows.js');
export const ARN = 'arn:aws:network-firewall:us-east-1:123456789012:firewall/interop';
export const OPERATIONS = {
  main: '11111111-2222-4333-8444-0000000001a0',
  withErrors: '11111111-2222-4333-8444-0000000001b0',
  empty: '11111111-2222-4333-8444-0000000001e0',
  endpointScoped: '11111111-2222-4333-8444-0000000001c0',
};
export const ASSOCIATION = {
  arn: 'arn:aws:network-firewall:us-east-1:123456789012:vpc-endpoint-association/interop',
  vpcEndpointId: 'vpce-0123456789abcdef0',
};

function toolsMissing(): string | null {
  const py = spawnSync('python3', ['-c', 'import boto3, awscli, pyarrow, pandas, polars, duckdb'], {
    encoding: 'utf8',
  });
  if (py.error) return 'python3 not found';
  if (py.status !== 0) return (py.stderr.trim().split('\n').pop() ?? 'python modules missing').trim();
  const aws = spawnSync('aws', ['--version'], { encoding: 'utf8' });
  if (aws.error || aws.status !== 0) return 'the aws command (AWS CLI) is not installed';
  if (!existsSync(path.join(ROOT, 'packages/cli-export/dist/cli.js')))
    return 'nfw-flows is not built (pnpm build)';
  return null;
}

const missing = toolsMissing();
if (missing !== null) {
  console.log(`interop: skipped (${missing}; scripts/interop-setup.sh installs the Python readers)`);
  process.exit(0);
}

const emulator = await startEmulator({
  seed: 16,
  operations: [
    { firewallArn: ARN, flowOperationId: OPERATIONS.main, availabilityZone: 'us-east-1a', flows: 437 },
    {
      firewallArn: ARN,
      flowOperationId: OPERATIONS.withErrors,
      availabilityZone: 'us-east-1b',
      flows: 130,
      status: 'COMPLETED_WITH_ERRORS',
      statusMessage: 'one shard timed out',
    },
    { firewallArn: ARN, flowOperationId: OPERATIONS.empty, availabilityZone: 'us-east-1a', flows: 0 },
    {
      firewallArn: ARN,
      flowOperationId: OPERATIONS.endpointScoped,
      vpcEndpointAssociationArn: ASSOCIATION.arn,
      vpcEndpointId: ASSOCIATION.vpcEndpointId,
      flows: 60,
    },
  ],
});
const work = mkdtempSync(path.join(tmpdir(), 'nfw-interop-'));
let status = 1;
try {
  // Asynchronous: the emulator answers from this process's event loop.
  const child = spawn('python3', [path.join(ROOT, 'interop/interop.py')], {
    stdio: 'inherit',
    cwd: work,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      NFW_INTEROP_ENDPOINT: emulator.endpoint,
      NFW_INTEROP_CLI: CLI,
      NFW_INTEROP_ROOT: ROOT,
      NFW_INTEROP_ARN: ARN,
      NFW_INTEROP_OPERATIONS: JSON.stringify(OPERATIONS),
      NFW_INTEROP_ASSOCIATION: JSON.stringify(ASSOCIATION),
      // Dummy credentials and a region the way AWS CLI and boto3 users set them (AWS_DEFAULT_REGION);
      // never the developer's own config, never instance metadata.
      AWS_ACCESS_KEY_ID: 'AKIDINTEROP000000000',
      AWS_SECRET_ACCESS_KEY: 'interop-secret',
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_CONFIG_FILE: '/nonexistent/aws-config',
      AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      AWS_PAGER: '',
    },
  });
  status = await new Promise<number>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve(code ?? 1));
  });
} finally {
  await emulator.close();
  rmSync(work, { recursive: true, force: true });
}
process.exit(status);
