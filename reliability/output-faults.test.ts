import { describe, expect, test } from 'vitest';
import { outputFault, SERIALIZERS } from './output-faults.js';

describe('serializers into a failing Writable', () => {
  for (const format of Object.keys(SERIALIZERS)) {
    for (const [code, failAfter] of [
      ['ENOSPC', 0],
      ['ENOSPC', 100_000],
      ['EPIPE', 4096],
    ] as const) {
      test(`${format}: ${code} after ${failAfter} bytes rejects the pipeline and stops reading`, async () => {
        const r = await outputFault(format, code, failAfter);
        expect(r.outcome).toBe(`rejected ${code}`);
        // The source is not drained into memory after the failure (bounded by buffers and one batch).
        expect(r.pulled).toBeLessThan(r.total);
      });
    }
  }
});
