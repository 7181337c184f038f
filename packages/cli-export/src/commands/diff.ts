/**
 * `nfw-flows diff`: change rows (new, ended, continuing, with deltas and rates) between a before and an
 * after capture, from saved files or from two flow operations of one scope; written to a file (every
 * format, atomically) or stdout, and/or ranked on the terminal with --top.
 */
import type { Readable } from 'node:stream';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { NetworkFirewallClient } from '@aws-sdk/client-network-firewall';
import {
  type ColumnSpec,
  DIFF_COLUMNS,
  diffCaptures,
  type FlowDiffSummary,
  type FlowRecord,
  type Row,
} from '@nfw-flows/core';
import { type Command, Option } from 'commander';
import { type ClientFlags, createClient } from '../client.js';
import { EXIT_INCOMPLETE, EXIT_OK } from '../exit.js';
import type { ApiReadOptions } from '../export/export-plan.js';
import {
  apiRecords,
  fileRecords,
  type LiveHooks,
  newTotals,
  overallStatus,
  type Totals,
  truncatedToken,
} from '../export/live-records.js';
import { PARQUET_COMPRESSIONS, type ParquetCompression, serializer } from '../export/serializer.js';
import { awsFlags, pagingFlags } from '../flag-groups.js';
import * as o from '../options.js';
import { AtomicFile } from '../output/atomic-file.js';
import * as targets from '../output/output-targets.js';
import { asWriteError } from '../output/write-error.js';
import { firewallArns, scopes } from '../plans/api-source.js';
import { clientFlags } from '../plans/client-flags.js';
import { readOptions } from '../plans/read-options.js';
import type { Action } from '../program.js';
import { createProgress, formatBytes, formatCount } from '../progress.js';
import type { JobIdentity } from '../spool/checkpoint.js';
import { UsageError } from '../usage-error.js';
import type { RunContext } from './export.js';
import { bar, renderTable } from './table.js';

type Flags = Record<string, unknown>;

/** Ranking metrics of --top, each a numeric column of the change rows. */
const RANKINGS = {
  'bytes-per-second': 'bytes_per_second',
  'packets-per-second': 'packets_per_second',
  'delta-bytes': 'delta_bytes',
  'delta-packets': 'delta_packets',
} as const;
type Ranking = keyof typeof RANKINGS;

const ARN = 'arn:aws:network-firewall:us-east-1:123456789012:firewall/prod';

/** Adds the `diff` command to the program (one call from program.ts). */
export function registerDiffCommand(program: Command, action: Action): void {
  const cmd = program
    .command('diff')
    .description(
      'compare two captures of the same scope: new, ended and continuing flows, with byte and packet deltas and rates',
    )
    .option('--before <file>', 'the earlier capture: a saved response, as export --input reads')
    .option('--after <file>', 'the later capture (a saved response)')
    .option('--before-operation-id <id>', 'the earlier flow operation (read from the API)')
    .option('--after-operation-id <id>', 'the later flow operation (read from the API)')
    .option('--firewall-arn <arn>', 'ARN of the firewall (with the operation ids)')
    .option('--availability-zone <az>', 'scope: Availability Zone of both operations')
    .option('--vpc-endpoint-id <id>', 'scope: VPC endpoint id of both operations')
    .option('--vpc-endpoint-association-arn <arn>', 'scope: VPC endpoint association ARN of both operations');
  awsFlags(cmd);
  pagingFlags(cmd);
  cmd
    .option('--out <path>', 'write every change row to this file, or - for stdout')
    .option('--format <format>', 'arrow, arrows, parquet, ndjson or csv (default: from the --out extension)')
    .option('--compression <codec>', 'Parquet compression: zstd (default), snappy, gzip, brotli, lz4, none')
    .option('--force', 'overwrite an existing --out')
    .option('--top <n>', 'print the N rows ranked highest by --by as a table (on stdout)')
    .addOption(
      new Option('--by <metric>', 'ranking metric for --top')
        .choices(Object.keys(RANKINGS))
        .default('bytes-per-second'),
    )
    .option('--json', 'print the --top rows as JSON instead of a table')
    .option('--strict', 'fail on the first invalid record instead of rejecting it')
    .option('--quiet', 'no progress and no summary on stderr')
    .addHelpText(
      'after',
      `\nExamples:\n${[
        'nfw-flows diff --before monday.json --after tuesday.json --out churn.parquet',
        'nfw-flows diff --before a.json --after b.json --top 20 --by bytes-per-second',
        `nfw-flows diff --firewall-arn ${ARN} --availability-zone us-east-1a --before-operation-id 6c8d1f9e-2b1a-4c3d-9e8f-0a1b2c3d4e5f --after-operation-id 0f4e2a7c-9d1b-4e8f-a2c3-5b6d7e8f9a0b --out churn.csv`,
      ]
        .map((l) => `  $ ${l}`)
        .join('\n')}\n`,
    )
    .allowExcessArguments(false)
    .action(async (flags: Flags) => action('diff', flags));
}

interface DiffPlan {
  source:
    | { kind: 'file'; before: string; after: string }
    | { kind: 'api'; before: JobIdentity; after: JobIdentity; read: ApiReadOptions };
  clientFlags: ClientFlags;
  out: { path: string; format: o.OutputFormat; force: boolean; compression?: ParquetCompression } | null;
  top: { n: number; by: Ranking; json: boolean } | null;
  strict: boolean;
  quiet: boolean;
}

const str = (flags: Flags, key: string): string | undefined =>
  typeof flags[key] === 'string' ? (flags[key] as string) : undefined;

/** Flags -> a checked plan, before any request or file is created. */
export function diffPlan(flags: Flags): DiffPlan {
  const before = str(flags, 'before');
  const after = str(flags, 'after');
  const beforeId = str(flags, 'beforeOperationId');
  const afterId = str(flags, 'afterOperationId');
  let source: DiffPlan['source'];
  if (before !== undefined || after !== undefined) {
    if (beforeId !== undefined || afterId !== undefined)
      throw new UsageError(
        beforeId !== undefined ? '--before-operation-id' : '--after-operation-id',
        beforeId ?? afterId,
        'cannot be combined with --before/--after',
        'compare two files, or two operations',
      );
    if (before === undefined) throw new UsageError('--before', undefined, 'is required with --after');
    if (after === undefined) throw new UsageError('--after', undefined, 'is required with --before');
    if (before === '-' && after === '-')
      throw new UsageError('--after', after, 'stdin is already --before', 'save one capture to a file');
    source = { kind: 'file', before: o.inputPath(before), after: o.inputPath(after) };
  } else {
    if (beforeId === undefined)
      throw new UsageError(
        '--before',
        undefined,
        'is required',
        'give --before FILE --after FILE, or --before-operation-id ID --after-operation-id ID',
      );
    if (afterId === undefined)
      throw new UsageError('--after-operation-id', undefined, 'is required with --before-operation-id');
    // One token cannot resume two operations.
    if (str(flags, 'startingToken') !== undefined)
      throw new UsageError(
        '--starting-token',
        str(flags, 'startingToken'),
        'cannot be used with diff',
        'each capture is read whole',
      );
    const arns = firewallArns(flags);
    const scopeList = scopes(flags);
    if (scopeList.length !== 1)
      throw new UsageError(
        '--availability-zone',
        scopeList.length,
        'scopes given',
        'both operations belong to one scope: give one',
      );
    const job = (id: string, flag: string): JobIdentity => ({
      firewallArn: arns[0]!,
      flowOperationId: o.operationId(id, flag),
      ...scopeList[0],
    });
    source = {
      kind: 'api',
      before: job(beforeId, '--before-operation-id'),
      after: job(afterId, '--after-operation-id'),
      read: readOptions(flags),
    };
  }
  const outRaw = str(flags, 'out');
  const topRaw = str(flags, 'top');
  if (outRaw === undefined && topRaw === undefined)
    throw new UsageError('--out', undefined, 'is required', 'a file, - for stdout, or --top N for a table');
  let out: DiffPlan['out'] = null;
  if (outRaw !== undefined) {
    const force = flags.force === true;
    const format = o.format(str(flags, 'format'), outRaw, false);
    targets.checkFileTarget('--out', outRaw);
    const compression = str(flags, 'compression');
    if (compression !== undefined && !(PARQUET_COMPRESSIONS as readonly string[]).includes(compression))
      throw new UsageError(
        '--compression',
        compression,
        'is not a known codec',
        'zstd, snappy, gzip, brotli, lz4 or none',
      );
    out = {
      path: o.outputPath(outRaw, force),
      format,
      force,
      ...(compression === undefined ? {} : { compression: compression as ParquetCompression }),
    };
  }
  let top: DiffPlan['top'] = null;
  if (topRaw !== undefined) {
    if (outRaw === '-')
      throw new UsageError(
        '--top',
        topRaw,
        'prints on stdout, which --out - already uses',
        'write --out to a file',
      );
    top = {
      n: o.integer('--top', topRaw, 1, 1_000_000, 'rows to print') ?? 10,
      by: (str(flags, 'by') ?? 'bytes-per-second') as Ranking,
      json: flags.json === true,
    };
  }
  return {
    source,
    clientFlags: source.kind === 'api' ? clientFlags(flags) : {},
    out,
    top,
    strict: flags.strict === true,
    quiet: flags.quiet === true,
  };
}

/** Keeps the n rows ranked highest by a numeric column (ties: earlier rows first). */
class TopRows {
  private rows: { row: Row; value: number; seq: number }[] = [];
  private seq = 0;
  constructor(
    private readonly n: number,
    private readonly column: string,
  ) {}
  add(row: Row): void {
    const v = row[this.column];
    if (v === null || v === undefined) return;
    this.rows.push({ row, value: Number(v), seq: this.seq++ });
    if (this.rows.length >= 2 * this.n + 1024) this.trim();
  }
  private trim(): void {
    this.rows.sort((a, b) => b.value - a.value || a.seq - b.seq);
    this.rows.length = Math.min(this.rows.length, this.n);
  }
  result(): Row[] {
    this.trim();
    return this.rows.map((r) => r.row);
  }
}

function jsonValue(v: Row[string]): unknown {
  if (typeof v === 'bigint') return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
  if (v instanceof Date) return v.toISOString();
  return v;
}

const num = (v: Row[string]): number => (typeof v === 'bigint' ? Number(v) : typeof v === 'number' ? v : 0);

function endpoint(address: Row[string], from: Row[string], to: Row[string]): string {
  const a = String(address);
  const host = a.includes(':') ? `[${a}]` : a;
  if (from === null) return a;
  return from === to ? `${host}:${from}` : `${host}:${from}-${to}`;
}

const METRIC_TEXT: Record<Ranking, { title: string; text: (v: Row[string]) => string }> = {
  'bytes-per-second': { title: 'BYTES/S', text: (v) => `${formatBytes(num(v))}/s` },
  'packets-per-second': { title: 'PACKETS/S', text: (v) => num(v).toFixed(1) },
  'delta-bytes': { title: 'DELTA BYTES', text: (v) => formatBytes(num(v)) },
  'delta-packets': { title: 'DELTA PACKETS', text: (v) => formatCount(num(v)) },
};

/** The ranked rows: the --by metric with a bar, then the other metrics and the age. */
function renderTop(rows: Row[], by: Ranking): string {
  const order = [by, ...(Object.keys(RANKINGS) as Ranking[]).filter((m) => m !== by)];
  const max = Math.max(...rows.map((r) => num(r[RANKINGS[by]] ?? 0)));
  const header = ['#', 'CHANGE', 'SOURCE', 'DESTINATION', 'PROTO', METRIC_TEXT[by].title, ''];
  for (const m of order.slice(1)) header.push(METRIC_TEXT[m].title);
  header.push('AGE');
  const body = rows.map((r, i) => {
    const cells = [
      String(i + 1),
      `${String(r.change)}${r.counter_reset === 1 ? ' (reset)' : ''}`,
      endpoint(r.source_address ?? '', r.source_port_from ?? null, r.source_port_to ?? null),
      endpoint(r.destination_address ?? '', r.destination_port_from ?? null, r.destination_port_to ?? null),
      r.protocol_name === null || r.protocol_name === undefined ? '' : String(r.protocol_name),
    ];
    for (const [k, m] of order.entries()) {
      const v = r[RANKINGS[m]] ?? null;
      cells.push(v === null ? '' : METRIC_TEXT[m].text(v));
      if (k === 0) cells.push(bar(max > 0 ? num(v ?? 0) / max : 0, 16));
    }
    cells.push(
      r.age_seconds_after === null || r.age_seconds_after === undefined ? '' : `${r.age_seconds_after} s`,
    );
    return cells;
  });
  return renderTable(header, body, [0, 5, 7, 8, 9, 10]);
}

export async function runDiff(
  flags: Flags,
  ctx: RunContext,
  client?: NetworkFirewallClient,
): Promise<number> {
  const plan = diffPlan(flags);
  const progress = createProgress({ quiet: plan.quiet, label: 'nfw-flows diff', stream: ctx.stderr });
  const totals = { before: newTotals(plan.source.kind), after: newTotals(plan.source.kind) };
  const both = (): Totals => ({
    ...totals.before,
    pages: totals.before.pages + totals.after.pages,
    flows: totals.before.flows + totals.after.flows,
    rejected: totals.before.rejected + totals.after.rejected,
  });
  const hooks = (side: 'before' | 'after'): LiveHooks => ({
    update: () => progress.update(both()),
    reject: () => {},
    warn: (line: string) => progress.log(`nfw-flows: warning: ${side}: ${line}`),
  });
  // Sources are opened when the diff starts reading them (the after capture once the before one is
  // read): fileRecords counts with a 'data' listener, which would start an unread stream flowing.
  const lazy = (open: () => Readable): AsyncIterable<FlowRecord> => ({
    [Symbol.asyncIterator]: () => open()[Symbol.asyncIterator](),
  });
  let records: { before: AsyncIterable<FlowRecord>; after: AsyncIterable<FlowRecord> };
  const source = plan.source;
  if (source.kind === 'file') {
    records = {
      before: lazy(() => fileRecords(source.before, plan.strict, ctx.signal, totals.before, hooks('before'))),
      after: lazy(() => fileRecords(source.after, plan.strict, ctx.signal, totals.after, hooks('after'))),
    };
  } else {
    const c = client ?? (await createClient(plan.clientFlags));
    const read = { ...source.read, strict: plan.strict || source.read.strict };
    records = {
      before: lazy(() => apiRecords(c, [source.before], read, ctx.signal, totals.before, hooks('before'))),
      after: lazy(() => apiRecords(c, [source.after], read, ctx.signal, totals.after, hooks('after'))),
    };
  }
  const diff = diffCaptures(records.before, records.after, { signal: ctx.signal });
  const top = plan.top === null ? null : new TopRows(plan.top.n, RANKINGS[plan.top.by]);
  const tap = new Writable({
    objectMode: true,
    write(row: Row, _encoding, callback) {
      top?.add(row);
      callback();
    },
  });
  let summary: FlowDiffSummary;
  try {
    if (plan.out === null) {
      await pipeline(diff, tap, { signal: ctx.signal });
    } else {
      const columns: ColumnSpec[] = DIFF_COLUMNS.map((c) => ({ ...c }));
      const metadata = () => ({ 'nfw_flows.content': 'diff', ...statusMetadata(totals) });
      const out = plan.out;
      const sink = serializer(out.format, {
        columns,
        metadata,
        ...(out.compression ? { compression: out.compression } : {}),
      });
      // Rows go to the serializer and, for --top, to the ranking as they pass.
      if (top !== null) diff.on('data', (row: Row) => top.add(row));
      if (out.path === '-') {
        try {
          await pipeline(diff, sink, ctx.stdout, { signal: ctx.signal, end: false });
        } catch (error) {
          throw asWriteError('stdout', error);
        }
      } else {
        const file = new AtomicFile(out.path, { force: out.force });
        try {
          await pipeline(diff, sink, file.stream(), { signal: ctx.signal });
          file.commit();
        } catch (error) {
          file.discard();
          throw asWriteError(out.path, error);
        }
      }
    }
    summary = diff.summary();
  } finally {
    progress.stop();
  }
  if (top !== null && plan.top !== null) {
    const rows = top.result();
    if (plan.top.json) {
      ctx.stdout.write(
        `${JSON.stringify(
          rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, jsonValue(v)]))),
          null,
          2,
        )}\n`,
      );
    } else if (rows.length === 0) ctx.stderr.write('nfw-flows: no rows to rank\n');
    else ctx.stdout.write(renderTop(rows, plan.top.by));
  }
  if (!plan.quiet) {
    ctx.stderr.write(
      `nfw-flows: ${formatCount(summary.before)} flows before, ${formatCount(summary.after)} after: ${formatCount(summary.continuing)} continuing, ${formatCount(summary.new)} new, ${formatCount(summary.ended)} ended (${formatCount(summary.restarted)} restarted), ${formatCount(summary.counterResets)} counter resets, ${formatCount(summary.duplicatesBefore + summary.duplicatesAfter)} duplicate keys\n`,
    );
  }
  let incomplete = false;
  for (const side of ['before', 'after'] as const) {
    const t = totals[side];
    const { status, message } = overallStatus(t);
    if (status !== 'COMPLETED') {
      incomplete = true;
      ctx.stderr.write(
        `nfw-flows: warning: ${side} capture status ${status}${message ? ` (${message})` : ''}: flows may be missing\n`,
      );
    }
    if (t.rejected > 0) {
      incomplete = true;
      ctx.stderr.write(
        `nfw-flows: warning: ${formatCount(t.rejected)} records of the ${side} capture were rejected\n`,
      );
    }
    if (truncatedToken(t) !== null) {
      incomplete = true;
      ctx.stderr.write(`nfw-flows: warning: the ${side} capture stops at a NextToken: flows are missing\n`);
    }
  }
  return incomplete ? EXIT_INCOMPLETE : EXIT_OK;
}

function statusMetadata(totals: { before: Totals; after: Totals }): Record<string, string> {
  const b = overallStatus(totals.before);
  const a = overallStatus(totals.after);
  const status = b.status === 'COMPLETED' ? a.status : b.status;
  return {
    'nfw_flows.status': status,
    'nfw_flows.status_message': [b.message && `before: ${b.message}`, a.message && `after: ${a.message}`]
      .filter(Boolean)
      .join('; '),
  };
}
