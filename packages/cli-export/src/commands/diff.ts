/**
 * `nfw-flows diff`: change rows (new, ended, continuing, with deltas and rates) between a before and an
 * after capture, from saved files or from two flow operations of one scope; written to a file (every
 * format, atomically) or stdout, and/or ranked on the terminal with --top.
 */
import type { WriteStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { NetworkFirewallClient } from '@aws-sdk/client-network-firewall';
import {
  diffCaptures,
  type FlowDiffStream,
  type FlowDiffSummary,
  type FlowRecord,
  type RejectedRecord,
  type Row,
} from '@nfw-flows/core';
import { type Command, Option } from 'commander';
import { createClient } from '../client.js';
import { EXIT_INCOMPLETE, EXIT_OK } from '../exit.js';
import { COLUMNAR_FORMATS, diffSerializer, writeDiffRows } from '../export/diff-output.js';
import {
  apiRecords,
  fileRecords,
  type LiveHooks,
  newTotals,
  overallStatus,
  type Totals,
  truncatedToken,
} from '../export/live-records.js';
import { rejectLine } from '../export/run-job.js';
import { awsFlags, pagingFlags } from '../flag-groups.js';
import { AtomicFile } from '../output/atomic-file.js';
import { asWriteError } from '../output/write-error.js';
import { type DiffPlan, diffPlan, RANKINGS } from '../plans/diff-plan.js';
import type { Action } from '../program.js';
import { createProgress, formatCount, type Progress } from '../progress.js';
import type { JobIdentity } from '../spool/checkpoint.js';
import { printTop, TopRows } from './diff-top.js';
import type { RunContext } from './export.js';

type Flags = Record<string, unknown>;

type SideTotals = { before: Totals; after: Totals };

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
    .option(
      '--rejects <file>',
      'write rejected records here, one JSON line each, as export --rejects does, with side: before or after',
    )
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

export async function runDiff(
  flags: Flags,
  ctx: RunContext,
  client?: NetworkFirewallClient,
): Promise<number> {
  const plan = diffPlan(flags);
  const progress = createProgress({ quiet: plan.quiet, label: 'nfw-flows diff', stream: ctx.stderr });
  const totals: SideTotals = { before: newTotals(plan.source.kind), after: newTotals(plan.source.kind) };
  const rejects = plan.rejects === null ? null : new RejectsFile(plan.rejects, plan.out?.force === true);
  const records = await diffInputs(plan, ctx, totals, progress, client, rejects);
  const top = plan.top === null ? null : new TopRows(plan.top.n, RANKINGS[plan.top.by]);
  // Arrow and Parquet take the change rows as column batches (no object per row); the ranking of
  // --top and the text formats read row objects.
  const columnar = top === null && plan.out !== null && COLUMNAR_FORMATS.has(plan.out.format);
  const diff = diffCaptures(records.before, records.after, { signal: ctx.signal, batches: columnar });
  let summary: FlowDiffSummary;
  try {
    await writeDiff(diff, plan, ctx, totals, top);
    summary = diff.summary();
    await rejects?.commit();
  } catch (error) {
    rejects?.discard();
    throw error;
  } finally {
    progress.stop();
  }
  if (top !== null && plan.top !== null) printTop(top.result(), plan.top, ctx);
  if (!plan.quiet) {
    ctx.stderr.write(
      `nfw-flows: ${formatCount(summary.before)} flows before, ${formatCount(summary.after)} after: ${formatCount(summary.continuing)} continuing, ${formatCount(summary.new)} new, ${formatCount(summary.ended)} ended (${formatCount(summary.restarted)} restarted), ${formatCount(summary.counterResets)} counter resets, ${formatCount(summary.duplicatesBefore + summary.duplicatesAfter)} duplicate keys\n`,
    );
  }
  return warnIncomplete(totals, ctx) ? EXIT_INCOMPLETE : EXIT_OK;
}

/** The two captures as record iterables, each opened only when the diff starts reading it. */
async function diffInputs(
  plan: DiffPlan,
  ctx: RunContext,
  totals: SideTotals,
  progress: Progress,
  client: NetworkFirewallClient | undefined,
  rejects: RejectsFile | null,
): Promise<{ before: AsyncIterable<FlowRecord[]>; after: AsyncIterable<FlowRecord[]> }> {
  const both = (): Totals => ({
    ...totals.before,
    pages: totals.before.pages + totals.after.pages,
    flows: totals.before.flows + totals.after.flows,
    rejected: totals.before.rejected + totals.after.rejected,
  });
  const hooks = (side: 'before' | 'after'): LiveHooks => ({
    update: () => progress.update(both()),
    reject: (r, job) => rejects?.add(r, job, side),
    warn: (line: string) => progress.log(`nfw-flows: warning: ${side}: ${line}`),
  });
  // Lazy because fileRecords counts with a 'data' listener, which would start an unread stream flowing.
  const lazy = (open: () => Readable): AsyncIterable<FlowRecord[]> => ({
    [Symbol.asyncIterator]: () => inChunks(open()),
  });
  const source = plan.source;
  if (source.kind === 'file') {
    const open = (side: 'before' | 'after') =>
      lazy(() => fileRecords(source[side], plan.strict, ctx.signal, totals[side], hooks(side)));
    return { before: open('before'), after: open('after') };
  }
  const c = client ?? (await createClient(plan.clientFlags));
  const read = { ...source.read, strict: plan.strict || source.read.strict };
  const open = (side: 'before' | 'after') =>
    lazy(() => apiRecords(c, [source[side]], read, ctx.signal, totals[side], hooks(side)));
  return { before: open('before'), after: open('after') };
}

/**
 * The --rejects file: export's reject lines (export/run-job.ts rejectLine) with `side` added, in an
 * atomic file committed after the data (discarded when the diff fails).
 */
class RejectsFile {
  private readonly file: AtomicFile;
  private readonly out: WriteStream;
  constructor(
    private readonly path: string,
    force: boolean,
  ) {
    this.file = new AtomicFile(path, { force });
    this.out = this.file.stream();
  }

  add(r: RejectedRecord, job: JobIdentity | null, side: 'before' | 'after'): void {
    const line = rejectLine(r, job, 0);
    this.out.write(`${line.slice(0, -1)},"side":"${side}"}\n`);
  }

  async commit(): Promise<void> {
    try {
      await new Promise<void>((resolve, reject) =>
        this.out.end((e?: Error | null) => (e ? reject(e) : resolve())),
      );
      this.file.commit();
    } catch (error) {
      this.file.discard();
      throw asWriteError(this.path, error);
    }
  }

  discard(): void {
    this.out.destroy();
    this.file.discard();
  }
}

/**
 * The records of a stream in arrays of those it already holds: its async iterator costs a promise
 * per record, read() takes the buffered ones at once.
 */
async function* inChunks(stream: Readable): AsyncGenerator<FlowRecord[]> {
  for await (const first of stream) {
    const chunk: FlowRecord[] = [first as FlowRecord];
    for (let r = stream.read(); r !== null; r = stream.read()) chunk.push(r as FlowRecord);
    yield chunk;
  }
}

/** Drains the change rows into --out (atomically, or stdout) and, for --top, the ranking. */
async function writeDiff(
  diff: FlowDiffStream,
  plan: DiffPlan,
  ctx: RunContext,
  totals: SideTotals,
  top: TopRows | null,
): Promise<void> {
  const out = plan.out;
  if (out === null) {
    const tap = new Writable({
      objectMode: true,
      write(row: Row, _encoding, callback) {
        top?.add(row);
        callback();
      },
    });
    await pipeline(diff, tap, { signal: ctx.signal });
    return;
  }
  const metadata = () => ({ 'nfw_flows.content': 'diff', ...statusMetadata(totals) });
  const sink = diffSerializer(out.format, out.compression, metadata);
  // Rows go to the serializer and, for --top, to the ranking as they pass.
  if (top !== null) diff.on('data', (row: Row) => top.add(row));
  if (out.path === '-') {
    try {
      await pipeline(diff, sink, ctx.stdout, { signal: ctx.signal, end: false });
    } catch (error) {
      throw asWriteError('stdout', error);
    }
    return;
  }
  const file = new AtomicFile(out.path, { force: out.force });
  try {
    await writeDiffRows(
      diff,
      COLUMNAR_FORMATS.has(out.format) && top === null,
      sink,
      file.stream(),
      ctx.signal,
    );
    file.commit();
  } catch (error) {
    file.discard();
    throw asWriteError(out.path, error);
  }
}

/** Warns about each capture that is not complete and exact; true when any is not. */
function warnIncomplete(totals: SideTotals, ctx: RunContext): boolean {
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
  return incomplete;
}

function statusMetadata(totals: SideTotals): Record<string, string> {
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
