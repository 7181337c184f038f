/**
 * Jobs of a bulk export: one (firewall, flow operation, scope) each. `--all-operations` asks
 * ListFlowOperations for every completed capture of each firewall and scope.
 */
import type {
  FlowOperationMetadata,
  ListFlowOperationsRequest,
  NetworkFirewallClient,
} from '@aws-sdk/client-network-firewall';
import { loadSdk } from '../client.js';
import type { JobIdentity } from '../spool/checkpoint.js';

/** A scope of flow operations: an Availability Zone, or a VPC endpoint association (with its endpoint id). */
export interface Scope {
  availabilityZone?: string;
  vpcEndpointId?: string;
  vpcEndpointAssociationArn?: string;
}

export function scopeFields(scope: Scope): Scope {
  const s: Scope = {};
  if (scope.availabilityZone !== undefined) s.availabilityZone = scope.availabilityZone;
  if (scope.vpcEndpointId !== undefined) s.vpcEndpointId = scope.vpcEndpointId;
  if (scope.vpcEndpointAssociationArn !== undefined)
    s.vpcEndpointAssociationArn = scope.vpcEndpointAssociationArn;
  return s;
}

export function scopeRequest(
  scope: Scope,
): Pick<ListFlowOperationsRequest, 'AvailabilityZone' | 'VpcEndpointId' | 'VpcEndpointAssociationArn'> {
  const r: Pick<
    ListFlowOperationsRequest,
    'AvailabilityZone' | 'VpcEndpointId' | 'VpcEndpointAssociationArn'
  > = {};
  if (scope.availabilityZone !== undefined) r.AvailabilityZone = scope.availabilityZone;
  if (scope.vpcEndpointId !== undefined) r.VpcEndpointId = scope.vpcEndpointId;
  if (scope.vpcEndpointAssociationArn !== undefined)
    r.VpcEndpointAssociationArn = scope.vpcEndpointAssociationArn;
  return r;
}

export function describeJob(job: JobIdentity): string {
  const scope = job.availabilityZone ?? job.vpcEndpointAssociationArn ?? job.vpcEndpointId;
  return `${job.flowOperationId}${scope ? ` (${scope})` : ''}`;
}

export async function listFlowOperations(
  client: NetworkFirewallClient,
  firewallArn: string,
  scope: Scope,
  options: { type?: 'FLOW_CAPTURE' | 'FLOW_FLUSH'; signal?: AbortSignal },
): Promise<FlowOperationMetadata[]> {
  const input: ListFlowOperationsRequest = { FirewallArn: firewallArn, ...scopeRequest(scope) };
  if (options.type !== undefined) input.FlowOperationType = options.type;
  const out: FlowOperationMetadata[] = [];
  const { paginateListFlowOperations } = await loadSdk();
  for await (const page of paginateListFlowOperations(
    { client, pageSize: 100 },
    input,
    ...(options.signal ? [{ abortSignal: options.signal }] : []),
  )) {
    out.push(...(page.FlowOperations ?? []));
  }
  return out;
}

/** Every completed (or completed-with-errors) capture of each firewall in each scope, oldest first. */
export async function allOperationJobs(
  client: NetworkFirewallClient,
  firewallArns: string[],
  scopes: Scope[],
  signal?: AbortSignal,
): Promise<JobIdentity[]> {
  const jobs: JobIdentity[] = [];
  for (const firewallArn of firewallArns) {
    for (const scope of scopes) {
      const ops = await listFlowOperations(client, firewallArn, scope, {
        type: 'FLOW_CAPTURE',
        ...(signal ? { signal } : {}),
      });
      const done = ops
        .filter(
          (o) =>
            o.FlowOperationId &&
            (o.FlowOperationStatus === 'COMPLETED' || o.FlowOperationStatus === 'COMPLETED_WITH_ERRORS'),
        )
        .sort(
          (a, b) =>
            (a.FlowRequestTimestamp?.getTime() ?? 0) - (b.FlowRequestTimestamp?.getTime() ?? 0) ||
            (a.FlowOperationId! < b.FlowOperationId! ? -1 : 1),
        );
      for (const op of done)
        jobs.push({ firewallArn, flowOperationId: op.FlowOperationId!, ...scopeFields(scope) });
    }
  }
  return jobs;
}
