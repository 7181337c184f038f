/** `nfw-flows top`: top talkers as a table with unicode bars and shares, or JSON rows with --json. */

import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { NetworkFirewallClient } from '@aws-sdk/client-network-firewall';
import { type Row, topTalkers } from '@nfw-flows/core';
import { createClient } from '../client.js';
import { EXIT_INCOMPLETE, EXIT_OK } from '../exit.js';
import { allOperationJobs } from '../export/jobs.js';
import { apiRecords, fileRecords, newTotals, overallStatus, truncatedToken } from '../export/live-records.js';
import { topPlan } from '../plans/top-plan.js';
import { createProgress, formatBytes, formatCount } from '../progress.js';
import type { RunContext } from './export.js';
import { bar, renderTable } from './table.js';

function num(v: Row[string]): number {
  return typeof v === 'bigint' ? Number(v) : typeof v === 'number' ? v : 0;
}

function jsonValue(v: Row[string]): unknown {
  if (typeof v === 'bigint') return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
  if (v instanceof Date) return v.toISOString();
  return v;
}

export async function runTop(
  flags: Record<string, unknown>,
  ctx: RunContext,
  client?: NetworkFirewallClient,
): Promise<number> {
  const plan = topPlan(flags);
  const progress = createProgress({ quiet: plan.quiet, label: 'nfw-flows top', stream: ctx.stderr });
  const totals = newTotals(plan.source.kind);
  const hooks = {
    update: () => progress.update(totals),
    reject: () => {},
    warn: (line: string) => progress.log(`nfw-flows: warning: ${line}`),
  };
  const rows: Row[] = [];
  try {
    let records: NodeJS.ReadableStream;
    if (plan.source.kind === 'file') {
      records = fileRecords(
        plan.source.input,
        plan.source.strict,
        ctx.signal,
        totals,
        hooks,
        plan.source.provenance,
      );
    } else {
      const c = client ?? (await createClient(plan.clientFlags));
      const jobs =
        plan.source.jobs ??
        (await allOperationJobs(c, plan.source.firewallArns, plan.source.scopes, ctx.signal));
      records = apiRecords(c, jobs, plan.source.read, ctx.signal, totals, hooks);
    }
    const sink = new Writable({
      objectMode: true,
      write(row: Row, _enc, cb) {
        rows.push(row);
        cb();
      },
    });
    await pipeline(records, topTalkers(plan.options), sink, { signal: ctx.signal });
  } finally {
    progress.stop();
  }
  const by = plan.options.by ?? 'bytes';
  if (plan.json) {
    ctx.stdout.write(
      `${JSON.stringify(
        rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, jsonValue(v)]))),
        null,
        2,
      )}\n`,
    );
  } else if (rows.length === 0) {
    ctx.stderr.write('nfw-flows: no flows\n');
  } else {
    const metricText = (v: Row[string]) => (by === 'bytes' ? formatBytes(num(v)) : formatCount(num(v)));
    const max = Math.max(...rows.map((r) => num(r[by] ?? 0)));
    const header = [
      '#',
      String(plan.options.key).toUpperCase(),
      by.toUpperCase(),
      'SHARE',
      '',
      ...['flows', 'packets', 'bytes'].filter((m) => m !== by).map((m) => m.toUpperCase()),
    ];
    const body = rows.map((r) => {
      const share = r[`${by}_share`];
      return [
        String(r.rank ?? ''),
        r.key === null || r.key === undefined ? '(none)' : String(r.key),
        metricText(r[by] ?? 0),
        typeof share === 'number' ? `${(share * 100).toFixed(1)}%` : '',
        bar(max > 0 ? num(r[by] ?? 0) / max : 0, 24),
        ...['flows', 'packets', 'bytes']
          .filter((m) => m !== by)
          .map((m) => (m === 'bytes' ? formatBytes(num(r[m] ?? 0)) : formatCount(num(r[m] ?? 0)))),
      ];
    });
    ctx.stdout.write(renderTable(header, body, [0, 2, 3, 5, 6]));
    if (!plan.quiet) {
      ctx.stderr.write(
        `nfw-flows: ${formatCount(totals.flows)} flows from ${formatCount(totals.pages)} pages, ranked by ${by}\n`,
      );
    }
  }
  const { status, message } = overallStatus(totals);
  if (status === 'COMPLETED_WITH_ERRORS')
    ctx.stderr.write('nfw-flows: warning: the operation is COMPLETED_WITH_ERRORS: flows may be missing\n');
  else if (status !== 'COMPLETED')
    ctx.stderr.write(`nfw-flows: warning: status ${status} (${message}): flows may be missing\n`);
  if (totals.rejected > 0)
    ctx.stderr.write(`nfw-flows: warning: ${formatCount(totals.rejected)} records were rejected\n`);
  const truncated = truncatedToken(totals) !== null;
  return status !== 'COMPLETED' || totals.rejected > 0 || truncated ? EXIT_INCOMPLETE : EXIT_OK;
}
