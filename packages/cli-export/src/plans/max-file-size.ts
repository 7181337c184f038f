/**
 * `--max-file-size SIZE`: the size at which a partition's file is closed and the next part begun, as
 * DuckDB's `COPY ... (FILE_SIZE_BYTES ...)` and Spark's `maxRecordsPerFile` do. Bytes, or a number
 * with a decimal (`KB`, `MB`, `GB`, `TB`: powers of 1000) or binary (`KiB`, `MiB`, `GiB`, `TiB`:
 * powers of 1024) unit, in any case.
 */
import { UsageError } from '../usage-error.js';

/**
 * 512 MiB: Athena, Trino and Spark read files of 128 MB to 1 GB best (fewer requests and splits than
 * small files, and Parquet row groups still let them split a larger one); Iceberg's default target
 * file size (`write.target-file-size-bytes`) is the same 512 MiB.
 */
export const DEFAULT_MAX_FILE_SIZE = 512 * 1024 ** 2;

/** The largest limit: a part may pass it by one batch, and one S3 object of ours holds up to 78 GiB. */
export const LARGEST_MAX_FILE_SIZE = 64 * 1024 ** 3;

const UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tib: 1024 ** 4,
};

const HINT = 'bytes, or a number with KB, MB, GB (x1000) or KiB, MiB, GiB (x1024), e.g. 256MiB or 1GB';

/** The size in bytes (a whole number from 1 to 64 GiB); a UsageError naming the flag and the value otherwise. */
export function parseFileSize(flag: string, value: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(value.trim());
  const scale = m ? UNITS[m[2]!.toLowerCase()] : undefined;
  if (!m || scale === undefined) throw new UsageError(flag, value, 'is not a size', HINT);
  const bytes = Math.floor(Number(m[1]) * scale);
  if (bytes < 1 || bytes > LARGEST_MAX_FILE_SIZE)
    throw new UsageError(flag, value, 'must be from 1 byte to 64GiB', HINT);
  return bytes;
}
