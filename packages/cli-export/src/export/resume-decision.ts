/**
 * The first step of an API export to a file: what the partial directory beside the output says. Start
 * afresh, resume its checkpoint (the same export only, field by field), or report an export already
 * finished; then the checkpoint this run goes on with.
 */
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import type { FlowOperationStatus } from '@nfw-flows/core';
import type { ExportStatus } from '../output/status-file.js';
import { statusFilePath } from '../output/status-file.js';
import {
  CHECKPOINT_VERSION,
  type Checkpoint,
  checkPartialOwnership,
  checkpointPath,
  createPartialDirectory,
  type ExportIdentity,
  emptyProgress,
  identityMismatch,
  type JobIdentity,
  partialDirectory,
  readCheckpoint,
  removePartialDirectory,
  sameIdentity,
  writeCheckpoint,
} from '../spool/checkpoint.js';
import { UsageError } from '../usage-error.js';
import { describeAggregate } from './aggregate.js';
import type { ApiSource, ExportPlan } from './export-plan.js';
import { describeJob } from './jobs.js';
import type { Totals } from './live-records.js';

export type ResumeDecision =
  /** Page (again): from this checkpoint, or from the start (null). */
  | { kind: 'page'; checkpoint: Checkpoint | null }
  /** The output is already complete (killed after its cleanup): this is its status file. */
  | { kind: 'finished'; status: ExportStatus };

/** What to do with the partial directory of `plan.out`, and with `--resume` / `--force`. */
export function resumeDecision(
  plan: ExportPlan,
  source: ApiSource,
  log: (line: string) => void,
): ResumeDecision {
  const partial = partialDirectory(plan.out);
  if (existsSync(partial)) {
    if (plan.resume && !existsSync(checkpointPath(partial))) {
      // Killed before its first checkpoint: nothing was committed, so start over.
      log(
        `nfw-flows: ${partial} has no checkpoint (interrupted before the first page was saved); starting from the beginning`,
      );
      removePartialDirectory(partial);
      return { kind: 'page', checkpoint: null };
    }
    if (plan.resume) {
      checkPartialOwnership(partial);
      const checkpoint = readCheckpoint(partial);
      if (checkpoint === null)
        throw new UsageError(
          '--resume',
          partial,
          'has no usable checkpoint',
          'pass --force instead of --resume to start over',
        );
      return { kind: 'page', checkpoint };
    }
    if (plan.force) {
      removePartialDirectory(partial);
      return { kind: 'page', checkpoint: null };
    }
    throw new UsageError(
      '--out',
      plan.out,
      `an interrupted export of it is kept in ${partial}`,
      'pass --resume to continue it, or --force to discard it',
    );
  }
  if (plan.resume && existsSync(plan.out)) {
    // Killed after the cleanup, before exiting: the export is done; report its recorded outcome.
    const status = finishedExport(plan, source);
    if (status === null)
      throw new UsageError('--out', plan.out, 'already exists', 'pass --force to overwrite it');
    log(`nfw-flows: ${plan.out} is already complete (see its status file); nothing to resume`);
    return { kind: 'finished', status };
  }
  if (plan.resume) log(`nfw-flows: nothing to resume for ${plan.out}; starting from the beginning`);
  return { kind: 'page', checkpoint: null };
}

/**
 * The checkpoint this run continues: the one found, once its identity is this export's, or a new one in
 * a new partial directory (written at once, so a kill from here on leaves something to resume).
 */
export function checkpointFor(
  plan: ExportPlan,
  source: ApiSource,
  jobs: JobIdentity[],
  found: Checkpoint | null,
): Checkpoint {
  const partial = partialDirectory(plan.out);
  const identity = exportIdentity(plan, source, jobs);
  if (found !== null) {
    const differs = identityMismatch(found.identity, identity);
    if (differs !== null)
      throw new UsageError(
        '--resume',
        undefined,
        `${differs.flag} is ${describeSetting(differs.current)} but the interrupted export in ${partial} used ${describeSetting(differs.recorded)}`,
        'run the same command as the interrupted one, or pass --force instead of --resume to start over',
      );
    if (!sameIdentity(found.identity, identity))
      throw new UsageError(
        '--resume',
        partial,
        'belongs to a different export (operations, format or options differ)',
        'run the same command as the interrupted one, or pass --force to discard it',
      );
    return found;
  }
  createPartialDirectory(partial);
  const checkpoint: Checkpoint = {
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
  return checkpoint;
}

function exportIdentity(plan: ExportPlan, source: ApiSource, jobs: JobIdentity[]): ExportIdentity {
  return {
    command: plan.command,
    out: plan.out,
    format: plan.format,
    partitioned: plan.partitioned,
    ...(plan.maxFileSize === undefined ? {} : { maxFileSize: plan.maxFileSize }),
    aggregate: describeAggregate(plan.aggregate),
    maxItems: source.read.maxItems ?? null,
    jobs,
    endpoint: recordedEndpoint(plan.clientFlags.endpointUrl),
    strict: source.read.strict,
    startingToken: source.read.startingToken ?? null,
    ...(plan.fleet ? { fleet: plan.fleet.identity } : {}),
  };
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

/** The totals a finished export's status file recorded (what the summary line reports). */
export function totalsFromStatus(totals: Totals, status: ExportStatus): void {
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
