/**
 * The log of a capture schedule, `_nfw-schedule.jsonl` at the dataset root: one JSON line per round,
 * appended when the round ends (missed rounds when the overrun that covered them ends). The `_` keeps
 * it out of Spark, Hive, Athena and pyarrow dataset discovery, as the status files.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { wellFormed } from '@nfw-flows/core/engine';

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

export function appendRound(root: string, record: RoundRecord): void {
  mkdirSync(root, { recursive: true });
  const line = JSON.stringify(record, (_key, value) =>
    typeof value === 'string' ? wellFormed(value) : value,
  );
  appendFileSync(path.join(root, SCHEDULE_LOG), `${line}\n`);
}
