/**
 * The records of an export, read back from its job spools in job order: the spools are JSON Lines of
 * responses (page-line.ts), so this is core's file source, as `export --input` reads a saved file.
 */
import { createReadStream, statSync } from 'node:fs';
import { Readable } from 'node:stream';
import { flowResultsFromFile } from '@nfw-flows/core';

export function spoolRecords(spools: readonly string[], signal: AbortSignal): Readable {
  // A job that read no page (a fleet scope never started, a resume with nothing left) has no lines.
  const present = spools.filter((file) => sizeOf(file) > 0);
  if (present.length === 0) return Readable.from([]);
  const source = present.length === 1 ? present[0]! : Readable.from(concatenated(present));
  return flowResultsFromFile(source, { signal });
}

async function* concatenated(files: readonly string[]): AsyncGenerator<Buffer> {
  for (const file of files) yield* createReadStream(file, { highWaterMark: 1 << 20 });
}

function sizeOf(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}
