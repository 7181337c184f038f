import type { JobIdentity } from '../spool/checkpoint.js';
import { UsageError } from '../usage-error.js';
import type { ExportPlan } from './export-plan.js';
import { partitionPath } from './write-output.js';

/** Longest file name most file systems take (NAME_MAX), in bytes. */
const NAME_MAX = 255;

/**
 * Every partition directory name of a partitioned export fits a file name, checked before anything is
 * spooled: the path holds the key's value, so a value too long for it (a service returning an
 * operation id far longer than AWS's 36-character ones) cannot be written, now or on any --resume.
 */
export function checkPartitionNames(plan: ExportPlan, jobs: JobIdentity[]): void {
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
