/**
 * AWS CLI conventions: AWS_DEFAULT_REGION, --flow-filters and
 * --minimum-flow-age-in-seconds, and configuration errors that leave nothing behind.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { DescribeFlowOperationCommand } from '@aws-sdk/client-network-firewall';
import { type Emulator, startEmulator } from '@nfw-flows/fixtures';
import { clientFor } from '@nfw-flows/fixtures/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { regionOf } from '../src/client.js';
import { UsageError } from '../src/usage-error.js';
import { ARN, assertBuilt, readArrow, run, tempDir, zoneCapture, zoneExport } from './helpers.js';

const OP = '11111111-2222-4333-8444-0000000000c1';
let emulator: Emulator;
let tmp: ReturnType<typeof tempDir>;
const out = (name: string) => path.join(tmp.dir, name);
const exportArgs = (file: string) => [...zoneExport(OP, emulator.endpoint), '--out', file];
// Never let the credential chain look further than the environment (no instance metadata calls).
const NO_REGION = { AWS_REGION: undefined, AWS_DEFAULT_REGION: undefined, AWS_EC2_METADATA_DISABLED: 'true' };

beforeAll(async () => {
  assertBuilt();
  emulator = await startEmulator({
    seed: 3,
    operations: [{ firewallArn: ARN, flowOperationId: OP, availabilityZone: 'us-east-1a', flows: 120 }],
  });
  tmp = tempDir();
});
afterAll(async () => {
  await emulator?.close();
  tmp?.cleanup();
});

describe('region from the environment', () => {
  test('AWS_REGION wins over AWS_DEFAULT_REGION; --region over both', () => {
    expect(regionOf({}, { AWS_DEFAULT_REGION: 'eu-west-1' })).toBe('eu-west-1');
    // undefined: the SDK reads AWS_REGION itself.
    expect(regionOf({}, { AWS_REGION: 'us-east-1', AWS_DEFAULT_REGION: 'eu-west-1' })).toBeUndefined();
    expect(regionOf({ region: 'ap-south-1' }, { AWS_DEFAULT_REGION: 'eu-west-1' })).toBe('ap-south-1');
    expect(regionOf({}, {})).toBeUndefined();
    expect(() => regionOf({}, { AWS_DEFAULT_REGION: 'mars' })).toThrow(UsageError);
  });

  test('an export with only AWS_DEFAULT_REGION set works', async () => {
    const r = await run(exportArgs(out('default-region.arrow')), {
      env: { ...NO_REGION, AWS_DEFAULT_REGION: 'us-east-1' },
    });
    expect(r.code, r.stderr).toBe(0);
    expect(readArrow(out('default-region.arrow')).numRows).toBe(120);
  });
});

describe('configuration errors found before the first request leave nothing behind', () => {
  test('no region: exit 2, no partial export; the rerun with a region needs no --resume', async () => {
    const file = out('no-region.parquet');
    const r = await run(exportArgs(file), { env: NO_REGION });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('AWS_DEFAULT_REGION');
    expect(readdirSync(tmp.dir).filter((f) => f.startsWith('no-region'))).toEqual([]);
    const again = await run(exportArgs(file), { env: { ...NO_REGION, AWS_DEFAULT_REGION: 'us-east-1' } });
    expect(again.code, again.stderr).toBe(0);
    expect(existsSync(file)).toBe(true);
  });

  test('no credentials (a profile that does not exist): exit 1, no partial export', async () => {
    const file = out('no-credentials.parquet');
    const r = await run([...exportArgs(file), '--profile', 'nobody'], {
      env: {
        AWS_ACCESS_KEY_ID: undefined,
        AWS_SECRET_ACCESS_KEY: undefined,
        AWS_EC2_METADATA_DISABLED: 'true',
      },
    });
    expect(r.code, r.stderr).toBe(1);
    expect(readdirSync(tmp.dir).filter((f) => f.startsWith('no-credentials'))).toEqual([]);
  });

  test('capture with a bad --flow-filters: exit 2, no request, no partial export', async () => {
    const before = emulator.operations().length;
    const r = await run([
      ...zoneCapture(emulator.endpoint),
      '--flow-filters',
      'DestinationPort=443,Ports=1',
      '--out',
      out('bad-filter.arrow'),
    ]);
    expect(r.code, r.stderr).toBe(2);
    expect(emulator.operations()).toHaveLength(before);
    expect(readdirSync(tmp.dir).filter((f) => f.startsWith('bad-filter'))).toEqual([]);
  });
});

describe('capture takes the AWS CLI names', () => {
  test('--flow-filters (shorthand, two filters) and --minimum-flow-age-in-seconds reach StartFlowCapture', async () => {
    const before = new Set(emulator.operations().map((o) => o.flowOperationId));
    const r = await run([
      ...zoneCapture(emulator.endpoint),
      '--flow-filters',
      'DestinationAddress={AddressDefinition=10.0.0.0/8},Protocols=6,17',
      'SourcePort=ANY',
      '--minimum-flow-age-in-seconds',
      '30',
      '--poll-interval',
      '50ms',
      '--out',
      out('aws-names.arrow'),
    ]);
    expect(r.code, r.stderr).toBe(0);
    const created = emulator.operations().filter((o) => !before.has(o.flowOperationId));
    expect(created).toHaveLength(1);
    const client = clientFor(emulator);
    const described = await client.send(
      new DescribeFlowOperationCommand({
        FirewallArn: ARN,
        AvailabilityZone: 'us-east-1a',
        FlowOperationId: created[0]!.flowOperationId,
      }),
    );
    client.destroy();
    expect(described.FlowOperation).toMatchObject({
      MinimumFlowAgeInSeconds: 30,
      FlowFilters: [
        { DestinationAddress: { AddressDefinition: '10.0.0.0/8' }, Protocols: ['6', '17'] },
        { SourcePort: 'ANY' },
      ],
    });
  });

  test('--minimum-flow-age with --minimum-flow-age-in-seconds is a usage error', async () => {
    const r = await run([
      ...zoneCapture(emulator.endpoint),
      '--destination-port',
      '443',
      '--minimum-flow-age',
      '60',
      '--minimum-flow-age-in-seconds',
      '60',
      '--out',
      out('both-ages.arrow'),
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--minimum-flow-age-in-seconds');
  });
});
