/**
 * `nfw-flows export` (and the export half of `capture`): API or file -> records -> optional aggregate ->
 * serializer -> atomic file, partition directory or stdout. API exports to files go through the
 * resumable spool in three steps: export/resume-decision.ts, export/run-jobs.ts (each job's pages into
 * its spool, spool/), export/finalize-output.ts.
 */
import path from 'node:path';
import type { Writable } from 'node:stream';
import type { NetworkFirewallClient } from '@aws-sdk/client-network-firewall';
import { createClient } from '../client.js';
import { EXIT_INCOMPLETE, EXIT_OK } from '../exit.js';
import { checkPartitionNames } from '../export/check-partition-names.js';
import type { ApiSource, ExportPlan } from '../export/export-plan.js';
import { type Finalize, finalizeOutput, statusFields } from '../export/finalize-output.js';
import { allOperationJobs } from '../export/jobs.js';
import { canWriteLive, startLiveOutput } from '../export/live-output.js';
import {
  apiRecords,
  fileRecords,
  type LiveHooks,
  metadataOf,
  newTotals,
  overallStatus,
  type Totals,
  truncatedToken,
} from '../export/live-records.js';
import { checkpointFor, resumeDecision, totalsFromStatus } from '../export/resume-decision.js';
import { rejectLine } from '../export/run-job.js';
import { runJobs } from '../export/run-jobs.js';
import { writeFileOutput, writeStreamOutput } from '../export/write-output.js';
import { AtomicFile, sweepStaleTemporaries } from '../output/atomic-file.js';
import { acquireOutputLock, releaseOutputLock } from '../output/output-lock.js';
import { checkS3Output } from '../output/s3-output.js';
import { isS3Url } from '../output/s3-target.js';
import { statusFilePath } from '../output/status-file.js';
import { createProgress, formatBytes, formatCount, formatDuration, type Progress } from '../progress.js';
import { type Checkpoint, type JobIdentity, partialDirectory } from '../spool/checkpoint.js';
import { terminalLine } from '../terminal-text.js';

export interface RunContext {
  signal: AbortSignal;
  stdout: Writable;
  stderr: NodeJS.WriteStream;
}

export async function runExport(
  plan: ExportPlan,
  ctx: RunContext,
  client?: NetworkFirewallClient,
): Promise<number> {
  // One run per output at a time: a second one would share (and corrupt) its checkpoint and spools.
  if (plan.out !== '-') acquireOutputLock(plan.out);
  const started = Date.now();
  const progress = createProgress({
    quiet: plan.quiet,
    label: `nfw-flows ${plan.command}`,
    stream: ctx.stderr,
  });
  const totals: Totals = newTotals(plan.source.kind);
  const update = () => progress.update(totals);
  let bytes: number | null = null;
  try {
    bytes = await exportTo(plan, ctx, client, totals, update, progress);
  } finally {
    if (plan.out !== '-') releaseOutputLock(plan.out);
  }
  const { status, message } = overallStatus(totals);
  if (!plan.quiet) {
    const target =
      plan.out === '-'
        ? 'stdout'
        : isS3Url(plan.out)
          ? plan.out
          : path.relative(process.cwd(), plan.out) || plan.out;
    const parts = [
      `${formatCount(totals.flows)} flows`,
      ...(plan.aggregate ? [`aggregated (${plan.aggregate.kind === 'group' ? 'group-by' : 'top'})`] : []),
      `${formatCount(totals.rejected)} rejected`,
      `${formatCount(totals.pages)} pages`,
      ...(totals.jobs > 1 ? [`${totals.jobs} operations`] : []),
      `status ${status}`,
      formatDuration(Date.now() - started),
      ...(bytes !== null ? [formatBytes(bytes)] : []),
    ];
    ctx.stderr.write(`nfw-flows: wrote ${terminalLine(`${target}: ${parts.join(', ')}`)}\n`);
  }
  if (status !== 'COMPLETED') {
    const where =
      plan.out === '-'
        ? ''
        : `; ${(!isS3Url(plan.out) && path.relative(process.cwd(), statusFilePath(plan.out, plan.partitioned))) || statusFilePath(plan.out, plan.partitioned)} says so${plan.format === 'arrow' || plan.format === 'arrows' || plan.format === 'parquet' ? ', and so does the nfw_flows.status metadata' : ''}`;
    ctx.stderr.write(
      `nfw-flows: warning: ${terminalLine(
        status === 'COMPLETED_WITH_ERRORS'
          ? `the operation is COMPLETED_WITH_ERRORS${message ? ` (${message})` : ''}: flows may be missing${where}`
          : `the operation's status is ${status} (${message}), not COMPLETED: flows may be missing${where}`,
      )}\n`,
    );
  }
  if (totals.rejected > 0) {
    ctx.stderr.write(
      `nfw-flows: warning: ${terminalLine(`${formatCount(totals.rejected)} records were rejected${plan.rejects ? ` (see ${plan.rejects})` : ' (pass --rejects FILE to keep them, or --strict to fail)'}`)}\n`,
    );
  }
  const nextToken = truncatedToken(totals);
  if (nextToken !== null) {
    ctx.stderr.write(
      `nfw-flows: warning: ${terminalLine(`the data is only part of the operation's results (NextToken ${nextToken})${plan.out === '-' ? '' : '; the status file says complete: false, with next_token'}`)}\n`,
    );
  }
  // Exactly the status file's `complete` (status-file.ts): 0 only for COMPLETED, whole, without rejects.
  return status !== 'COMPLETED' || totals.rejected > 0 || nextToken !== null ? EXIT_INCOMPLETE : EXIT_OK;
}

/** The export itself, once the output is locked. */
async function exportTo(
  plan: ExportPlan,
  ctx: RunContext,
  client: NetworkFirewallClient | undefined,
  totals: Totals,
  update: () => void,
  progress: Progress,
): Promise<number | null> {
  // Temporaries of killed runs (their exit hook never ran); never those of a live process.
  const sweep = () => {
    if (plan.out !== '-') sweepStaleTemporaries(plan.out);
    if (plan.rejects) sweepStaleTemporaries(plan.rejects);
  };
  sweep();
  await checkS3Output(plan.out, plan);
  let bytes: number | null;
  try {
    const c = plan.source.kind === 'api' ? (client ?? (await createClient(plan.clientFlags))) : null;
    if (plan.source.kind === 'api' && plan.out !== '-')
      bytes = await exportApiToFile(plan, plan.source, c!, ctx, totals, update, progress);
    else bytes = await exportDirect(plan, c, ctx, totals, update, progress);
  } finally {
    progress.stop();
  }
  sweep();
  return bytes;
}

async function resolveJobs(
  source: ApiSource,
  client: NetworkFirewallClient,
  signal: AbortSignal,
  fromCheckpoint: Checkpoint | null,
): Promise<JobIdentity[]> {
  if (source.jobs !== null) return source.jobs;
  if (fromCheckpoint) return fromCheckpoint.identity.jobs;
  return allOperationJobs(client, source.firewallArns, source.scopes, signal);
}

/**
 * Without the spool: a saved file (any output), or the API to stdout (jobs one after another, straight
 * into the serializer; --resume needs a file).
 */
async function exportDirect(
  plan: ExportPlan,
  client: NetworkFirewallClient | null,
  ctx: RunContext,
  totals: Totals,
  update: () => void,
  progress: Progress,
): Promise<number | null> {
  const rejects = plan.rejects ? new AtomicFile(plan.rejects, { force: plan.force }) : null;
  const rejectsOut = rejects?.stream();
  const hooks: LiveHooks = {
    update,
    reject: (r, job) => rejectsOut?.write(`${rejectLine(r, job, 0)}\n`),
    warn: (line) => progress.log(`nfw-flows: warning: ${line}`),
  };
  try {
    const source = plan.source;
    const records =
      source.kind === 'file'
        ? fileRecords(source.input, source.strict, ctx.signal, totals, hooks, source.provenance)
        : apiRecords(
            client!,
            await resolveJobs(source, client!, ctx.signal, null),
            source.read,
            ctx.signal,
            totals,
            hooks,
          );
    const options = {
      format: plan.format,
      aggregate: plan.aggregate,
      metadata: () => metadataOf(totals),
      signal: ctx.signal,
      ...(plan.compression ? { compression: plan.compression } : {}),
    };
    let bytes: number | null = null;
    if (plan.out === '-') await writeStreamOutput(records, ctx.stdout, options);
    else
      bytes = await writeFileOutput(records, plan.out, plan.force, {
        ...options,
        status: () => statusFields(plan, totals),
      });
    if (rejects && rejectsOut) {
      await new Promise<void>((resolve, reject) =>
        rejectsOut.end((e?: Error | null) => (e ? reject(e) : resolve())),
      );
      rejects.commit();
    }
    return bytes;
  } catch (error) {
    rejects?.discard();
    throw error;
  }
}

/** API -> file or partition directory, through the resumable spool: decide, page, finalize. */
async function exportApiToFile(
  plan: ExportPlan,
  source: ApiSource,
  client: NetworkFirewallClient,
  ctx: RunContext,
  totals: Totals,
  update: () => void,
  progress: Progress,
): Promise<number> {
  const log = (line: string) => progress.log(line);
  const decision = resumeDecision(plan, source, log);
  if (decision.kind === 'finished') {
    totalsFromStatus(totals, decision.status);
    return decision.status.bytes;
  }
  const jobs = await resolveJobs(source, client, ctx.signal, decision.checkpoint);
  if (plan.partitioned) checkPartitionNames(plan, jobs);
  const checkpoint = checkpointFor(plan, source, jobs, decision.checkpoint);
  if (decision.checkpoint !== null) {
    const done = checkpoint.jobs.reduce((n, j) => n + j.records, 0);
    log(`nfw-flows: resuming ${plan.out}: ${formatCount(done)} flows already saved`);
  }
  const partial = partialDirectory(plan.out);
  const signal = ctx.signal;
  const final: Finalize = { plan, jobs, checkpoint, partial, totals, signal };
  const resuming = decision.checkpoint !== null;
  const live = canWriteLive(plan, jobs.length, resuming) ? startLiveOutput(final) : undefined;
  try {
    await runJobs({ plan, source, client, jobs, checkpoint, partial, signal, totals, update, log, live });
  } catch (error) {
    await live?.abort(error);
    throw error;
  }
  return finalizeOutput(final, live);
}
