import { StartFlowCaptureCommand } from '@aws-sdk/client-network-firewall';
import { DEFAULT_FIREWALL_ARN, DEFAULT_TIMESTAMP, startEmulator } from '@nfw-flows/fixtures';
import { describe, expect, it } from 'vitest';
import { flowResults } from '../../src/source/index.js';
import { diffCaptures } from '../../src/transform/index.js';
import type { Row } from '../../src/types.js';
import { clientFor } from '../source/helpers.js';

const TABLE = 3000;
const INTERVAL = 300;

describe('diffCaptures over two captures of the emulator (real SDK, clock advanced between them)', () => {
  it('sees flows continue, end and begin as the emulator flow table says', async () => {
    let now = DEFAULT_TIMESTAMP * 1000;
    const emulator = await startEmulator({
      seed: 21,
      clock: () => now,
      capture: { flows: TABLE, durationMs: 0 },
    });
    const client = clientFor(emulator);
    try {
      const scope = { FirewallArn: DEFAULT_FIREWALL_ARN, AvailabilityZone: 'us-east-1a' };
      const start = async () =>
        (
          await client.send(
            new StartFlowCaptureCommand({ ...scope, MinimumFlowAgeInSeconds: 0, FlowFilters: [{}] }),
          )
        ).FlowOperationId!;
      const first = await start();
      const t0 = now;
      now += INTERVAL * 1000;
      const second = await start();
      const before = flowResults(client, { ...scope, FlowOperationId: first });
      const after = flowResults(client, { ...scope, FlowOperationId: second });
      const diff = diffCaptures(before, after);
      const rows: Row[] = [];
      for await (const row of diff) rows.push(row as Row);
      const summary = diff.summary();
      expect(before.summary().rejected + after.summary().rejected).toBe(0);

      // Ground truth from the emulator's tables: a slot whose flow kept its key and aged by the interval continues.
      const table0 = emulator.flowTable(
        { firewallArn: DEFAULT_FIREWALL_ARN, availabilityZone: 'us-east-1a' },
        t0,
      );
      const table1 = emulator.flowTable(
        { firewallArn: DEFAULT_FIREWALL_ARN, availabilityZone: 'us-east-1a' },
        now,
      );
      const rawKey = (f: ReturnType<typeof table0.flowAt>) =>
        JSON.stringify([
          f.SourceAddress?.AddressDefinition,
          f.DestinationAddress?.AddressDefinition,
          f.SourcePort,
          f.DestinationPort,
          f.Protocol,
        ]);
      const occurrences = new Map<string, number>();
      for (const t of [table0, table1]) {
        for (let slot = 0; slot < TABLE; slot++) {
          const k = rawKey(t.flowAt(slot));
          occurrences.set(k, (occurrences.get(k) ?? 0) + 1);
        }
      }
      // Keys the firewall lists once per capture: continuing exactly when the slot kept its flow.
      let continuing = 0;
      for (let slot = 0; slot < TABLE; slot++) {
        const a = table0.flowAt(slot);
        const b = table1.flowAt(slot);
        if (rawKey(a) === rawKey(b) && occurrences.get(rawKey(a)) === 2 && b.Age === (a.Age ?? 0) + INTERVAL)
          continuing++;
      }
      expect(summary.before).toBe(TABLE);
      expect(summary.after).toBe(TABLE);
      expect(rows.filter((r) => r.change === 'continuing' && r.duplicate_key === 0).length).toBe(continuing);
      expect(summary.continuing).toBeGreaterThan(TABLE / 10);
      expect(summary.ended).toBeGreaterThan(TABLE / 10);
      expect(summary.new).toBe(summary.ended);
      expect(summary.counterResets).toBe(0);
      for (const row of rows) {
        expect(row.interval_seconds).toBe(INTERVAL);
        if (row.change !== 'continuing') continue;
        expect(Number(row.age_seconds_after) - Number(row.age_seconds_before)).toBe(INTERVAL);
        expect(row.delta_bytes).toBe(
          BigInt(row.byte_count_after as bigint) - BigInt(row.byte_count_before as bigint),
        );
        expect(row.bytes_per_second).toBe(Number(row.delta_bytes) / INTERVAL);
      }
      // New flows began within the interval (their age says so); ended ones are the slots replaced.
      for (const row of rows)
        if (row.change === 'new') expect(Number(row.age_seconds_after)).toBeLessThan(INTERVAL);
    } finally {
      client.destroy();
      await emulator.close();
    }
  });
});
