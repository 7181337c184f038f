/**
 * The row groups of a Parquet file (rows and compressed bytes of each), read from its footer by
 * parquet-wasm, the library that wrote it. The file is opened as a Blob, so only the footer is read.
 */
import { openAsBlob } from 'node:fs';
import { createRequire } from 'node:module';
import { NfwError } from '@nfw-flows/core';
import type * as ParquetWasm from 'parquet-wasm';
import type { Batch } from './part-rotation.js';

// Loaded on first use: only a partition over --max-file-size needs it.
let loaded: typeof ParquetWasm | undefined;

/** Rows and compressed bytes of each row group of the Parquet file `file`, in file order. */
export async function parquetRowGroups(file: string): Promise<Batch[]> {
  loaded ??= createRequire(import.meta.url)('parquet-wasm') as typeof ParquetWasm;
  let parquet: ParquetWasm.ParquetFile | undefined;
  try {
    parquet = await loaded.ParquetFile.fromFile(await openAsBlob(file));
    const metadata = parquet.metadata();
    return metadata.rowGroups().map((group) => {
      const batch = { rows: group.numRows(), bytes: group.compressedSize() };
      group.free();
      return batch;
    });
  } catch (error) {
    throw new NfwError('NFW_OUTPUT_FAILED', `cannot read the row groups of ${file}: ${String(error)}`, {
      cause: error,
    });
  } finally {
    parquet?.free();
  }
}
