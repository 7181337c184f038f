/** `nfw-flows top`: top talkers as a table with unicode bars and shares, or JSON rows with --json. */

import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { NetworkFirewallClient } from '@aws-sdk/client-network-firewall';
import { type Row, topTalkers } from '@nfw-flows/core';
import { createClient } from '../client.js';
import { EXIT_INCOMPLETE, EXIT_OK } from '../exit.js';
import { allOperationJobs } from '../export/jobs.js';
import {
  apiRecords,
  fileRecords,
  type LiveHooks,
  newTotals,
  overallStatus,
  type Totals,
  truncatedToken,
} from '../export/live-records.js';
import { type TopPlan, topPlan } from '../plans/top-plan.js';
import { createProgress, formatBytes, formatCount } from '../progress.js';
import type { RunContext } from './export.js';
import { bar, renderTable } from './table.js';

/** A metric cell as a number (counts are BigInt in rows). */
function metricNumber(v: Row[string]): number {
  return typeof v === 'bigint' ? Number(v) : typeof v === 'number' ? v : 0;
}

/** A cell as JSON: BigInt as a number while exact, else as a string; dates as ISO text. */
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
  const hooks: LiveHooks = {
    update: () => progress.update(totals),
    reject: () => {},
    warn: (line: string) => progress.log(`nfw-flows: warning: ${line}`),
  };
  let rows: Row[];
  try {
    rows = await rankedRows(plan, ctx, client, totals, hooks);
  } finally {
    progress.stop();
  }
  printTop(rows, plan, ctx, totals);
  return topExitCode(totals, ctx);
}

/** The records of the plan's source through topTalkers, collected. */
async function rankedRows(
  plan: TopPlan,
  ctx: RunContext,
  client: NetworkFirewallClient | undefined,
  totals: Totals,
  hooks: LiveHooks,
): Promise<Row[]> {
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
  const rows: Row[] = [];
  const sink = new Writable({
    objectMode: true,
    write(row: Row, _enc, cb) {
      rows.push(row);
      cb();
    },
  });
  await pipeline(records, topTalkers(plan.options), sink, { signal: ctx.signal });
  return rows;
}

/** The rows as JSON (--json) or as a table with bars and shares, plus a summary line. */
function printTop(rows: Row[], plan: TopPlan, ctx: RunContext, totals: Totals): void {
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
    ctx.stdout.write(topTable(rows, by, String(plan.options.key)));
    if (!plan.quiet) {
      ctx.stderr.write(
        `nfw-flows: ${formatCount(totals.flows)} flows from ${formatCount(totals.pages)} pages, ranked by ${by}\n`,
      );
    }
  }
}

function topTable(rows: Row[], by: string, key: string): string {
  const metricText = (v: Row[string]) =>
    by === 'bytes' ? formatBytes(metricNumber(v)) : formatCount(metricNumber(v));
  const max = Math.max(...rows.map((r) => metricNumber(r[by] ?? 0)));
  const others = ['flows', 'packets', 'bytes'].filter((m) => m !== by);
  const header = [
    '#',
    key.toUpperCase(),
    by.toUpperCase(),
    'SHARE',
    '',
    ...others.map((m) => m.toUpperCase()),
  ];
  const body = rows.map((r) => {
    const share = r[`${by}_share`];
    return [
      String(r.rank ?? ''),
      r.key === null || r.key === undefined ? '(none)' : String(r.key),
      metricText(r[by] ?? 0),
      typeof share === 'number' ? `${(share * 100).toFixed(1)}%` : '',
      bar(max > 0 ? metricNumber(r[by] ?? 0) / max : 0, 24),
      ...others.map((m) =>
        m === 'bytes' ? formatBytes(metricNumber(r[m] ?? 0)) : formatCount(metricNumber(r[m] ?? 0)),
      ),
    ];
  });
  return renderTable(header, body, [0, 2, 3, 5, 6]);
}

/** 3 when the ranking may miss flows (status, rejects, a cut-short read), after a warning saying why. */
function topExitCode(totals: Totals, ctx: RunContext): number {
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
