import { Readable } from 'node:stream';
import { tableFromIPC } from 'apache-arrow';
import * as parquet from 'parquet-wasm';
import { describe, expect, it } from 'vitest';
import { flowResultsFromFile } from '../../src/index.js';
import { toArrow, toCsv, toNdjson, toParquet } from '../../src/serialize/index.js';
import { wellFormed } from '../../src/serialize/text-format.js';
import type { ColumnSpec, FlowRecord } from '../../src/types.js';
import { collect } from '../source/helpers.js';
import { runBytes } from './helpers.js';

// Issue 15, point 17: a lone surrogate (valid in a JSON string as `\ud800`) is written as U+FFFD by
// every format, as TextEncoder does; no format keeps it or an escape of it.
const ARN = 'arn:aws:network-firewall:us-east-1:123456789012:firewall/f\ud800x';
const OP = 'op-\udc00';
const WANT_ARN = 'arn:aws:network-firewall:us-east-1:123456789012:firewall/f\ufffdx';
const WANT_OP = 'op-\ufffd';

async function records(): Promise<FlowRecord[]> {
  const text = `{"FirewallArn":"${ARN.replace('\ud800', '\\ud800')}","FlowOperationId":"op-\\udc00","Flows":[{"SourceAddress":{"AddressDefinition":"10.0.0.1"},"DestinationAddress":{"AddressDefinition":"10.0.0.2"},"ByteCount":7}]}`;
  const out = await collect(flowResultsFromFile(Readable.from([Buffer.from(text)])));
  expect(out.error).toBeUndefined();
  // The records keep what the file says.
  expect([out.records[0].firewallArn, out.records[0].flowOperationId]).toEqual([ARN, OP]);
  return out.records;
}

describe('lone surrogates are U+FFFD in every format', () => {
  it('wellFormed replaces only lone surrogates', () => {
    expect(wellFormed('a\ud800b\udc00c')).toBe('a\ufffdb\ufffdc');
    expect(wellFormed('😀 é')).toBe('😀 é');
  });

  it('NDJSON: valid UTF-8, no \\ud800 escape, U+FFFD', async () => {
    const bytes = await runBytes(await records(), toNdjson());
    const text = bytes.toString('utf8');
    expect(text).not.toMatch(/\\u[dD][89a-fA-F]/);
    const row = JSON.parse(text);
    expect([row.firewall_arn, row.flow_operation_id]).toEqual([WANT_ARN, WANT_OP]);
  });

  it('CSV: U+FFFD', async () => {
    const bytes = await runBytes(await records(), toCsv());
    const line = bytes.toString('utf8').split('\n')[1];
    expect(line.split(',').slice(0, 5)).toEqual([WANT_ARN, '', '', '', WANT_OP]);
  });

  it('Arrow file and stream: U+FFFD', async () => {
    for (const format of ['file', 'stream'] as const) {
      const table = tableFromIPC(await runBytes(await records(), toArrow({ format })));
      expect([table.get(0)?.firewall_arn, table.get(0)?.flow_operation_id]).toEqual([WANT_ARN, WANT_OP]);
    }
  });

  it('Parquet: U+FFFD', async () => {
    const bytes = await runBytes(await records(), toParquet());
    const table = tableFromIPC(parquet.readParquet(bytes).intoIPCStream());
    expect([table.get(0)?.firewall_arn, table.get(0)?.flow_operation_id]).toEqual([WANT_ARN, WANT_OP]);
  });

  it('rows with columns: values and column names, NDJSON and CSV alike', async () => {
    const columns: ColumnSpec[] = [{ name: 'k\ud800', type: 'utf8', nullable: false }];
    const rows = [{ 'k\ud800': 'v\udfff' }];
    const ndjson = JSON.parse((await runBytes(rows, toNdjson({ columns }))).toString('utf8'));
    expect(ndjson).toEqual({ 'k\ufffd': 'v\ufffd' });
    const csv = (await runBytes(rows, toCsv({ columns }))).toString('utf8');
    expect(csv).toBe('k\ufffd\nv\ufffd\n');
  });
});
