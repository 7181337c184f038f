/**
 * `nfw-flows capture` without a scope flag: capture every Availability Zone (or, with
 * --vpc-endpoint-associations, every VPC endpoint association) of the firewalls given by ARN or name,
 * or of every firewall of the region (--all-firewalls), in one export. Discovery and scheduling are
 * core's (discoverScopes, FleetScheduler); the export with its spool, checkpoint and --resume is the
 * same as for several operations.
 */
import path from 'node:path';
import type { FlowFilter, NetworkFirewallClient } from '@aws-sdk/client-network-firewall';
import {
  captureFlows,
  discoverScopes,
  type FirewallRef,
  type FleetScopeKind,
  startFlowCapture,
} from '@nfw-flows/core';
import { EXIT_INCOMPLETE, EXIT_OK } from '../exit.js';
import type { ExportPlan } from '../export/export-plan.js';
import type { FleetRun } from '../export/fleet-jobs.js';
import { metadataOf, newTotals } from '../export/live-records.js';
import { writeStreamOutput } from '../export/write-output.js';
import { createProgress, formatCount } from '../progress.js';
import { type JobIdentity, partialDirectory, readCheckpoint } from '../spool/checkpoint.js';
import { UsageError } from '../usage-error.js';
import { type RunContext, runExport } from './export.js';

type Flags = Record<string, unknown>;

const list = (flags: Flags, key: string): string[] => {
  const v = flags[key];
  return Array.isArray(v) ? (v as string[]) : typeof v === 'string' ? [v] : [];
};

const FLEET_FLAGS = ['allFirewalls', 'vpcEndpointAssociations'] as const;
const flagName = (key: string) => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/** True when capture runs over discovered scopes: no scope flag was given. */
export function isFleetCapture(flags: Flags): boolean {
  const explicit = ['availabilityZone', 'vpcEndpointAssociationArn', 'vpcEndpointId'].find(
    (k) => list(flags, k).length > 0,
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
  const names = list(flags, 'firewallName');
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
function fleetSelection(plan: ExportPlan, flags: Flags): { firewalls?: FirewallRef[]; allFirewalls?: true } {
  const arns = plan.source.kind === 'api' ? plan.source.firewallArns : [];
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
  flags: Flags,
  filters: FlowFilter[],
  minimumFlowAge: number,
  ctx: RunContext,
  client: NetworkFirewallClient,
): Promise<number> {
  const source = plan.source;
  if (source.kind !== 'api') throw new Error('fleet capture reads the API');
  if (source.read.startingToken !== undefined)
    throw new UsageError(
      '--starting-token',
      source.read.startingToken,
      'applies to one operation in one scope',
      'add --availability-zone',
    );
  const selection = fleetSelection(plan, flags);
  const scope: FleetScopeKind =
    flags.vpcEndpointAssociations === true ? 'vpc-endpoint-association' : 'availability-zone';
  if (plan.out === '-') return streamFleet(plan, selection, scope, filters, minimumFlowAge, ctx, client);

  const found = await discoverScopes(client, { ...selection, scope, signal: ctx.signal });
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
  const failures = new Map<number, { code: string; message: string }>();
  for (const f of found.failures) {
    failures.set(jobs.length, { code: f.error.code, message: f.error.message });
    jobs.push({ firewallArn: f.firewall, flowOperationId: '' });
    zones.push('');
  }
  const identity = { scope, filters, minimumFlowAge };

  // --resume: the operations the interrupted run started, when it captured the same scopes.
  if (plan.resume) {
    const checkpoint = readCheckpointQuietly(partialDirectory(plan.out));
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
  if (!plan.quiet) {
    const what = scope === 'availability-zone' ? 'Availability Zones' : 'VPC endpoint associations';
    ctx.stderr.write(
      `nfw-flows: capturing ${found.scopes.length} ${what} of ${new Set(found.scopes.map((s) => s.firewallArn)).size} firewalls${failures.size > 0 ? ` (${failures.size} firewalls not found)` : ''} into ${path.relative(process.cwd(), plan.out) || plan.out}\n`,
    );
  }

  const fleet: FleetRun = {
    identity,
    zones,
    failures,
    start: (job, signal) =>
      startFlowCapture(
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
      ),
  };
  source.jobs = jobs;
  return runExport({ ...plan, fleet }, ctx, client);
}

function readCheckpointQuietly(dir: string) {
  try {
    return readCheckpoint(dir);
  } catch {
    return null;
  }
}

/**
 * `--out -`: core's captureFlows straight into the serializer (no spool, so no --resume, as for any
 * export to stdout). Failed scopes are warned about and make the exit code 3.
 */
async function streamFleet(
  plan: ExportPlan,
  selection: { firewalls?: FirewallRef[]; allFirewalls?: true },
  scope: FleetScopeKind,
  filters: FlowFilter[],
  minimumFlowAge: number,
  ctx: RunContext,
  client: NetworkFirewallClient,
): Promise<number> {
  const source = plan.source;
  if (source.kind !== 'api') throw new Error('fleet capture reads the API');
  for (const [flag, value] of [
    ['--max-items', source.read.maxItems],
    ['--rejects', plan.rejects],
  ] as const) {
    if (value !== undefined)
      throw new UsageError(
        flag,
        String(value),
        'applies to a capture of several scopes to a file',
        'pass --out FILE',
      );
  }
  const read = source.read;
  const stream = captureFlows(client, {
    ...selection,
    scope,
    filters,
    minimumFlowAgeInSeconds: minimumFlowAge,
    concurrency: plan.concurrency,
    signal: ctx.signal,
    onInvalid: read.strict ? 'fail' : 'reject',
    ...(read.pageSize === undefined ? {} : { pageSize: read.pageSize }),
    ...(read.waitTimeoutMs === undefined ? {} : { waitTimeout: read.waitTimeoutMs }),
    ...(read.pollIntervalMs === undefined ? {} : { pollInterval: read.pollIntervalMs }),
  });
  const progress = createProgress({ quiet: plan.quiet, label: 'nfw-flows capture', stream: ctx.stderr });
  const totals = newTotals();
  const update = () => {
    const s = stream.summary();
    totals.pages = s.pages;
    totals.flows = s.emitted;
    totals.rejected = s.rejected;
    totals.scopes = s.counts;
    for (const x of s.scopes) {
      if (x.status === null && x.state !== 'failed') continue;
      totals.statuses.set(x.flowOperationId ?? `${x.firewallArn} ${x.availabilityZone}`, {
        status: x.state === 'failed' ? 'FAILED' : x.status,
        message: x.error ? `${x.error.code}: ${x.error.message}` : x.statusMessage,
      });
    }
    progress.update(totals);
  };
  stream.on('page', update);
  stream.on('scope', update);
  stream.on('warning', (w) => progress.log(`nfw-flows: warning: ${w.message}`));
  try {
    await writeStreamOutput(stream, ctx.stdout, {
      format: plan.format,
      aggregate: plan.aggregate,
      metadata: () => metadataOf(totals),
      signal: ctx.signal,
      ...(plan.compression ? { compression: plan.compression } : {}),
    });
  } finally {
    progress.stop();
  }
  const s = stream.summary();
  const failed = s.scopes.filter((x) => x.state === 'failed').length;
  if (!plan.quiet)
    ctx.stderr.write(
      `nfw-flows: wrote stdout: ${formatCount(s.emitted)} flows, ${formatCount(s.rejected)} rejected, ${s.scopes.length} scopes${failed > 0 ? ` (${failed} failed)` : ''}, status ${s.status ?? 'none'}\n`,
    );
  return s.incomplete || s.rejected > 0 ? EXIT_INCOMPLETE : EXIT_OK;
}
