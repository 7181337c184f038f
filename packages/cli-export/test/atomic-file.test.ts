import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterEach, expect, test } from 'vitest';
import { AtomicFile, OUTPUT_HIGH_WATER_MARK } from '../src/output/atomic-file.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

test('the output stream buffers whole batches, and what went through it is the committed file', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'nfw-atomic-'));
  dirs.push(dir);
  const target = path.join(dir, 'out.arrow');
  const file = new AtomicFile(target, { force: false });
  const out = file.stream();
  // A 16 KiB buffer (the default) is full after every Arrow batch, which stalled encoding on each write.
  expect(OUTPUT_HIGH_WATER_MARK).toBeGreaterThanOrEqual(4 << 20);
  expect(out.writableHighWaterMark).toBe(OUTPUT_HIGH_WATER_MARK);
  // Chunks the size of Arrow batches, more of them than the buffer holds.
  const chunks = Array.from({ length: 12 }, (_, i) => Buffer.alloc(900_000 + i, i + 1));
  await pipeline(Readable.from(chunks), out);
  expect(file.size()).toBe(chunks.reduce((n, c) => n + c.length, 0));
  file.commit();
  expect(readFileSync(target).equals(Buffer.concat(chunks))).toBe(true);
});
