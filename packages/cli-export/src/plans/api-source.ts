/** Where an API read goes: the firewalls, the scopes and the operations named by the flags. */
import type { ApiSource } from '../commands/export.js';
import type { Scope } from '../export/jobs.js';
import * as o from '../options.js';
import type { JobIdentity } from '../output/checkpoint.js';
import { UsageError } from '../usage-error.js';
import { booleanFlag, type Flags, listFlag } from './flag-values.js';
import { readOptions } from './read-options.js';

/** The API source of `command`; capture fills `jobs` once StartFlowCapture has answered. */
export function apiSource(flags: Flags, command: 'export' | 'capture' | 'top'): ApiSource {
  const arns = firewallArns(flags);
  const scopeList = scopes(flags);
  const read = readOptions(flags);
  const jobs = command === 'capture' ? [] : explicitJobs(flags, arns, scopeList);
  return { kind: 'api', jobs, firewallArns: arns, scopes: scopeList, read };
}

export function scopes(flags: Flags): Scope[] {
  const azs = listFlag(flags, 'availabilityZone').map(o.availabilityZone);
  const assocs = listFlag(flags, 'vpcEndpointAssociationArn').map(o.associationArn);
  const vpces = listFlag(flags, 'vpcEndpointId').map(o.vpcEndpointId);
  const out: Scope[] = azs.map((availabilityZone) => ({ availabilityZone }));
  if (assocs.length > 0) {
    if (vpces.length !== 0 && vpces.length !== assocs.length) {
      throw new UsageError(
        '--vpc-endpoint-id',
        vpces.join(','),
        `${vpces.length} given for ${assocs.length} --vpc-endpoint-association-arn`,
        'give one per association, in the same order, or none',
      );
    }
    assocs.forEach((vpcEndpointAssociationArn, i) => {
      out.push({ vpcEndpointAssociationArn, ...(vpces[i] === undefined ? {} : { vpcEndpointId: vpces[i] }) });
    });
  } else {
    for (const vpcEndpointId of vpces) out.push({ vpcEndpointId });
  }
  return out.length > 0 ? out : [{}];
}

export function firewallArns(flags: Flags): string[] {
  const arns = listFlag(flags, 'firewallArn');
  // capture finds these firewalls itself (commands/fleet-capture.ts).
  if (arns.length === 0 && (booleanFlag(flags, 'allFirewalls') || listFlag(flags, 'firewallName').length > 0))
    return [];
  if (arns.length === 0) return [o.firewallArn(undefined)];
  return arns.map((a) => o.firewallArn(a));
}

/** The jobs named on the command line (explicit ids), or null for --all-operations. */
function explicitJobs(flags: Flags, firewallArns: string[], scopeList: Scope[]): JobIdentity[] | null {
  const ids = listFlag(flags, 'flowOperationId').map((id) => o.operationId(id));
  const all = booleanFlag(flags, 'allOperations');
  if (all && ids.length > 0)
    throw new UsageError(
      '--all-operations',
      undefined,
      'cannot be combined with --flow-operation-id',
      'use one or the other',
    );
  if (all) return null;
  if (ids.length === 0)
    throw new UsageError(
      '--flow-operation-id',
      undefined,
      'is required',
      'pass an id from `nfw-flows operations`, or --all-operations, or --input FILE',
    );
  if (firewallArns.length > 1)
    throw new UsageError(
      '--firewall-arn',
      firewallArns.join(','),
      'several firewalls need --all-operations',
      'give one --firewall-arn with --flow-operation-id',
    );
  const seen = new Set<string>();
  const jobs: JobIdentity[] = [];
  for (const flowOperationId of ids) {
    for (const scope of scopeList) {
      const job: JobIdentity = { firewallArn: firewallArns[0]!, flowOperationId, ...scope };
      const key = JSON.stringify(job);
      if (seen.has(key)) continue;
      seen.add(key);
      jobs.push(job);
    }
  }
  return jobs;
}
