/**
 * A spooled page: one line of the job's spool, the ListFlowOperationResults response as JSON, which
 * `flowResultsFromFile` reads as JSON Lines of responses. The provenance comes first and `Flows` last,
 * so a reader has the page's context before its records.
 */
import type { FlowPage } from '@nfw-flows/core';

const KNOWN_STATUSES = new Set(['COMPLETED', 'COMPLETED_WITH_ERRORS', 'FAILED', 'IN_PROGRESS']);

export function pageLine(page: FlowPage): string {
  const c = page.context;
  const response: Record<string, unknown> = { FirewallArn: c.firewallArn };
  if (c.availabilityZone !== null) response.AvailabilityZone = c.availabilityZone;
  if (c.vpcEndpointId !== null) response.VpcEndpointId = c.vpcEndpointId;
  if (c.vpcEndpointAssociationArn !== null) response.VpcEndpointAssociationArn = c.vpcEndpointAssociationArn;
  response.FlowOperationId = c.flowOperationId;
  // ISO text keeps the Date's milliseconds exactly (epoch seconds as a float may not).
  if (c.flowRequestTimestamp !== null) response.FlowRequestTimestamp = c.flowRequestTimestamp.toISOString();
  // The file source refuses a status it does not know; the checkpoint keeps the page's status as sent.
  if (page.status !== null && KNOWN_STATUSES.has(page.status)) response.FlowOperationStatus = page.status;
  if (page.statusMessage !== null) response.StatusMessage = page.statusMessage;
  if (page.nextToken !== undefined) response.NextToken = page.nextToken;
  response.Flows = page.flows;
  return JSON.stringify(response);
}
