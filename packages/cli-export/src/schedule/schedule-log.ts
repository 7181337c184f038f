/**
 * The log of a capture schedule, `_nfw-schedule.jsonl` at the dataset root: one JSON line per round,
 * appended when the round ends (missed rounds when the overrun that covered them ends). The `_` keeps
 * it out of Spark, Hive, Athena and pyarrow dataset discovery, as the status files.
 */
import { appendFileSync } from 'node:fs';
import { wellFormed } from '@nfw-flows/core/engine';
import { openOutput } from '../output/s3-output.js';
import { isS3Url } from '../output/s3-target.js';
import { childOf, readText } from './dataset-root.js';

export const SCHEDULE_LOG = '_nfw-schedule.jsonl';

/** ok: COMPLETED, whole, no rejects; incomplete: data written but not all of it (exit 3 of a capture). */
export type RoundStatus = 'ok' | 'incomplete' | 'failed' | 'missed' | 'interrupted';

export interface RoundDiff {
  status: 'ok' | 'failed' | 'skipped';
  /** capture_time of the round it compares against. */
  against: string | null;
  /** The diff file, relative to the dataset root. */
  path?: string;
  rows?: number;
  new?: number;
  ended?: number;
  continuing?: number;
  error_code?: string;
  error?: string;
}

export interface RoundRecord {
  /** 1-based tick number of this run of the schedule (missed rounds count). */
  round: number;
  capture_time: string;
  scheduled_at: string;
  started_at: string | null;
  ended_at: string | null;
  status: RoundStatus;
  /** The round's partition directory, relative to the dataset root (absent when nothing was written). */
  path: string | null;
  flow_operation_ids: string[];
  /** Flows written (the round's status file's `flows`). */
  flows: number;
  /** The operations' overall status (COMPLETED, COMPLETED_WITH_ERRORS, FAILED), when the round got one. */
  operation_status: string | null;
  error_code: string | null;
  error: string | null;
  diff?: RoundDiff;
  /** When this run of the schedule started: tells the runs of one dataset apart. */
  schedule_started_at: string;
}

/**
 * Appends round records to the log. A local log is appended to; an S3 object cannot be, so the whole
 * log (the earlier runs' lines read at the start, then this run's) is put again after each round.
 */
export class ScheduleLog {
  private readonly target: string;
  private text = '';

  private constructor(target: string) {
    this.target = target;
  }

  static async open(root: string): Promise<ScheduleLog> {
    const log = new ScheduleLog(childOf(root, SCHEDULE_LOG, false));
    if (isS3Url(root)) log.text = (await readText(log.target)) ?? '';
    return log;
  }

  async append(record: RoundRecord): Promise<void> {
    const line = `${JSON.stringify(record, (_key, value) => (typeof value === 'string' ? wellFormed(value) : value))}\n`;
    if (!isS3Url(this.target)) {
      appendFileSync(this.target, line);
      return;
    }
    this.text += line;
    const object = openOutput(this.target, { force: true });
    try {
      object.writeText(this.text);
      await object.commit();
    } catch (error) {
      await object.discard();
      throw error;
    }
  }
}
