/**
 * The last step of an API export to a file, once every job is paged and the statuses are known: the
 * output built from the spools (one file, or a partition directory), staged and recorded in the
 * checkpoint, renamed into place (the commit point), then the status file, the rejects and the removal
 * of the partial directory, each of which a resume after a kill repeats safely.
 */
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { crashPoint } from '../output/crash-point.js';
import { verifyOutputLock } from '../output/output-lock.js';
import { openDirectory, openOutput, s3Committed } from '../output/s3-output.js';
import { isS3Url } from '../output/s3-target.js';
import {
  exportStatus,
  type OperationStatus,
  PARTITIONED_STATUS_FILE,
  type StatusFields,
  statusFilePath,
  statusText,
} from '../output/status-file.js';
import { DEFAULT_MAX_FILE_SIZE } from '../plans/max-file-size.js';
import {
  type Checkpoint,
  type JobIdentity,
  removePartialDirectory,
  type StagedOutput,
  writeCheckpoint,
} from '../spool/checkpoint.js';
import { spoolRecords } from '../spool/spool-records.js';
import type { ExportPlan } from './export-plan.js';
import { statusKey } from './fleet-jobs.js';
import type { LiveOutput } from './live-output.js';
import { metadataOf, overallStatus, type Totals, truncatedToken } from './live-records.js';
import { spoolFiles } from './run-job.js';
import {
  concatenateFiles,
  PARTITION_KEYS,
  partitionPath,
  type WriteOptions,
  writeFileOutput,
} from './write-output.js';
import { writeParts } from './write-parts.js';

export interface Finalize {
  plan: ExportPlan;
  jobs: JobIdentity[];
  checkpoint: Checkpoint;
  partial: string;
  totals: Totals;
  signal: AbortSignal;
}

/**
 * Build, publish and clean up; returns the bytes of the output. `live`: the output written while paging
 * (live-output.ts), published here unless it has to be built from the spools after all.
 */
export async function finalizeOutput(f: Finalize, live?: LiveOutput): Promise<number> {
  const { plan, checkpoint: cp } = f;
  const staged = cp.output;
  const committed =
    staged !== undefined &&
    (isS3Url(plan.out) ? await s3Committed(plan.out, plan.partitioned, staged) : isCommitted(plan, staged));
  let bytes: number;
  if (committed) {
    // Killed after the commit point: the data under the final name is this export's; finish up.
    bytes = staged.bytes;
    if (!plan.partitioned) {
      const status = openOutput(statusFilePath(plan.out, false), { force: true });
      status.writeText(staged.status);
      await status.commit();
    }
  } else if (plan.partitioned) bytes = await writePartitions(f);
  else bytes = (await live?.finish()) ?? (await writeSingleFile(f));
  if (plan.rejects) await publishRejects(f, plan.rejects, committed);
  removePartialDirectory(f.partial, () => crashPoint('after-partial-rename'));
  crashPoint('after-cleanup');
  return bytes;
}

/** The status file's fields from the final totals (status-file.ts). */
export function statusFields(plan: ExportPlan, totals: Totals, operations?: OperationStatus[]): StatusFields {
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

export function writeOptions(f: Finalize): WriteOptions {
  return {
    format: f.plan.format,
    aggregate: f.plan.aggregate,
    metadata: metadataOf(f.totals),
    signal: f.signal,
    ...(f.plan.compression ? { compression: f.plan.compression } : {}),
  };
}

/** Records the staged output in the checkpoint, right before the commit rename. */
export function recordStaged(f: Finalize, output: StagedOutput): void {
  verifyOutputLock(f.plan.out);
  f.checkpoint.output = output;
  f.checkpoint.updatedAt = new Date().toISOString();
  writeCheckpoint(f.partial, f.checkpoint);
}

async function writeSingleFile(f: Finalize): Promise<number> {
  const records = spoolRecords(
    f.jobs.map((_, i) => spoolFiles(f.partial, i).spool),
    f.signal,
  );
  const operations = operationsOf(f);
  return writeFileOutput(records, f.plan.out, f.plan.force, {
    ...writeOptions(f),
    status: () => statusFields(f.plan, f.totals, operations),
    staged: (size, status) =>
      recordStaged(f, { bytes: size, status: status === null ? '' : statusText(status) }),
  });
}

/**
 * Each job's part files (write-parts.ts) under Hive-style key directories, built in the partial
 * directory and renamed (or uploaded) whole.
 */
async function writePartitions(f: Finalize): Promise<number> {
  const { plan, jobs, checkpoint: cp } = f;
  const temp = path.join(f.partial, 'out');
  rmSync(temp, { recursive: true, force: true });
  const dir = openDirectory(plan.out, temp, { force: plan.force, adopt: plan.resume });
  try {
    const operations = operationsOf(f);
    const seen = new Map<string, number>();
    let bytes = 0;
    for (const [i, job] of jobs.entries()) {
      // A fleet scope whose capture never started has no data: the status file lists it.
      if (job.flowOperationId === '') continue;
      const key = `${job.firewallArn}|${job.availabilityZone ?? ''}|${job.flowOperationId}`;
      // Two scopes in one partition (fleet associations of a zone) number their parts on, in job order.
      const first = seen.get(key) ?? 0;
      const p = cp.jobs[i]!;
      const status = { status: p.status, message: p.statusMessage };
      const jobTotals: Totals = { ...f.totals, statuses: new Map([[statusKey(job), status]]) };
      const where = {
        firewallArn: job.firewallArn,
        availabilityZone: job.availabilityZone ?? plan.fleet?.zones[i] ?? null,
        flowOperationId: job.flowOperationId,
      };
      const files = await writeParts(
        () => spoolRecords([spoolFiles(f.partial, i).spool], f.signal),
        (n) => partitionPath(temp, where, plan.format, first + n),
        plan.maxFileSize ?? DEFAULT_MAX_FILE_SIZE,
        { ...writeOptions(f), metadata: metadataOf(jobTotals), omitColumns: PARTITION_KEYS },
      );
      seen.set(key, first + files.length);
      const parts = files.map((p) => ({
        path: path.relative(temp, p.path).split(path.sep).join('/'),
        rows: p.rows,
        bytes: p.bytes,
      }));
      const size = parts.reduce((n, p) => n + p.bytes, 0);
      bytes += size;
      operations[i] = { ...operations[i]!, path: parts[0]!.path, bytes: size, parts };
    }
    // Published with the partitions, in the same rename.
    const text = statusText(exportStatus(statusFields(plan, f.totals, operations), plan.out, bytes));
    writeFileSync(path.join(temp, PARTITIONED_STATUS_FILE), text);
    recordStaged(f, { bytes, status: text });
    crashPoint('before-commit');
    await dir.commit();
    crashPoint('after-data');
    return bytes;
  } catch (error) {
    await dir.discard();
    throw error;
  }
}

/** The status file's entry of every job. */
export function operationsOf(f: Finalize): OperationStatus[] {
  return f.jobs.map((job, i) => {
    const p = f.checkpoint.jobs[i]!;
    return {
      firewall_arn: job.firewallArn,
      availability_zone: job.availabilityZone ?? f.plan.fleet?.zones[i] ?? null,
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
}

/** The jobs' rejects logs as the --rejects file, after the data. */
async function publishRejects(f: Finalize, target: string, committed: boolean): Promise<void> {
  const parts = f.jobs.map((_, i) => spoolFiles(f.partial, i).rejects).filter((file) => existsSync(file));
  // After a kill past the commit point the rejects may already be in place: the same bytes are ours.
  if (!(committed && existsSync(target) && sameContent(parts, target)))
    await concatenateFiles(parts, target, f.plan.force || committed, f.signal);
  crashPoint('after-rejects');
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
