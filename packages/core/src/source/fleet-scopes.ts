import type { NetworkFirewallClient } from '@aws-sdk/client-network-firewall';
import { describeValue, NfwError } from '../errors.js';
import { sdkError } from './sdk-errors.js';

/** What a fleet capture captures per firewall: each Availability Zone, or each VPC endpoint association. */
export type FleetScopeKind = 'availability-zone' | 'vpc-endpoint-association';

/** A firewall, by ARN or by name (DescribeFirewall takes either). */
export type FirewallRef = { firewallArn: string } | { firewallName: string };

/** One scope of a fleet capture: what StartFlowCapture is given, and the (firewall, zone) it occupies. */
export interface FleetScope {
  firewallArn: string;
  /** The zone of the endpoint: the queue the scope waits in (one operation at a time per firewall and zone). */
  availabilityZone: string;
  /** Set for association scopes (captured instead of the zone). */
  vpcEndpointAssociationArn?: string;
  vpcEndpointId?: string;
}

let sdk: Promise<typeof import('@aws-sdk/client-network-firewall')> | undefined;
const loadSdk = () => {
  sdk ??= import('@aws-sdk/client-network-firewall');
  return sdk;
};

/** A stable text naming a scope (firewall and zone, or association), for maps, logs and checkpoints. */
export function scopeKey(scope: FleetScope): string {
  return scope.vpcEndpointAssociationArn === undefined
    ? `${scope.firewallArn}|${scope.availabilityZone}`
    : `${scope.firewallArn}|${scope.vpcEndpointAssociationArn}`;
}

/** The StartFlowCapture / ListFlowOperationResults scope fields of a scope. */
export function scopeInput(scope: FleetScope): {
  AvailabilityZone?: string;
  VpcEndpointAssociationArn?: string;
  VpcEndpointId?: string;
} {
  if (scope.vpcEndpointAssociationArn === undefined) return { AvailabilityZone: scope.availabilityZone };
  return {
    VpcEndpointAssociationArn: scope.vpcEndpointAssociationArn,
    ...(scope.vpcEndpointId === undefined ? {} : { VpcEndpointId: scope.vpcEndpointId }),
  };
}

/** A firewall that could not be described: the fleet capture reports it as a failed scope. */
export interface FleetDiscoveryFailure {
  firewall: string;
  error: NfwError;
}

export interface DiscoverOptions {
  firewalls?: FirewallRef[];
  allFirewalls?: boolean;
  scope?: FleetScopeKind;
  signal?: AbortSignal;
}

/**
 * The scopes of the given firewalls (DescribeFirewall: the zones of `FirewallStatus.SyncStates`, else
 * none), or of every firewall of the client's region (ListFirewalls, all pages); with
 * `'vpc-endpoint-association'`, each firewall's associations (ListVpcEndpointAssociations, then
 * DescribeVpcEndpointAssociation for the zone and endpoint) instead of its zones: an association's flows
 * are part of its zone's, so the two are never mixed. Ordered zone by zone across firewalls, so that the
 * first scopes started are in different queues.
 */
export async function discoverScopes(
  client: NetworkFirewallClient,
  options: DiscoverOptions,
): Promise<{ scopes: FleetScope[]; failures: FleetDiscoveryFailure[] }> {
  const kind = options.scope ?? 'availability-zone';
  if (kind !== 'availability-zone' && kind !== 'vpc-endpoint-association') {
    throw new NfwError(
      'NFW_INVALID_OPTION',
      `scope must be 'availability-zone' or 'vpc-endpoint-association', got ${describeValue(kind)}`,
      { field: 'scope', value: kind },
    );
  }
  const abort = options.signal ? { abortSignal: options.signal } : {};
  const m = await loadSdk();
  let refs: FirewallRef[];
  if (options.allFirewalls) {
    refs = [];
    try {
      for await (const page of m.paginateListFirewalls({ client, pageSize: 100 }, {}, abort)) {
        for (const f of page.Firewalls ?? []) if (f.FirewallArn) refs.push({ firewallArn: f.FirewallArn });
      }
    } catch (error) {
      throw discoveryError(error, 'ListFirewalls', options.signal);
    }
  } else {
    refs = options.firewalls ?? [];
  }
  const perFirewall: FleetScope[][] = [];
  const failures: FleetDiscoveryFailure[] = [];
  for (const ref of refs) {
    const name = 'firewallArn' in ref ? ref.firewallArn : ref.firewallName;
    try {
      const described = await client.send(
        new m.DescribeFirewallCommand(
          'firewallArn' in ref ? { FirewallArn: ref.firewallArn } : { FirewallName: ref.firewallName },
        ),
        abort,
      );
      const firewallArn = described.Firewall?.FirewallArn ?? ('firewallArn' in ref ? ref.firewallArn : '');
      if (firewallArn === '') throw new Error(`DescribeFirewall returned no FirewallArn for ${name}`);
      if (kind === 'availability-zone') {
        const zones = Object.keys(described.FirewallStatus?.SyncStates ?? {}).sort();
        perFirewall.push(zones.map((availabilityZone) => ({ firewallArn, availabilityZone })));
      } else {
        perFirewall.push(await associations(client, m, firewallArn, abort));
      }
    } catch (error) {
      if (options.signal?.aborted) throw error;
      failures.push({
        firewall: name,
        error:
          error instanceof NfwError
            ? error
            : sdkError(error, 'DescribeFirewall', { nextToken: undefined, emitted: 0 }),
      });
    }
  }
  // Round-robin over firewalls: the first scopes to start are each in a different (firewall, zone).
  const scopes: FleetScope[] = [];
  for (let i = 0; perFirewall.some((list) => i < list.length); i++) {
    for (const list of perFirewall) if (i < list.length) scopes.push(list[i]!);
  }
  const seen = new Set<string>();
  return {
    scopes: scopes.filter((s) => {
      const key = scopeKey(s);
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    }),
    failures,
  };
}

async function associations(
  client: NetworkFirewallClient,
  m: typeof import('@aws-sdk/client-network-firewall'),
  firewallArn: string,
  abort: { abortSignal?: AbortSignal },
): Promise<FleetScope[]> {
  const arns: string[] = [];
  for await (const page of m.paginateListVpcEndpointAssociations(
    { client, pageSize: 100 },
    { FirewallArn: firewallArn },
    abort,
  )) {
    for (const a of page.VpcEndpointAssociations ?? [])
      if (a.VpcEndpointAssociationArn) arns.push(a.VpcEndpointAssociationArn);
  }
  const out: FleetScope[] = [];
  for (const arn of arns.sort()) {
    const d = await client.send(
      new m.DescribeVpcEndpointAssociationCommand({ VpcEndpointAssociationArn: arn }),
      abort,
    );
    const states = d.VpcEndpointAssociationStatus?.AssociationSyncState ?? {};
    const zone = Object.keys(states)[0];
    if (zone === undefined) continue; // not attached in any zone: nothing to capture
    const endpoint = states[zone]?.Attachment?.EndpointId;
    out.push({
      firewallArn,
      availabilityZone: zone,
      vpcEndpointAssociationArn: arn,
      ...(endpoint ? { vpcEndpointId: endpoint } : {}),
    });
  }
  return out;
}

function discoveryError(error: unknown, what: string, signal: AbortSignal | undefined): unknown {
  if (signal?.aborted || error instanceof NfwError) return error;
  return sdkError(error, what, { nextToken: undefined, emitted: 0 });
}
