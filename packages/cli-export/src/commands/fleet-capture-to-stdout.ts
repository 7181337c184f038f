/**
 * `capture --out -` without a scope flag: core's captureFlows straight into the serializer (no spool,
 * so no --resume, as for any export to stdout). Failed scopes are warned about and make the exit code 3.
 */
import type { NetworkFirewallClient } from '@aws-sdk/client-network-firewall';
import { captureFlows, type FleetScopeKind } from '@nfw-flows/core';
import { EXIT_INCOMPLETE, EXIT_OK } from '../exit.js';
import { metadataOf, newTotals } from '../export/live-records.js';
import { writeStreamOutput } from '../export/write-output.js';
import type { CaptureFilters } from '../plans/capture-filters.js';
import { createProgress, formatCount } from '../progress.js';
import { UsageError } from '../usage-error.js';
import type { ApiSource, ExportPlan, RunContext } from './export.js';
import type { FleetSelection } from './fleet-capture.js';

type FleetStream = ReturnType<typeof captureFlows>;

export async function captureFleetToStdout(
  plan: ExportPlan,
  source: ApiSource,
  selection: FleetSelection,
  scope: FleetScopeKind,
  { filters, minimumFlowAge }: CaptureFilters,
  ctx: RunContext,
  client: NetworkFirewallClient,
): Promise<number> {
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
  await writeWithProgress(stream, plan, ctx);
  const s = stream.summary();
  const failed = s.scopes.filter((x) => x.state === 'failed').length;
  if (!plan.quiet)
    ctx.stderr.write(
      `nfw-flows: wrote stdout: ${formatCount(s.emitted)} flows, ${formatCount(s.rejected)} rejected, ${s.scopes.length} scopes${failed > 0 ? ` (${failed} failed)` : ''}, status ${s.status ?? 'none'}\n`,
    );
  return s.incomplete || s.rejected > 0 ? EXIT_INCOMPLETE : EXIT_OK;
}

/** Serialize the stream to stdout while the progress line follows its pages and scopes. */
async function writeWithProgress(stream: FleetStream, plan: ExportPlan, ctx: RunContext): Promise<void> {
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
}
