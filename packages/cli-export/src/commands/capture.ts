/**
 * `nfw-flows capture`: StartFlowCapture with filters from the flags, then export its results (waiting
 * while it is IN_PROGRESS). With --resume, the capture recorded in the interrupted export's checkpoint
 * is continued instead of starting a new one.
 */
import { existsSync } from 'node:fs';
import type { NetworkFirewallClient, StartFlowCaptureRequest } from '@aws-sdk/client-network-firewall';
import { NfwError } from '@nfw-flows/core';
import { createClient, loadSdk } from '../client.js';
import { type Scope, scopeRequest } from '../export/jobs.js';
import { partialDirectory, readCheckpoint } from '../output/checkpoint.js';
import { type CaptureFilters, captureFilters } from '../plans/capture-filters.js';
import { exportPlan } from '../plans/export-plan.js';
import { terminalLine } from '../terminal-text.js';
import { UsageError } from '../usage-error.js';
import { type ExportPlan, type RunContext, runExport } from './export.js';
import { firewallArnsOfNames, isFleetCapture, runFleetCapture } from './fleet-capture.js';

export async function runCapture(
  flags: Record<string, unknown>,
  ctx: RunContext,
  client?: NetworkFirewallClient,
): Promise<number> {
  const plan = exportPlan('capture', flags);
  const capture = captureFilters(flags);
  const source = plan.source;
  if (source.kind !== 'api')
    throw new UsageError('--input', flags.input, 'does not apply to capture', 'use export --input');
  if (isFleetCapture(flags))
    return runFleetCapture(
      plan,
      source,
      flags,
      capture,
      ctx,
      client ?? (await createClient(plan.clientFlags)),
    );
  const c = client ?? (await createClient(plan.clientFlags));
  // --firewall-name works where an ARN does: DescribeFirewall gives the ARN.
  source.firewallArns = [...source.firewallArns, ...(await firewallArnsOfNames(c, flags, ctx.signal))];
  if (source.firewallArns.length !== 1)
    throw new UsageError('--firewall-arn', source.firewallArns.join(','), 'capture takes one firewall');
  if (source.scopes.length !== 1)
    throw new UsageError(
      '--availability-zone',
      undefined,
      'capture takes one scope',
      'one --availability-zone or one --vpc-endpoint-association-arn',
    );
  const scope = source.scopes[0]!;
  const firewallArn = source.firewallArns[0]!;
  let flowOperationId = resumedCapture(plan, firewallArn);
  if (flowOperationId === undefined)
    flowOperationId = await startCapture(c, firewallArn, scope, capture, plan, ctx);
  else if (!plan.quiet)
    ctx.stderr.write(`nfw-flows: resuming the export of flow capture ${terminalLine(flowOperationId)}\n`);
  source.jobs = [{ firewallArn, flowOperationId, ...scope }];
  return runExport(plan, ctx, c);
}

/** --resume: the operation of the interrupted export of `plan.out`, when it captured the same firewall. */
function resumedCapture(plan: ExportPlan, firewallArn: string): string | undefined {
  if (!plan.resume || plan.out === '-' || !existsSync(partialDirectory(plan.out))) return undefined;
  const checkpoint = readCheckpoint(partialDirectory(plan.out));
  const job = checkpoint?.identity.command === 'capture' ? checkpoint.identity.jobs[0] : undefined;
  return job && job.firewallArn === firewallArn ? job.flowOperationId : undefined;
}

/** StartFlowCapture of one scope; resolves with the new operation's id. */
async function startCapture(
  client: NetworkFirewallClient,
  firewallArn: string,
  scope: Scope,
  { filters, minimumFlowAge }: CaptureFilters,
  plan: ExportPlan,
  ctx: RunContext,
): Promise<string> {
  const request: StartFlowCaptureRequest = {
    FirewallArn: firewallArn,
    ...scopeRequest(scope),
    MinimumFlowAgeInSeconds: minimumFlowAge,
    FlowFilters: filters,
  };
  const { StartFlowCaptureCommand } = await loadSdk();
  const started = await client.send(new StartFlowCaptureCommand(request), { abortSignal: ctx.signal });
  if (!started.FlowOperationId)
    throw new NfwError('NFW_INVALID_RESPONSE', 'StartFlowCapture returned no FlowOperationId', {
      field: 'FlowOperationId',
      value: started.FlowOperationId,
    });
  if (!plan.quiet)
    ctx.stderr.write(
      `nfw-flows: started flow capture ${terminalLine(`${started.FlowOperationId} (${started.FlowOperationStatus ?? 'IN_PROGRESS'})`)}\n`,
    );
  return started.FlowOperationId;
}
