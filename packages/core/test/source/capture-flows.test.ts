import { type Emulator, startEmulator } from '@nfw-flows/fixtures';
import {
  fleetAssociationArn as ASSOC,
  FLEET_ONE_ARN as FW1,
  FLEET_TWO_ARN as FW2,
  fleetFirewalls,
} from '@nfw-flows/fixtures/testing';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type CaptureFlowsStream,
  type CaptureFlowsSummary,
  captureFlows,
  type ScopeStatus,
} from '../../src/index.js';
import type { FlowRecord } from '../../src/types.js';
import { clientFor } from './helpers.js';

const TABLE = 150;
const FIREWALLS = fleetFirewalls({ associations: 3, fleetTwoZones: ['us-east-1a', 'us-east-1b'] });

let emu: Emulator | undefined;
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

async function start(): Promise<Emulator> {
  emu = await startEmulator({ seed: 3, firewalls: FIREWALLS, capture: { flows: TABLE, durationMs: 30 } });
  return emu;
}

interface Run {
  records: FlowRecord[];
  scopeEvents: ScopeStatus[];
  warnings: Array<{ code: string }>;
  summary: CaptureFlowsSummary | undefined;
}

async function run(stream: CaptureFlowsStream): Promise<Run> {
  const out: Run = { records: [], scopeEvents: [], warnings: [], summary: undefined };
  stream.on('scope', (s) => out.scopeEvents.push(s));
  stream.on('warning', (w) => out.warnings.push(w));
  stream.on('summary', (s) => {
    out.summary = s;
  });
  for await (const r of stream) out.records.push(r as FlowRecord);
  return out;
}

const byScope = (records: FlowRecord[]) => {
  const m = new Map<string, number>();
  for (const r of records) {
    const k = `${r.firewallArn}|${r.vpcEndpointAssociationArn ?? r.availabilityZone}`;
    m.set(k, (m.get(k) ?? 0) + 1);
  }
  return Object.fromEntries([...m].sort());
};

const common = { filters: [{}], minimumFlowAgeInSeconds: 0, pollInterval: 5, pageSize: 40 };

describe('captureFlows', () => {
  it('captures every zone of two firewalls (by ARN and by name) into one stream with provenance', async () => {
    const e = await start();
    const client = clientFor(e);
    const out = await run(captureFlows(client, { ...common, firewalls: [FW1, 'fleet-two'] }));
    expect(byScope(out.records)).toEqual({
      [`${FW1}|us-east-1a`]: TABLE,
      [`${FW1}|us-east-1b`]: TABLE,
      [`${FW1}|us-east-1c`]: TABLE,
      [`${FW2}|us-east-1a`]: TABLE,
      [`${FW2}|us-east-1b`]: TABLE,
    });
    const s = out.summary!;
    expect(s.status).toBe('COMPLETED');
    expect(s.incomplete).toBe(false);
    expect(s.emitted).toBe(5 * TABLE);
    expect(s.scopes.map((x) => x.state)).toEqual(['done', 'done', 'done', 'done', 'done']);
    expect(s.counts.done).toBe(5);
    // Every scope has its own operation, and the records carry it.
    const ids = new Set(s.scopes.map((x) => x.flowOperationId));
    expect(ids.size).toBe(5);
    expect(new Set(out.records.map((r) => r.flowOperationId))).toEqual(ids);
    // The same flows as each zone's table holds (the capture time is each operation's).
    const ops = e.operations();
    for (const scope of s.scopes) {
      const op = ops.find((o) => o.flowOperationId === scope.flowOperationId)!;
      expect(op.availabilityZone).toBe(scope.availabilityZone);
      expect(scope.emitted).toBe(op.flowCount);
    }
    client.destroy();
  });

  it('captures each VPC endpoint association as its own scope, one at a time per zone', async () => {
    const e = await start();
    const client = clientFor(e);
    const out = await run(
      captureFlows(client, {
        ...common,
        firewalls: [FW1],
        scope: 'vpc-endpoint-association',
        concurrency: 4,
      }),
    );
    // ASSOC(1) and ASSOC(2) share us-east-1a: the emulator refuses a second operation there while one runs.
    expect(byScope(out.records)).toEqual({
      [`${FW1}|${ASSOC(1)}`]: TABLE,
      [`${FW1}|${ASSOC(2)}`]: TABLE,
      [`${FW1}|${ASSOC(3)}`]: TABLE,
    });
    expect(out.summary!.scopes.every((x) => x.state === 'done')).toBe(true);
    expect(out.records.every((r) => r.vpcEndpointId?.startsWith('vpce-'))).toBe(true);
    client.destroy();
  });

  it('takes every firewall of the region with allFirewalls', async () => {
    const e = await start();
    const client = clientFor(e);
    const out = await run(captureFlows(client, { ...common, allFirewalls: true }));
    expect(new Set(out.records.map((r) => r.firewallArn))).toEqual(new Set([FW1, FW2]));
    expect(out.summary!.scopes).toHaveLength(5);
    client.destroy();
  });

  it('goes on when a zone is refused and a firewall is unknown: those scopes fail, the rest is read', async () => {
    const e = await start();
    // An operation that never ends holds FW1's us-east-1b: StartFlowCapture there is refused.
    e.addOperation({ firewallArn: FW1, availabilityZone: 'us-east-1b', flows: 0, completeAfterMs: Infinity });
    const client = clientFor(e);
    const missing = 'arn:aws:network-firewall:us-east-1:123456789012:firewall/not-there';
    const out = await run(captureFlows(client, { ...common, firewalls: [FW1, missing] }));
    const s = out.summary!;
    expect(byScope(out.records)).toEqual({ [`${FW1}|us-east-1a`]: TABLE, [`${FW1}|us-east-1c`]: TABLE });
    expect(s.incomplete).toBe(true);
    expect(s.status).toBe('COMPLETED_WITH_ERRORS');
    const failed = s.scopes.filter((x) => x.state === 'failed');
    expect(failed.map((x) => [x.firewallArn, x.availabilityZone, x.error?.code])).toEqual([
      [FW1, 'us-east-1b', 'NFW_REQUEST_REJECTED'],
      [missing, '', 'NFW_NOT_FOUND'],
    ]);
    expect(failed[0]!.flowOperationId).toBeNull();
    expect(out.warnings.filter((w) => w.code === 'NFW_SCOPE_FAILED')).toHaveLength(2);
    client.destroy();
  });

  it('fails with NFW_ABORTED when the caller aborts', async () => {
    const e = await start();
    const client = clientFor(e);
    const controller = new AbortController();
    const stream = captureFlows(client, { ...common, firewalls: [FW1], signal: controller.signal });
    let n = 0;
    const error = await (async () => {
      try {
        for await (const _ of stream) if (++n === 10) controller.abort();
      } catch (err) {
        return err;
      }
    })();
    expect(error).toMatchObject({ code: 'NFW_ABORTED' });
    client.destroy();
  });

  it('refuses bad options with NFW_INVALID_OPTION naming the field', async () => {
    const e = await start();
    const client = clientFor(e);
    const bad: Array<[Record<string, unknown>, string]> = [
      [{ firewalls: [FW1], filters: [] }, 'filters'],
      [{ filters: [{}] }, 'firewalls'],
      [{ firewalls: [FW1], allFirewalls: true, filters: [{}] }, 'firewalls'],
      [{ firewalls: [FW1], filters: [{}], concurrency: 0 }, 'concurrency'],
      [{ firewalls: [FW1], filters: [{}], minimumFlowAgeInSeconds: -1 }, 'minimumFlowAgeInSeconds'],
    ];
    for (const [options, field] of bad) {
      expect(() => captureFlows(client, options as never)).toThrow(
        expect.objectContaining({ code: 'NFW_INVALID_OPTION', field }),
      );
    }
    client.destroy();
  });
});
