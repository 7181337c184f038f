/**
 * Cases shared by the file and API scenarios (file-to-arrow, peers, api-to-arrow): an export by the
 * built CLI or by the library as a plain node script (library-export.mjs), each a separate process
 * measured from outside, its output removed once its size is read. Each scenario names its cases and
 * says what it checks and shows.
 */
import type { BenchCase, Measured } from '../../scenario.js';
import { cliCaptureFile, fileSize, removeQuietly, runCli, runLibraryProcess, scratchPath } from './tools.js';

/** What a finished export left: the process's figures, the output's size and (scripts) the records emitted. */
export interface ExportRun {
  ms: number;
  cpuMs?: number;
  maxRssKiB?: number;
  bytes: number;
  emitted: number;
}

/** What a case reports of its export: the check value (compared across runs) and the detail column. */
export type Describe = (run: ExportRun) => { check: string; detail?: string };

/** `nfw-flows export --input FILE --out OUT --quiet --force`, measured from outside. */
export async function cliFileExport(file: string, out: string): Promise<ExportRun> {
  const measured = await runCli(['export', '--input', file, '--out', out, '--quiet', '--force']);
  const bytes = fileSize(out);
  removeQuietly(out);
  return { ...measured, bytes, emitted: Number.NaN };
}

/** The library as a node script: `library-export.mjs <args...> OUT` (OUT is the last argument). */
export async function scriptExport(args: readonly string[], out: string): Promise<ExportRun> {
  const measured = await runLibraryProcess([...args, out]);
  const bytes = fileSize(out);
  removeQuietly(out);
  return { ...measured, bytes };
}

function measuredOf(run: ExportRun, describe: Describe): Measured {
  const { ms, cpuMs, maxRssKiB } = run;
  return {
    ms,
    ...(cpuMs === undefined ? {} : { cpuMs }),
    ...(maxRssKiB === undefined ? {} : { maxRssKiB }),
    ...describe(run),
  };
}

/** A case: the saved capture of `n` flows exported by `exportTo(file, out)` to the scratch file `outName`. */
function fileCase(
  name: string,
  outName: string,
  describe: Describe,
  baseline: string | undefined,
  exportTo: (file: string, out: string) => Promise<ExportRun>,
): BenchCase {
  return {
    name,
    ...(baseline === undefined ? {} : { baseline }),
    prepare: async (n) => {
      const file = await cliCaptureFile(n);
      const out = scratchPath(outName);
      return async () => measuredOf(await exportTo(file, out), describe);
    },
  };
}

/** A case: the saved capture of `n` flows exported by the CLI to the scratch file `outName`. */
export function cliFileCase(name: string, outName: string, describe: Describe, baseline?: string): BenchCase {
  return fileCase(name, outName, describe, baseline, cliFileExport);
}

/** A case: the saved capture of `n` flows exported by the library as a node script (flowResultsFromFile). */
export function scriptFileCase(
  name: string,
  outName: string,
  describe: Describe,
  baseline?: string,
): BenchCase {
  return fileCase(name, outName, describe, baseline, (file, out) => scriptExport(['file', file], out));
}

/** Parquet outputs show their size. */
export const parquetSize = (run: ExportRun) => `${(run.bytes / 2 ** 20).toFixed(1)} MiB Parquet`;
