/** `nfw-flows operations`: ListFlowOperations as a table, or JSON with --json. */
import type { NetworkFirewallClient } from '@aws-sdk/client-network-firewall';
import { createClient } from '../client.js';
import { EXIT_OK } from '../exit.js';
import { listFlowOperations, scopeFields } from '../export/jobs.js';
import { firewallArns, scopes } from '../plans/api-source.js';
import { clientFlags } from '../plans/client-flags.js';
import { escapeControls } from '../terminal-text.js';
import type { RunContext } from './export.js';
import { renderTable } from './table.js';

export interface OperationRow {
  FirewallArn: string;
  AvailabilityZone?: string;
  VpcEndpointId?: string;
  VpcEndpointAssociationArn?: string;
  FlowOperationId: string | null;
  FlowOperationType: string | null;
  FlowOperationStatus: string | null;
  FlowRequestTimestamp: string | null;
}

export async function runOperations(
  flags: Record<string, unknown>,
  ctx: RunContext,
  client?: NetworkFirewallClient,
): Promise<number> {
  const arns = firewallArns(flags);
  const scopeList = scopes(flags);
  const type = flags.flowOperationType as 'FLOW_CAPTURE' | 'FLOW_FLUSH' | undefined;
  const c = client ?? (await createClient(clientFlags(flags)));
  const rows: OperationRow[] = [];
  for (const firewallArn of arns) {
    for (const scope of scopeList) {
      const ops = await listFlowOperations(c, firewallArn, scope, {
        signal: ctx.signal,
        ...(type ? { type } : {}),
      });
      const s = scopeFields(scope);
      for (const op of ops) {
        rows.push({
          FirewallArn: firewallArn,
          ...(s.availabilityZone === undefined ? {} : { AvailabilityZone: s.availabilityZone }),
          ...(s.vpcEndpointId === undefined ? {} : { VpcEndpointId: s.vpcEndpointId }),
          ...(s.vpcEndpointAssociationArn === undefined
            ? {}
            : { VpcEndpointAssociationArn: s.vpcEndpointAssociationArn }),
          FlowOperationId: op.FlowOperationId ?? null,
          FlowOperationType: op.FlowOperationType ?? null,
          FlowOperationStatus: op.FlowOperationStatus ?? null,
          FlowRequestTimestamp: op.FlowRequestTimestamp ? op.FlowRequestTimestamp.toISOString() : null,
        });
      }
    }
  }
  rows.sort((a, b) => (b.FlowRequestTimestamp ?? '').localeCompare(a.FlowRequestTimestamp ?? ''));
  if (flags.json === true) {
    ctx.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    return EXIT_OK;
  }
  if (rows.length === 0) {
    ctx.stderr.write('nfw-flows: no flow operations found (AWS keeps them for about 12 hours)\n');
    return EXIT_OK;
  }
  const many = arns.length > 1;
  const scoped =
    scopeList.length > 1 ||
    scopeList[0]?.availabilityZone !== undefined ||
    scopeList[0]?.vpcEndpointAssociationArn !== undefined;
  const header = [
    'FLOW OPERATION ID',
    'TYPE',
    'STATUS',
    'REQUESTED (UTC)',
    ...(scoped ? ['SCOPE'] : []),
    ...(many ? ['FIREWALL'] : []),
  ];
  const body = rows.map((r) => [
    r.FlowOperationId ?? '',
    r.FlowOperationType ?? '',
    r.FlowOperationStatus ?? '',
    r.FlowRequestTimestamp?.replace('T', ' ').replace(/\.\d+Z$|Z$/, '') ?? '',
    ...(scoped ? [r.AvailabilityZone ?? r.VpcEndpointAssociationArn ?? r.VpcEndpointId ?? ''] : []),
    ...(many ? [r.FirewallArn] : []),
  ]);
  // A table for a terminal: the service's strings with their control characters escaped.
  ctx.stdout.write(
    renderTable(
      header,
      body.map((row) => row.map((cell) => escapeControls(cell))),
      [],
    ),
  );
  return EXIT_OK;
}
