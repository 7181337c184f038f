/**
 * pyarrow reading a dataset back from moto_server, for the S3 tests: an independent reader of what the
 * CLI uploaded. Where python3 or its pyarrow is missing (a fresh machine) those checks skip, one line says why.
 */
import { execFile, spawnSync } from 'node:child_process';
import { expect } from 'vitest';
import { hasMoto, type Moto, TEST_CREDENTIALS } from './moto.js';

/** Null when python3 has pyarrow, otherwise the reason the read-backs skip. */
export const pyarrowMissing = (() => {
  const r = spawnSync('python3', ['-c', 'import pyarrow.fs, pyarrow.dataset'], { encoding: 'utf8' });
  return r.error ? 'python3 not found' : r.status !== 0 ? 'python3 has no pyarrow' : null;
})();
if (pyarrowMissing !== null && hasMoto()) console.log(`pyarrow S3 read-back skipped: ${pyarrowMissing}`);

/** The dataset under s3://WHERE as pyarrow reads it (Hive partitions), summed up as JSON. */
const PYARROW_READ = `
import json, sys
import pyarrow.compute as pc, pyarrow.dataset as ds, pyarrow.fs as fs
endpoint, key, secret, where, fmt = sys.argv[1:6]
s3 = fs.S3FileSystem(access_key=key, secret_key=secret, region="us-east-1",
                     endpoint_override=endpoint, scheme="http")
data = ds.dataset(where, filesystem=s3, format=fmt, partitioning="hive",
                  exclude_invalid_files=False, ignore_prefixes=["_", "."])
table = data.to_table()
per = {}
for z, o in zip(table["availability_zone"].to_pylist(), table["flow_operation_id"].to_pylist()):
    per[z + "|" + o] = per.get(z + "|" + o, 0) + 1
print(json.dumps({"rows": table.num_rows, "bytes": str(pc.sum(table["byte_count"]).as_py()),
                  "packets": str(pc.sum(table["packet_count"]).as_py()), "files": len(data.files),
                  "type": str(table.schema.field("byte_count").type),
                  "operations": sorted(set(table["flow_operation_id"].to_pylist())),
                  "partitions": per}))
`;

export interface S3Dataset {
  rows: number;
  /** Sums of byte_count and packet_count, as decimal strings (exact past 2^53). */
  bytes: string;
  packets: string;
  /** Data files read. */
  files: number;
  /** The Arrow type pyarrow gives byte_count. */
  type: string;
  operations: string[];
  /** Rows per `availability_zone|flow_operation_id`. */
  partitions: Record<string, number>;
}

/** Reads `bucket/prefix/` (`where`) from moto with pyarrow; `format` is pyarrow's (parquet, csv, ...). */
export async function readS3Dataset(moto: Moto, where: string, format: string): Promise<S3Dataset> {
  const args = [
    '-c',
    PYARROW_READ,
    new URL(moto.endpoint).host,
    TEST_CREDENTIALS.accessKeyId,
    TEST_CREDENTIALS.secretAccessKey,
    where,
    format,
  ];
  // Asynchronous: moto answers meanwhile. No instance metadata lookups (only 127.0.0.1 is reachable).
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/tmp',
    AWS_EC2_METADATA_DISABLED: 'true',
  };
  const py = await new Promise<{ status: number; stdout: string; stderr: string }>((resolve) => {
    execFile('python3', args, { encoding: 'utf8', env, timeout: 90_000 }, (error, stdout, stderr) =>
      resolve({ status: error ? 1 : 0, stdout, stderr }),
    );
  });
  expect(py.status, py.stderr).toBe(0);
  return JSON.parse(py.stdout) as S3Dataset;
}
