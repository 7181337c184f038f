/**
 * `nfw-flows capture` without a scope flag: capture every Availability Zone (or, with
 * --vpc-endpoint-associations, every VPC endpoint association) of the firewalls given by ARN or name,
 * or of every firewall of the region (--all-firewalls), in one export. Discovery and scheduling are
 * core's (discoverScopes, FleetScheduler); the export with its spool, checkpoint and --resume is the
 * same as for several operations.
 */
import path from 'node:path';
import type { NetworkFirewallClient } from '@aws-sdk/client-network-firewall';
import { discoverScopes, type FirewallRef, type FleetScopeKind, startFlowCapture } from '@nfw-flows/core';
import type { FleetRun } from '../export/fleet-jobs.js';
import { type JobIdentity, partialDirectory, readCheckpoint } from '../output/checkpoint.js';
import type { CaptureFilters } from '../plans/capture-filters.js';
import { type Flags, flagName, listFlag } from '../plans/flag-values.js';
import { UsageError } from '../usage-error.js';
import { type ApiSource, type ExportPlan, type RunContext, runExport } from './export.js';
import { captureFleetToStdout } from './fleet-capture-to-stdout.js';

const FLEET_FLAGS = ['allFirewalls', 'vpcEndpointAssociations'] as const;

/** The firewalls a fleet capture covers: named ones, or every firewall of the region. */
export type FleetSelection = { firewalls?: FirewallRef[]; allFirewalls?: true };

/** True when capture runs over discovered scopes: no scope flag was given. */
export function isFleetCapture(flags: Flags): boolean {
  const explicit = ['availabilityZone', 'vpcEndpointAssociationArn', 'vpcEndpointId'].find(
    (k) => listFlag(flags, k).length > 0,
  );
  if (explicit === undefined) return true;
  const fleetFlag = FLEET_FLAGS.find((k) => flags[k] !== undefined);
  if (fleetFlag !== undefined) {
    throw new UsageError(
      flagName(fleetFlag),
      undefined,
      `cannot be combined with ${flagName(explicit)}`,
      'name the scopes, or let capture find them',
    );
  }
  return false;
}

function checkedNames(flags: Flags): string[] {
  const names = listFlag(flags, 'firewallName');
  for (const name of names) {
    if (name === '' || name.length > 128 || !/^[a-zA-Z0-9-]+$/.test(name))
      throw new UsageError('--firewall-name', name, 'is not a firewall name', 'letters, digits and hyphens');
  }
  return names;
}

/** The ARNs of --firewall-name firewalls (DescribeFirewall), for a capture with explicit scope flags. */
export async function firewallArnsOfNames(
  client: NetworkFirewallClient,
  flags: Flags,
  signal: AbortSignal,
): Promise<string[]> {
  const names = checkedNames(flags);
  if (names.length === 0) return [];
  const found = await discoverScopes(client, {
    firewalls: names.map((firewallName) => ({ firewallName })),
    signal,
  });
  if (found.failures.length > 0) throw found.failures[0]!.error;
  return [...new Set(found.scopes.map((s) => s.firewallArn))];
}

/** The firewalls to capture, checked before any request. */
function fleetSelection(source: ApiSource, flags: Flags): FleetSelection {
  const arns = source.firewallArns;
  const names = checkedNames(flags);
  if (flags.allFirewalls === true) {
    if (arns.length > 0 || names.length > 0)
      throw new UsageError(
        '--all-firewalls',
        undefined,
        'cannot be combined with --firewall-arn or --firewall-name',
        'use one or the other',
      );
    return { allFirewalls: true };
  }
  return {
    firewalls: [
      ...arns.map((firewallArn) => ({ firewallArn })),
      ...names.map((firewallName) => ({ firewallName })),
    ],
  };
}

export async function runFleetCapture(
  plan: ExportPlan,
  source: ApiSource,
  flags: Flags,
  capture: CaptureFilters,
  ctx: RunContext,
  client: NetworkFirewallClient,
): Promise<number> {
  if (source.read.startingToken !== undefined)
    throw new UsageError(
      '--starting-token',
      source.read.startingToken,
      'applies to one operation in one scope',
      'add --availability-zone',
    );
  const selection = fleetSelection(source, flags);
  const scope: FleetScopeKind =
    flags.vpcEndpointAssociations === true ? 'vpc-endpoint-association' : 'availability-zone';
  if (plan.out === '-') return captureFleetToStdout(plan, source, selection, scope, capture, ctx, client);

  const found = await discoverScopes(client, { ...selection, scope, signal: ctx.signal });
  const { jobs, zones, failures } = fleetJobs(found);
  if (plan.resume) resumeFleetJobs(plan.out, jobs);
  if (!plan.quiet) {
    const what = scope === 'availability-zone' ? 'Availability Zones' : 'VPC endpoint associations';
    ctx.stderr.write(
      `nfw-flows: capturing ${found.scopes.length} ${what} of ${new Set(found.scopes.map((s) => s.firewallArn)).size} firewalls${failures.size > 0 ? ` (${failures.size} firewalls not found)` : ''} into ${path.relative(process.cwd(), plan.out) || plan.out}\n`,
    );
  }
  const fleet: FleetRun = {
    identity: { scope, filters: capture.filters, minimumFlowAge: capture.minimumFlowAge },
    zones,
    failures,
    start: (job, signal) => startScopeCapture(client, job, capture, signal),
  };
  source.jobs = jobs;
  return runExport({ ...plan, fleet }, ctx, client);
}

type Discovered = Awaited<ReturnType<typeof discoverScopes>>;

/**
 * One job per discovered scope (its operation id empty until its capture starts), then one failed job
 * per firewall that could not be found, so the status file names it.
 */
function fleetJobs(found: Discovered): Pick<FleetRun, 'zones' | 'failures'> & { jobs: JobIdentity[] } {
  const jobs: JobIdentity[] = found.scopes.map((s) => ({
    firewallArn: s.firewallArn,
    flowOperationId: '',
    ...(s.vpcEndpointAssociationArn === undefined
      ? { availabilityZone: s.availabilityZone }
      : {
          vpcEndpointAssociationArn: s.vpcEndpointAssociationArn,
          ...(s.vpcEndpointId === undefined ? {} : { vpcEndpointId: s.vpcEndpointId }),
        }),
  }));
  const zones = found.scopes.map((s) => s.availabilityZone);
  const failures: FleetRun['failures'] = new Map();
  for (const f of found.failures) {
    failures.set(jobs.length, { code: f.error.code, message: f.error.message });
    jobs.push({ firewallArn: f.firewall, flowOperationId: '' });
    zones.push('');
  }
  return { jobs, zones, failures };
}

/** --resume: take the operations the interrupted run started, when it captured the same scopes. */
function resumeFleetJobs(out: string, jobs: JobIdentity[]): void {
  const checkpoint = readCheckpointQuietly(partialDirectory(out));
  const old = checkpoint?.identity.jobs;
  const scopeOnly = (j: JobIdentity) => JSON.stringify({ ...j, flowOperationId: '' });
  if (
    old !== undefined &&
    checkpoint?.identity.command === 'capture' &&
    old.length === jobs.length &&
    old.every((j, i) => scopeOnly(j) === scopeOnly(jobs[i]!))
  ) {
    for (const [i, j] of old.entries()) jobs[i] = { ...j };
  }
}

function readCheckpointQuietly(dir: string) {
  try {
    return readCheckpoint(dir);
  } catch {
    return null;
  }
}

/** StartFlowCapture of one fleet job's scope; resolves with its FlowOperationId. */
function startScopeCapture(
  client: NetworkFirewallClient,
  job: JobIdentity,
  { filters, minimumFlowAge }: CaptureFilters,
  signal: AbortSignal,
): Promise<string> {
  return startFlowCapture(
    client,
    {
      firewallArn: job.firewallArn,
      availabilityZone: job.availabilityZone ?? '',
      ...(job.vpcEndpointAssociationArn === undefined
        ? {}
        : { vpcEndpointAssociationArn: job.vpcEndpointAssociationArn }),
      ...(job.vpcEndpointId === undefined ? {} : { vpcEndpointId: job.vpcEndpointId }),
    },
    { filters, minimumFlowAgeInSeconds: minimumFlowAge, signal },
  );
}
