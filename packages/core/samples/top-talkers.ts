// The top talkers of a saved ListFlowOperationResults response (or an AWS CLI output file), by bytes,
// with IPv4 sources rolled up to /24 and IPv6 sources to /64.
// Usage: node --import tsx top-talkers.ts FILE|- [N]      (N = 0 prints every subnet)
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { flowResultsFromFile, type Row, topTalkers } from '@nfw-flows/core';

const [file, n = '10'] = process.argv.slice(2);
if (!file) {
  console.error('usage: top-talkers.ts FILE|- [N]');
  process.exit(2);
}

const rows: Row[] = [];
await pipeline(
  flowResultsFromFile(file), // JSON, JSON Lines, gzip; '-' is stdin
  topTalkers({ by: 'bytes', key: 'source', mask: { v4: 24, v6: 64 }, n: Number(n) }),
  new Writable({
    objectMode: true,
    write(row: Row, _encoding, done) {
      rows.push(row);
      done();
    },
  }),
);

for (const row of rows) {
  const share = ((row.bytes_share as number) * 100).toFixed(1);
  // bytes, packets and flows are bigint: exact 64-bit sums.
  console.log(`${row.rank}\t${row.key}\t${row.bytes} bytes\t${share}%\t${row.flows} flows`);
}
