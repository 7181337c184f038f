/**
 * Every error the CLI throws carries a stable `code`: usage errors are NFW_INVALID_OPTION, write errors
 * keep the system's errno code, an interrupt is NFW_ABORTED, and a service answer the CLI cannot use is
 * NFW_INVALID_RESPONSE on the one stderr line.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { describeError, EXIT_FAILED, EXIT_USAGE, Interrupted } from '../src/exit.js';
import { WriteError } from '../src/output/write-error.js';
import { captureFilters } from '../src/plans/capture-filters.js';
import { exportPlan } from '../src/plans/export-plan.js';
import { UsageError } from '../src/usage-error.js';
import { ARN, assertBuilt, run, startJsonServer, tempDir, zoneCapture } from './helpers.js';

let tmp: ReturnType<typeof tempDir>;
beforeAll(() => {
  assertBuilt();
  tmp = tempDir();
});
afterAll(() => tmp?.cleanup());

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('error classes of the CLI carry a code', () => {
  test('a usage error is NFW_INVALID_OPTION and exits 2', () => {
    const error = thrown(() =>
      exportPlan('export', {
        out: path.join(tmp.dir, 'a.arrow'),
        firewallArn: [ARN],
        flowOperationId: ['11111111-2222-4333-8444-000000000001'],
        pageSize: '0',
      }),
    );
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).code).toBe('NFW_INVALID_OPTION');
    expect((error as UsageError).flag).toBe('--page-size');
    expect(describeError(error).exitCode).toBe(EXIT_USAGE);
    const noFilter = thrown(() => captureFilters({}));
    expect((noFilter as UsageError).code).toBe('NFW_INVALID_OPTION');
  });

  test('a write error keeps the errno code, or is NFW_WRITE_FAILED without one', () => {
    const full = Object.assign(new Error('ENOSPC: no space left on device, write'), {
      code: 'ENOSPC',
      syscall: 'write',
    });
    const error = new WriteError('/x/out.arrow', full);
    expect(error.code).toBe('ENOSPC');
    expect(describeError(error)).toEqual({
      exitCode: EXIT_FAILED,
      line: 'cannot write /x/out.arrow: ENOSPC: no space left on device',
    });
    expect(new WriteError('/x/out.arrow', new Error('lost')).code).toBe('NFW_WRITE_FAILED');
  });

  test('an interrupt is NFW_ABORTED', () => {
    expect(new Interrupted('SIGINT').code).toBe('NFW_ABORTED');
    expect(new Interrupted('SIGTERM').code).toBe('NFW_ABORTED');
  });
});

describe('a service answer the CLI cannot use', () => {
  test('StartFlowCapture without FlowOperationId: NFW_INVALID_RESPONSE naming the field, exit 1, nothing written', async () => {
    const server = await startJsonServer(() => ({ body: { FirewallArn: ARN } }));
    try {
      const out = path.join(tmp.dir, 'capture.arrow');
      const r = await run([...zoneCapture(server.endpoint), '--destination-port', '443', '--out', out]);
      expect(r.code, r.stderr).toBe(1);
      expect(server.calls).toEqual(['StartFlowCapture']);
      const line = r.stderr.split('\n').find((l) => l.startsWith('nfw-flows: NFW_'));
      expect(line).toContain('nfw-flows: NFW_INVALID_RESPONSE:');
      expect(line).toContain('field FlowOperationId');
      expect(readdirSync(tmp.dir).filter((f) => f.startsWith('capture'))).toEqual([]);
    } finally {
      await server.close();
    }
  });
});
