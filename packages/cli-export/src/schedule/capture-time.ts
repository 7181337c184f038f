/**
 * The `capture_time=` partition value of a schedule round: its due time in UTC in the ISO 8601 basic
 * format, `20261204T111500Z`. It has no `:` (Hive would escape it as `%3A`, which Athena's partition
 * projection does not undo), sorts as text in time order, and Athena projects it as a `date` with the
 * Java format below; pyarrow and DuckDB read it as a string.
 */

/** The Java DateTimeFormatter pattern of the value, for Athena's `projection.capture_time.format`. */
export const CAPTURE_TIME_FORMAT = "yyyyMMdd'T'HHmmss'Z'";
export const CAPTURE_TIME_KEY = 'capture_time';

export function captureTimeValue(epochMs: number): string {
  return new Date(Math.floor(epochMs / 1000) * 1000)
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replaceAll('-', '')
    .replaceAll(':', '');
}

/** The epoch milliseconds of a value `captureTimeValue` wrote, or null for any other text. */
export function parseCaptureTime(value: string): number | null {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return null;
  const ms = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
  return captureTimeValue(ms) === value ? ms : null;
}
