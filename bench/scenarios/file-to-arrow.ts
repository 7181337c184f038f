import { createWriteStream, readFileSync, writeFileSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { flowResultsFromFile, toArrow } from '../core.js';
import { defineScenario } from '../scenario.js';
import { duckConnection, duckCount, duckJsonToParquet, streamJsonCount } from './support/peers.js';
import { loadPlainScript } from './support/plain-script.js';
import { fasterAndLighter, peakRss, timeRatio } from './support/targets.js';
import { cliCaptureFile, fileSize, removeQuietly, runCli, scratchPath } from './support/tools.js';

const JSON_PARSE = 'JSON.parse of the whole file (floor)';
const LIBRARY = 'nfw-flows library: flowResultsFromFile -> toArrow -> file';
const CLI = 'nfw-flows CLI: export --input F --out X.arrow';
const DUCKDB = 'DuckDB read_json -> Parquet';
const PLAIN = 'plain script: JSON.parse + ipaddr.js + tableFromJSON + tableToIPC';

/** Reads the AWS CLI's merged output whole, as a script would (the time floor for any converter). */
function parseWhole(file: string): { Flows: unknown[]; FirewallArn: string; FlowOperationId: string } {
  return JSON.parse(readFileSync(file, 'utf8'));
}

export default defineScenario({
  name: 'file-to-arrow',
  description:
    "A saved capture in the AWS CLI's merged pretty format (`aws network-firewall list-flow-operation-results`: one object, metadata after Flows; fixtures generator seed 7, about 418 bytes a flow) converted to an Arrow IPC file, beside the floor (`JSON.parse` of the whole file), stream-json alone (packed options, only reading the flows), DuckDB `read_json` -> Parquet (@duckdb/node-api, in process), and the plain script (`JSON.parse` + ipaddr.js + `tableFromJSON` + `tableToIPC`). The CLI case is a separate `node` process measured from outside (GNU time: wall, CPU, peak RSS, Node start-up included).",
  defaultSize: 1_000_000,
  unit: 'flow',
  cases: [
    {
      name: JSON_PARSE,
      prepare: async (n) => {
        const file = await cliCaptureFile(n);
        return () => String(parseWhole(file).Flows.length);
      },
    },
    {
      name: 'stream-json alone (packed, reading flows)',
      baseline: JSON_PARSE,
      prepare: async (n) => {
        const file = await cliCaptureFile(n);
        return async () => String(await streamJsonCount(file));
      },
    },
    {
      name: LIBRARY,
      baseline: JSON_PARSE,
      prepare: async (n) => {
        const file = await cliCaptureFile(n);
        const out = scratchPath('library.arrow');
        return async () => {
          const source = flowResultsFromFile(file);
          await pipeline(source, toArrow({ format: 'file' }), createWriteStream(out));
          const { emitted } = source.summary();
          const bytes = fileSize(out);
          removeQuietly(out);
          return { check: `${emitted}`, detail: `${(bytes / 2 ** 20).toFixed(0)} MiB Arrow` };
        };
      },
    },
    {
      name: CLI,
      baseline: JSON_PARSE,
      prepare: async (n) => {
        const file = await cliCaptureFile(n);
        const out = scratchPath('cli.arrow');
        return async () => {
          const measured = await runCli(['export', '--input', file, '--out', out, '--quiet', '--force']);
          const bytes = fileSize(out);
          removeQuietly(out);
          return { ...measured, check: String(bytes), detail: 'separate process' };
        };
      },
    },
    {
      name: DUCKDB,
      baseline: JSON_PARSE,
      prepare: async (n) => {
        const file = await cliCaptureFile(n);
        const connection = await duckConnection();
        const out = scratchPath('duckdb.parquet');
        return async () => {
          await duckJsonToParquet(connection, file, fileSize(file), out);
          const count = await duckCount(connection, out);
          const bytes = fileSize(out);
          removeQuietly(out);
          return { check: String(count), detail: `${(bytes / 2 ** 20).toFixed(0)} MiB Parquet` };
        };
      },
    },
    {
      name: PLAIN,
      baseline: JSON_PARSE,
      prepare: async (n) => {
        const file = await cliCaptureFile(n);
        const script = await loadPlainScript();
        const out = scratchPath('plain.arrow');
        return () => {
          const doc = parseWhole(file);
          const bytes = script.convert(doc.Flows, {
            firewallArn: doc.FirewallArn,
            flowOperationId: doc.FlowOperationId,
          });
          writeFileSync(out, bytes);
          removeQuietly(out);
          return String(bytes.length);
        };
      },
    },
  ],
  targets: [
    timeRatio(LIBRARY, JSON_PARSE, 1.5),
    peakRss(LIBRARY, 200),
    timeRatio(CLI, JSON_PARSE, 1.5),
    peakRss(CLI, 200),
    fasterAndLighter(LIBRARY, DUCKDB),
    fasterAndLighter(LIBRARY, PLAIN),
  ],
});
