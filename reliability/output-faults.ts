/**
 * Library-level output faults: the serializers piped into a Writable that fails like a full disk
 * (ENOSPC) or a closed pipe (EPIPE) after some bytes. The pipeline must reject with that error (not
 * hang, not resolve), and the source must stop being read.
 */
import { Readable, type Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  type FlowContext,
  type FlowRecord,
  normalizeFlow,
  toArrow,
  toCsv,
  toNdjson,
  toParquet,
} from '../packages/core/src/index.js';
import { createFlowGenerator } from '../packages/fixtures/src/index.js';

export class FailingWritable extends Writable {
  written = 0;
  constructor(
    private readonly failAfter: number,
    private readonly code: 'ENOSPC' | 'EPIPE' | 'EIO',
  ) {
    super();
  }
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.written + chunk.length > this.failAfter) {
      const error = Object.assign(new Error(`${this.code}: injected write failure`), { code: this.code });
      callback(error);
      return;
    }
    this.written += chunk.length;
    callback();
  }
}

const CONTEXT: FlowContext = {
  firewallArn: 'arn:aws:network-firewall:us-east-1:123456789012:firewall/out',
  availabilityZone: 'us-east-1a',
  vpcEndpointId: null,
  vpcEndpointAssociationArn: null,
  flowOperationId: '00000000-0000-4000-8000-000000000001',
  flowRequestTimestamp: new Date(0),
};

export const SERIALIZERS: Record<string, () => Transform> = {
  ndjson: () => toNdjson(),
  csv: () => toCsv(),
  arrow: () => toArrow({ batchSize: 1000 }),
  arrows: () => toArrow({ format: 'stream', batchSize: 1000 }),
  parquet: () => toParquet({ rowGroupSize: 1000, compression: 'none' }),
};

export interface OutputFaultResult {
  format: string;
  code: string;
  failAfter: number;
  /** What the pipeline did: 'rejected <code>', 'resolved', or 'hung'. */
  outcome: string;
  /** Records pulled from the source before the pipeline settled (of `total`). */
  pulled: number;
  total: number;
}

export async function outputFault(
  format: string,
  code: 'ENOSPC' | 'EPIPE' | 'EIO',
  failAfter: number,
  total = 20_000,
): Promise<OutputFaultResult> {
  const generator = createFlowGenerator({ seed: 2, count: total });
  let pulled = 0;
  const source = Readable.from(
    (function* () {
      for (const raw of generator.flows()) {
        pulled++;
        yield normalizeFlow(raw, CONTEXT) as FlowRecord;
      }
    })(),
  );
  const sink = new FailingWritable(failAfter, code);
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve('hung'), 20_000);
  });
  const run = pipeline(source, SERIALIZERS[format]!(), sink).then(
    () => 'resolved',
    (error: NodeJS.ErrnoException) => `rejected ${error.code ?? error.name}`,
  );
  const outcome = await Promise.race([run, hang]);
  clearTimeout(timer);
  return { format, code, failAfter, outcome, pulled, total };
}
