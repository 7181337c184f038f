/**
 * `nfw-flows export` (and the export half of `capture`): API or file -> records -> optional aggregate ->
 * serializer -> atomic file, partition directory or stdout. API exports to files go through the
 * resumable spool (see output/spool.ts and output/checkpoint.ts).
 */
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Writable } from 'node:stream';
import type { NetworkFirewallClient } from '@aws-sdk/client-network-firewall';
import { type FileProvenance, type FlowOperationStatus, isNfwError } from '@nfw-flows/core';
import type { IpcFormat } from '@nfw-flows/core/engine';
import { type ClientFlags, createClient } from '../client.js';
import { EXIT_INCOMPLETE, EXIT_OK } from '../exit.js';
import type { Aggregate } from '../export/aggregate.js';
import { describeAggregate } from '../export/aggregate.js';
import { type FleetRun, runFleetJobs, statusKey } from '../export/fleet-jobs.js';
import { allOperationJobs, describeJob, type Scope } from '../export/jobs.js';
import {
  apiRecords,
  fileRecords,
  type LiveHooks,
  metadataOf,
  newTotals,
  noteRetry,
  overallStatus,
  type Totals,
  truncatedToken,
} from '../export/live-records.js';
import { type ApiReadOptions, rejectLine, runJob, type SpoolFiles } from '../export/run-job.js';
import type { ParquetCompression } from '../export/serializer.js';
import {
  concatenateFiles,
  PARTITION_KEYS,
  partitionPath,
  writeFileOutput,
  writePlainFile,
  writeStreamOutput,
} from '../export/write-output.js';
import type { OutputFormat } from '../options.js';
import { arrowFromSpools } from '../output/arrow-spool.js';
import { AtomicDirectory, AtomicFile, sweepStaleTemporaries } from '../output/atomic-file.js';
import {
  CHECKPOINT_VERSION,
  type Checkpoint,
  checkPartialOwnership,
  checkpointPath,
  checkSpoolLengths,
  createPartialDirectory,
  type ExportIdentity,
  emptyProgress,
  identityMismatch,
  type JobIdentity,
  type JobProgress,
  partialDirectory,
  readCheckpoint,
  removePartialDirectory,
  type StagedOutput,
  sameIdentity,
  writeCheckpoint,
} from '../output/checkpoint.js';
import { crashPoint } from '../output/crash-point.js';
import { acquireOutputLock, releaseOutputLock, verifyOutputLock } from '../output/output-lock.js';
import { readableFromBatches, readSpool } from '../output/spool.js';
import {
  type ExportStatus,
  exportStatus,
  type OperationStatus,
  PARTITIONED_STATUS_FILE,
  type StatusFields,
  statusFilePath,
  statusText,
} from '../output/status-file.js';
import { createProgress, formatBytes, formatCount, formatDuration, type Progress } from '../progress.js';
import { terminalLine } from '../terminal-text.js';
import { UsageError } from '../usage-error.js';

export interface ApiSource {
  kind: 'api';
  /** Explicit jobs, or null for --all-operations (listed from the API). */
  jobs: JobIdentity[] | null;
  firewallArns: string[];
  scopes: Scope[];
  read: ApiReadOptions;
}

export interface FileSource {
  kind: 'file';
  input: string;
  strict: boolean;
  /** For bare Flow records: --firewall-arn, --flow-operation-id, --availability-zone. */
  provenance: FileProvenance;
}

export interface ExportPlan {
  command: 'export' | 'capture';
  clientFlags: ClientFlags;
  source: ApiSource | FileSource;
  out: string;
  format: OutputFormat;
  force: boolean;
  rejects: string | undefined;
  resume: boolean;
  quiet: boolean;
  partitioned: boolean;
  concurrency: number;
  aggregate: Aggregate | null;
  compression: ParquetCompression | undefined;
  /** capture without a scope flag: discovered scopes, started under the fleet scheduler. */
  fleet?: FleetRun;
}

export interface RunContext {
  signal: AbortSignal;
  stdout: Writable;
  stderr: NodeJS.WriteStream;
}

const RESUMABLE = new Set(['NFW_PAGINATION_FAILED', 'NFW_ABORTED', 'NFW_WAIT_TIMEOUT']);

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
    const target = plan.out === '-' ? 'stdout' : path.relative(process.cwd(), plan.out) || plan.out;
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
        : `; ${path.relative(process.cwd(), statusFilePath(plan.out, plan.partitioned)) || statusFilePath(plan.out, plan.partitioned)} says so${plan.format === 'arrow' || plan.format === 'arrows' || plan.format === 'parquet' ? ', and so does the nfw_flows.status metadata' : ''}`;
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

/** The status file's fields from the final totals (status-file.ts). */
function statusFields(plan: ExportPlan, totals: Totals, operations?: OperationStatus[]): StatusFields {
  const { status, message } = overallStatus(totals);
  return {
    format: plan.format,
    partitioned: plan.partitioned,
    status,
    status_message: message,
    flows: totals.flows,
    rejected: totals.rejected,
    pages: totals.pages,
    aggregate: plan.aggregate === null ? null : plan.aggregate.kind === 'group' ? 'group-by' : 'top',
    source: plan.source.kind,
    next_token: truncatedToken(totals),
    ...(operations === undefined ? {} : { operations }),
  };
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

/** Run `fn` over items with at most `limit` at once; the first failure aborts the others. */
async function pool<T>(
  items: T[],
  limit: number,
  parent: AbortSignal,
  fn: (item: T, index: number, signal: AbortSignal) => Promise<void>,
): Promise<void> {
  const controller = new AbortController();
  const onAbort = () => controller.abort(parent.reason);
  parent.addEventListener('abort', onAbort, { once: true });
  let next = 0;
  let failure: { error: unknown } | null = null;
  const worker = async () => {
    while (failure === null && next < items.length && !controller.signal.aborted) {
      const i = next++;
      try {
        await fn(items[i]!, i, controller.signal);
      } catch (error) {
        if (failure === null) failure = { error };
        controller.abort(error);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  } finally {
    parent.removeEventListener('abort', onAbort);
  }
  if (failure !== null) throw (failure as { error: unknown }).error;
  if (parent.aborted) throw parent.reason;
}

/** API -> file or partition directory, through the resumable spool. */
async function exportApiToFile(
  plan: ExportPlan,
  source: ApiSource,
  client: NetworkFirewallClient,
  ctx: RunContext,
  totals: Totals,
  update: () => void,
  progress: Progress,
): Promise<number> {
  const partial = partialDirectory(plan.out);
  let checkpoint: Checkpoint | null = null;
  if (existsSync(partial)) {
    if (plan.resume && !existsSync(checkpointPath(partial))) {
      // Killed before its first checkpoint: nothing was committed, so start over.
      progress.log(
        `nfw-flows: ${partial} has no checkpoint (interrupted before the first page was saved); starting from the beginning`,
      );
      removePartialDirectory(partial);
    } else if (plan.resume) {
      checkPartialOwnership(partial);
      checkpoint = readCheckpoint(partial);
      if (checkpoint === null)
        throw new UsageError(
          '--resume',
          partial,
          'has no usable checkpoint',
          'pass --force instead of --resume to start over',
        );
    } else if (plan.force) {
      removePartialDirectory(partial);
    } else {
      throw new UsageError(
        '--out',
        plan.out,
        `an interrupted export of it is kept in ${partial}`,
        'pass --resume to continue it, or --force to discard it',
      );
    }
  } else if (plan.resume && existsSync(plan.out)) {
    // Killed after the cleanup, before exiting: the export is done; report its recorded outcome.
    const finished = finishedExport(plan, source);
    if (finished === null)
      throw new UsageError('--out', plan.out, 'already exists', 'pass --force to overwrite it');
    progress.log(`nfw-flows: ${plan.out} is already complete (see its status file); nothing to resume`);
    totalsFromStatus(totals, finished);
    return finished.bytes;
  } else if (plan.resume) {
    progress.log(`nfw-flows: nothing to resume for ${plan.out}; starting from the beginning`);
  }

  const jobs = await resolveJobs(source, client, ctx.signal, checkpoint);
  if (plan.partitioned) checkPartitionNames(plan, jobs);
  const identity: ExportIdentity = {
    command: plan.command,
    out: plan.out,
    format: plan.format,
    partitioned: plan.partitioned,
    aggregate: describeAggregate(plan.aggregate),
    maxItems: source.read.maxItems ?? null,
    jobs,
    endpoint: recordedEndpoint(plan.clientFlags.endpointUrl),
    strict: source.read.strict,
    startingToken: source.read.startingToken ?? null,
    ...(plan.fleet ? { fleet: plan.fleet.identity } : {}),
  };
  if (checkpoint !== null) {
    const differs = identityMismatch(checkpoint.identity, identity);
    if (differs !== null)
      throw new UsageError(
        '--resume',
        undefined,
        `${differs.flag} is ${describeSetting(differs.current)} but the interrupted export in ${partial} used ${describeSetting(differs.recorded)}`,
        'run the same command as the interrupted one, or pass --force instead of --resume to start over',
      );
    if (!sameIdentity(checkpoint.identity, identity))
      throw new UsageError(
        '--resume',
        partial,
        'belongs to a different export (operations, format or options differ)',
        'run the same command as the interrupted one, or pass --force to discard it',
      );
  }
  if (checkpoint === null) {
    createPartialDirectory(partial);
    checkpoint = {
      version: CHECKPOINT_VERSION,
      identity,
      jobs: jobs.map(() => emptyProgress()),
      updatedAt: new Date().toISOString(),
    };
    try {
      writeCheckpoint(partial, checkpoint);
    } catch (error) {
      // Nothing committed yet (full disk): leave no partial that invites --resume.
      rmSync(partial, { recursive: true, force: true });
      throw error;
    }
  } else {
    const done = checkpoint.jobs.reduce((n, j) => n + j.records, 0);
    progress.log(`nfw-flows: resuming ${plan.out}: ${formatCount(done)} flows already saved`);
  }
  const cp = checkpoint;
  totals.jobs = jobs.length;
  if (jobs.length === 0)
    progress.log('nfw-flows: warning: no completed flow captures found; writing an empty output');
  for (const [i, job] of jobs.entries()) {
    const p = cp.jobs[i]!;
    totals.pages += p.pages;
    totals.flows += p.records;
    totals.rejected += p.rejected;
    if (p.done) totals.jobsDone++;
    if (p.status !== null)
      totals.statuses.set(statusKey(job), { status: p.status, message: p.statusMessage });
  }
  update();
  // Arrow outputs of flow records spool Arrow batches: the final file is then a copy of them, not a
  // second conversion of every record (output/arrow-spool.ts).
  const ipcFormat = arrowSpoolFormat(plan);
  const files = (i: number): SpoolFiles => ({
    spool: path.join(partial, `job-${i}.spool`),
    rejects: path.join(partial, `job-${i}.rejects`),
    kind: ipcFormat === null ? 'lines' : 'arrow',
  });
  checkSpoolLengths(cp, files);

  const readJob = async (job: JobIdentity, i: number, signal: AbortSignal, release?: () => void) => {
    const final: JobProgress = await runJob(
      client,
      job,
      files(i),
      cp.jobs[i]!,
      source.read,
      {
        commit(p) {
          cp.jobs[i] = p;
          cp.updatedAt = new Date().toISOString();
          if (p.status !== null)
            totals.statuses.set(statusKey(job), { status: p.status, message: p.statusMessage });
          writeCheckpoint(partial, cp);
        },
        tick(d) {
          // The first page: the operation ended, its firewall and zone may start the next one.
          if (d.pages > 0) {
            release?.();
            totals.waiting = null;
          }
          totals.pages += d.pages;
          totals.flows += d.flows;
          totals.rejected += d.rejected;
          update();
        },
        warn(line) {
          progress.log(`nfw-flows: warning: ${describeJob(job)}: ${line}`);
        },
        retry(info) {
          noteRetry(totals, info);
          update();
        },
      },
      signal,
    );
    if (!cp.jobs[i]!.done) cp.jobs[i] = final;
    totals.jobsDone++;
    update();
  };
  try {
    if (plan.fleet) {
      const fleet = plan.fleet;
      await runFleetJobs(fleet, jobs, cp, partial, (i) => files(i).spool, plan.concurrency, ctx.signal, {
        read: readJob,
        failed(job, _i, error) {
          totals.statuses.set(statusKey(job), {
            status: 'FAILED',
            message: `${error.code}: ${error.message}`,
          });
          progress.log(
            `nfw-flows: warning: ${describeScope(job, fleet.zones[jobs.indexOf(job)])} failed: ${error.message}`,
          );
        },
        changed(counts) {
          totals.scopes = counts;
          totals.jobsDone = counts.done + counts.failed;
          update();
        },
      });
    } else await pool(jobs, plan.concurrency, ctx.signal, (job, i, signal) => readJob(job, i, signal));
  } catch (error) {
    if (isNfwError(error, 'NFW_CHECKPOINT_INVALID')) {
      // Left as found: the error says how to discard it.
    } else if (isNfwError(error) && !RESUMABLE.has(error.code)) {
      // The same command would fail the same way (operation FAILED, not found, rejected, invalid record).
      removePartialDirectory(partial);
    } else {
      const saved = cp.jobs.reduce((n, j) => n + j.records, 0);
      const pages = cp.jobs.reduce((n, j) => n + j.pages, 0);
      progress.log(
        `nfw-flows: kept ${formatCount(saved)} flows (${formatCount(pages)} pages) in ${partial}; run the same command with --resume to continue`,
      );
    }
    throw error;
  }
  // Exact counts from the checkpoint (live ticks may include records of uncommitted pages on resume).
  totals.pages = cp.jobs.reduce((n, j) => n + j.pages, 0);
  totals.flows = cp.jobs.reduce((n, j) => n + j.records, 0);
  totals.rejected = cp.jobs.reduce((n, j) => n + j.rejected, 0);
  for (const [i, job] of jobs.entries()) {
    const p = cp.jobs[i]!;
    totals.statuses.set(statusKey(job), { status: p.status, message: p.statusMessage });
    if (p.resumeToken !== undefined) totals.nextTokens.set(statusKey(job), p.resumeToken);
  }

  const options = {
    format: plan.format,
    aggregate: plan.aggregate,
    metadata: metadataOf(totals),
    signal: ctx.signal,
    ...(plan.compression ? { compression: plan.compression } : {}),
  };
  const operations: OperationStatus[] = jobs.map((job, i) => {
    const p = cp.jobs[i]!;
    return {
      firewall_arn: job.firewallArn,
      availability_zone: job.availabilityZone ?? plan.fleet?.zones[i] ?? null,
      ...(job.vpcEndpointAssociationArn === undefined
        ? {}
        : { vpc_endpoint_association_arn: job.vpcEndpointAssociationArn }),
      flow_operation_id: job.flowOperationId === '' ? null : job.flowOperationId,
      status: p.status,
      status_message: p.statusMessage,
      flows: p.records,
      rejected: p.rejected,
      pages: p.pages,
      next_token: p.resumeToken ?? null,
      ...(p.error === undefined ? {} : { error: p.error }),
    };
  });
  const record = (output: StagedOutput) => {
    verifyOutputLock(plan.out);
    cp.output = output;
    cp.updatedAt = new Date().toISOString();
    writeCheckpoint(partial, cp);
  };
  let bytes = 0;
  const committed = cp.output !== undefined && isCommitted(plan, cp.output);
  if (committed) {
    // Killed after the commit point: the data under the final name is this export's; finish up.
    bytes = cp.output!.bytes;
    if (!plan.partitioned) {
      const status = new AtomicFile(statusFilePath(plan.out, false), { force: true });
      status.writeText(cp.output!.status);
      status.commit();
    }
  } else if (plan.partitioned) {
    const temp = path.join(partial, 'out');
    rmSync(temp, { recursive: true, force: true });
    const dir = new AtomicDirectory(plan.out, temp, { force: plan.force });
    try {
      const seen = new Map<string, number>();
      for (const [i, job] of jobs.entries()) {
        // A fleet scope whose capture never started has no data: the status file lists it.
        if (job.flowOperationId === '') continue;
        const key = `${job.firewallArn}|${job.availabilityZone ?? ''}|${job.flowOperationId}`;
        const part = seen.get(key) ?? 0;
        seen.set(key, part + 1);
        const p = cp.jobs[i]!;
        const jobTotals: Totals = {
          ...totals,
          statuses: new Map([[statusKey(job), { status: p.status, message: p.statusMessage }]]),
        };
        const file = partitionPath(
          temp,
          {
            firewallArn: job.firewallArn,
            availabilityZone: job.availabilityZone ?? plan.fleet?.zones[i] ?? null,
            flowOperationId: job.flowOperationId,
          },
          plan.format,
          part,
        );
        const metadata = metadataOf(jobTotals);
        const size = await writePlainFile(
          ipcFormat === null
            ? readableFromBatches(readSpool(files(i).spool))
            : arrowFromSpools([files(i).spool], ipcFormat, metadata),
          file,
          { ...options, metadata, omitColumns: PARTITION_KEYS },
        );
        bytes += size;
        operations[i] = {
          ...operations[i]!,
          path: path.relative(temp, file).split(path.sep).join('/'),
          bytes: size,
        };
      }
      // Published with the partitions, in the same rename.
      const text = statusText(exportStatus(statusFields(plan, totals, operations), plan.out, bytes));
      writeFileSync(path.join(temp, PARTITIONED_STATUS_FILE), text);
      record({ bytes, status: text });
      crashPoint('before-commit');
      dir.commit();
      crashPoint('after-data');
    } catch (error) {
      dir.discard();
      throw error;
    }
  } else {
    // A fleet scope whose capture never started has no spool.
    const spools = jobs.map((_, i) => files(i).spool).filter((f) => existsSync(f));
    async function* all() {
      for (const s of spools) yield* readSpool(s);
    }
    const source =
      ipcFormat === null ? readableFromBatches(all()) : arrowFromSpools(spools, ipcFormat, options.metadata);
    bytes = await writeFileOutput(source, plan.out, plan.force, {
      ...options,
      status: () => statusFields(plan, totals, operations),
      staged: (size, status) => record({ bytes: size, status: status === null ? '' : statusText(status) }),
    });
  }
  if (plan.rejects) {
    const parts = jobs.map((_, i) => files(i).rejects).filter((f) => existsSync(f));
    // After a kill past the commit point the rejects may already be in place: the same bytes are ours.
    if (!(committed && existsSync(plan.rejects) && sameContent(parts, plan.rejects)))
      await concatenateFiles(parts, plan.rejects, plan.force || committed, ctx.signal);
    crashPoint('after-rejects');
  }
  removePartialDirectory(partial, () => crashPoint('after-partial-rename'));
  crashPoint('after-cleanup');
  return bytes;
}

/** Longest file name most file systems take (NAME_MAX), in bytes. */
const NAME_MAX = 255;

/**
 * Every partition directory name of a partitioned export fits a file name, checked before anything is
 * spooled: the path holds the key's value, so a value too long for it (a service returning an
 * operation id far longer than AWS's 36-character ones) cannot be written, now or on any --resume.
 */
function checkPartitionNames(plan: ExportPlan, jobs: JobIdentity[]): void {
  for (const job of jobs) {
    const file = partitionPath(
      '/',
      {
        firewallArn: job.firewallArn,
        availabilityZone: job.availabilityZone ?? null,
        flowOperationId: job.flowOperationId,
      },
      plan.format,
    );
    const long = file.split('/').find((segment) => Buffer.byteLength(segment) > NAME_MAX);
    if (long !== undefined)
      throw new UsageError(
        '--partitioned',
        undefined,
        `the partition directory name ${JSON.stringify(long.slice(0, 60))}… is ${Buffer.byteLength(long)} bytes, longer than a file name may be (${NAME_MAX}); operation ${JSON.stringify(job.flowOperationId.slice(0, 40))}…`,
        'export it without --partitioned',
      );
  }
}

/**
 * The endpoint that decides where the data comes from, as the checkpoint records it: --endpoint-url, else
 * the SDK's environment, without any user:password part (credentials are never recorded).
 */
function recordedEndpoint(flag: string | undefined): string | null {
  const value = flag ?? process.env.AWS_ENDPOINT_URL_NETWORK_FIREWALL ?? process.env.AWS_ENDPOINT_URL;
  if (value === undefined || value === '') return null;
  try {
    const url = new URL(value);
    url.username = '';
    url.password = '';
    return url.toString();
  } catch {
    return value;
  }
}

function describeSetting(value: unknown): string {
  if (value === null || value === undefined) return '(not set)';
  if (Array.isArray(value)) return `[${(value as JobIdentity[]).map(describeJob).join(', ')}]`;
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

/** The IPC format of the Arrow spool for this plan, or null where the spool holds lines. */
function arrowSpoolFormat(plan: ExportPlan): IpcFormat | null {
  // Partitions leave their key columns out, so their batches are not the spool's.
  if (plan.aggregate !== null || plan.partitioned) return null;
  if (plan.format === 'arrow') return 'file';
  if (plan.format === 'arrows') return 'stream';
  return null;
}

/** The target holds what this checkpoint staged: the commit rename happened. */
function isCommitted(plan: ExportPlan, output: StagedOutput): boolean {
  try {
    if (plan.partitioned) return readFileSync(statusFilePath(plan.out, true), 'utf8') === output.status;
    const st = statSync(plan.out);
    return st.isFile() && st.size === output.bytes;
  } catch {
    return false;
  }
}

function sameContent(parts: string[], target: string): boolean {
  return Buffer.concat(parts.map((p) => readFileSync(p))).equals(readFileSync(target));
}

/**
 * The status file of a finished export of the same plan beside (or inside) `plan.out`, consistent
 * with the data (same size), or null.
 */
function finishedExport(plan: ExportPlan, source: ApiSource): ExportStatus | null {
  try {
    const status = JSON.parse(
      readFileSync(statusFilePath(plan.out, plan.partitioned), 'utf8'),
    ) as ExportStatus;
    const st = statSync(plan.out);
    const aggregate = plan.aggregate === null ? null : plan.aggregate.kind === 'group' ? 'group-by' : 'top';
    const ids = (list: readonly { flowOperationId?: string; flow_operation_id?: string | null }[]) =>
      list.map((j) => j.flowOperationId ?? j.flow_operation_id).join(',');
    const same =
      status.file === path.basename(plan.out) &&
      status.format === plan.format &&
      status.partitioned === plan.partitioned &&
      status.source === 'api' &&
      status.aggregate === aggregate &&
      (plan.partitioned ? st.isDirectory() : st.isFile() && st.size === status.bytes) &&
      (source.jobs === null || plan.fleet !== undefined || ids(source.jobs) === ids(status.operations ?? []));
    return same ? status : null;
  } catch {
    return null;
  }
}

function totalsFromStatus(totals: Totals, status: ExportStatus): void {
  totals.flows = status.flows;
  totals.rejected = status.rejected;
  totals.pages = status.pages;
  const operations = status.operations ?? [];
  totals.jobs = totals.jobsDone = operations.length;
  for (const op of operations)
    totals.statuses.set(op.flow_operation_id ?? `${op.firewall_arn} ${op.availability_zone ?? ''}`, {
      status: op.status as FlowOperationStatus | null,
      message: op.status_message,
    });
  if (operations.length === 0)
    totals.statuses.set('', { status: status.status as FlowOperationStatus, message: status.status_message });
}

function describeScope(job: JobIdentity, zone: string | undefined): string {
  const name = job.firewallArn.split('/').pop() ?? job.firewallArn;
  const where = job.vpcEndpointAssociationArn ?? job.availabilityZone ?? zone;
  return `${name}${where ? ` ${where}` : ''}${job.flowOperationId ? ` (${job.flowOperationId})` : ''}`;
}
