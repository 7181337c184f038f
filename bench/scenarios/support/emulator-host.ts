/**
 * The emulator in its own process, so its CPU and memory are not counted in the measured process:
 * `node --import tsx emulator-host.ts '<json>'` with `{ flowsPerScope, availabilityZones, latencyMs }`.
 * Prints one JSON line (endpoint and the operations) and serves until stdin closes or SIGTERM.
 */
import { DEFAULT_FIREWALL_ARN, startEmulator } from '../../../packages/fixtures/src/index.js';

interface HostSpec {
  flowsPerScope: number;
  availabilityZones: string[];
  latencyMs: number;
  /** Fleet captures: these firewalls, each in `availabilityZones`, with no operations; captures take
   * `flowsPerScope` flows from each zone's table and run `captureMs`. */
  firewallArns?: string[];
  captureMs?: number;
}

const spec = JSON.parse(process.argv[2] ?? '{}') as HostSpec;
const fleet = spec.firewallArns !== undefined;
const emulator = await startEmulator({
  seed: 7,
  firewalls: (spec.firewallArns ?? [DEFAULT_FIREWALL_ARN]).map((firewallArn) => ({
    firewallArn,
    availabilityZones: spec.availabilityZones,
  })),
  operations: fleet
    ? []
    : spec.availabilityZones.map((availabilityZone) => ({
        firewallArn: DEFAULT_FIREWALL_ARN,
        availabilityZone,
        flows: spec.flowsPerScope,
      })),
  ...(fleet ? { capture: { flows: spec.flowsPerScope, durationMs: spec.captureMs ?? 100 } } : {}),
  faults: spec.latencyMs > 0 ? { latencyMs: spec.latencyMs } : {},
});
process.stdout.write(
  `${JSON.stringify({
    endpoint: emulator.endpoint,
    operations: emulator.operations().map((op) => ({
      FirewallArn: op.firewallArn,
      FlowOperationId: op.flowOperationId,
      AvailabilityZone: op.availabilityZone,
    })),
  })}\n`,
);
const stop = () => {
  emulator.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
// The parent holds our stdin: when it exits (even killed), stdin ends and the emulator goes too.
process.stdin.on('end', stop).resume();
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
