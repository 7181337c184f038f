/**
 * File-source fuzzing: real capture files (every shape, gzip or not) mutated by truncation, byte flips,
 * wrong JSON types, deep nesting, huge strings, invalid UTF-8 and gzip garbage, read with
 * flowResultsFromFile. Invariants: only NfwError with a documented code; a structural fault is
 * NFW_INVALID_INPUT with its byte offset (or the response it is about); a truncated file never reads as
 * complete; the records read before the fault are counted (consumer count = summary) and are a prefix of
 * the clean read; memory stays bounded (peak RSS / heap growth measured).
 */
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { gzipSync } from 'node:zlib';
import { ndjsonLineFormatter } from '../packages/core/src/engine.js';
import {
  type FlowRecord,
  flowResultsFromFile,
  isNfwError,
  NFW_ERROR_CODES,
} from '../packages/core/src/index.js';
import {
  type CaptureFileShape,
  captureFileText,
  createFlowGenerator,
  deeplyNestedJson,
  hugeStringPageChunks,
} from '../packages/fixtures/src/index.js';
import { createRandom, type Random } from './random.js';

const line = ndjsonLineFormatter().format;

export interface ReadOutcome {
  /** Records the consumer received, as canonical lines. */
  lines: string[];
  rejected: number;
  error: unknown;
  summary: { emitted: number; rejected: number; received: number };
  /** Peak growth over the baseline while reading, in bytes. */
  peakRssGrowth: number;
  peakHeapGrowth: number;
}

/** Reads a source to its end or its error, sampling memory every 10 ms. */
export async function readSource(source: string | NodeJS.ReadableStream): Promise<ReadOutcome> {
  const base = process.memoryUsage();
  let peakRss = base.rss;
  let peakHeap = base.heapUsed;
  const sample = () => {
    const m = process.memoryUsage();
    if (m.rss > peakRss) peakRss = m.rss;
    if (m.heapUsed > peakHeap) peakHeap = m.heapUsed;
  };
  const timer = setInterval(sample, 10);
  const lines: string[] = [];
  let rejected = 0;
  let error: unknown;
  const stream = flowResultsFromFile(source);
  stream.on('reject', () => {
    rejected++;
  });
  try {
    for await (const record of stream as AsyncIterable<FlowRecord>) lines.push(line(record));
  } catch (e) {
    error = e;
  } finally {
    clearInterval(timer);
    sample();
  }
  const s = stream.summary();
  return {
    lines,
    rejected,
    error,
    summary: { emitted: s.emitted, rejected: s.rejected, received: s.received },
    peakRssGrowth: peakRss - base.rss,
    peakHeapGrowth: peakHeap - base.heapUsed,
  };
}

export type Expect = 'invalid-input' | 'invalid-input-or-reject' | 'documented';

export interface FileCaseResult {
  name: string;
  mutation: string;
  code: string;
  offset: number | undefined;
  emitted: number;
  rejected: number;
  peakRssGrowth: number;
  peakHeapGrowth: number;
  violations: string[];
}

/** Checks an outcome against the invariants; `clean` is the clean read of the unmutated file. */
export function judge(
  name: string,
  mutation: string,
  expect: Expect,
  outcome: ReadOutcome,
  clean?: readonly string[],
): FileCaseResult {
  const v: string[] = [];
  const e = outcome.error;
  let code = 'ok';
  let offset: number | undefined;
  if (e !== undefined) {
    if (!isNfwError(e)) v.push(`non-NfwError: ${String(e)}`);
    else {
      code = e.code;
      offset = e.offset;
      if (!(NFW_ERROR_CODES as readonly string[]).includes(e.code)) v.push(`undocumented code ${e.code}`);
      if (
        e.code === 'NFW_INVALID_INPUT' &&
        e.offset === undefined &&
        e.page === undefined &&
        e.field === undefined
      )
        v.push('NFW_INVALID_INPUT without offset, page or field');
    }
  }
  if (expect === 'invalid-input' && code !== 'NFW_INVALID_INPUT')
    v.push(`expected NFW_INVALID_INPUT, got ${code}`);
  if (expect === 'invalid-input-or-reject' && code !== 'NFW_INVALID_INPUT' && outcome.rejected === 0)
    v.push(`expected NFW_INVALID_INPUT or a rejected record, got ${code} with 0 rejected`);
  const s = outcome.summary;
  if (s.emitted !== outcome.lines.length)
    v.push(`summary.emitted ${s.emitted} != records received ${outcome.lines.length}`);
  if (s.rejected !== outcome.rejected)
    v.push(`summary.rejected ${s.rejected} != reject events ${outcome.rejected}`);
  if (s.received !== s.emitted + s.rejected) v.push('summary.received != emitted + rejected');
  if (
    clean !== undefined &&
    (outcome.lines.length > clean.length || outcome.lines.some((l, i) => l !== clean[i]))
  )
    v.push('records before the fault are not a prefix of the clean read');
  return {
    name,
    mutation,
    code,
    offset,
    emitted: s.emitted,
    rejected: s.rejected,
    peakRssGrowth: outcome.peakRssGrowth,
    peakHeapGrowth: outcome.peakHeapGrowth,
    violations: v,
  };
}

const SHAPES: CaptureFileShape[] = ['page', 'cli', 'pages', 'jsonl'];

export function baseFile(shape: CaptureFileShape, flows: number, seed: number): Buffer {
  const generator = createFlowGenerator({ seed, count: flows });
  return Buffer.from([...captureFileText({ generator, shape, pageSize: 37 })].join(''), 'utf8');
}

function lastSignificant(bytes: Buffer): number {
  let end = bytes.length;
  while (end > 0 && (bytes[end - 1] === 0x0a || bytes[end - 1] === 0x20 || bytes[end - 1] === 0x0d)) end--;
  return end;
}

interface Mutant {
  mutation: string;
  bytes: Buffer;
  expect: Expect;
  prefixOfClean: boolean;
}

/** Byte positions of every `"<key>":` value start in the file. */
function valuePositions(bytes: Buffer, key: string): number[] {
  const needle = Buffer.from(`"${key}":`);
  const out: number[] = [];
  for (let at = bytes.indexOf(needle); at >= 0; at = bytes.indexOf(needle, at + 1)) {
    let p = at + needle.length;
    while (bytes[p] === 0x20) p++;
    out.push(p);
  }
  return out;
}

function replaceValue(bytes: Buffer, at: number, replacement: string): Buffer {
  // The value ends at the next , } ] outside a string (values here are scalars or short strings).
  let end = at;
  if (bytes[at] === 0x22) {
    end = at + 1;
    while (bytes[end] !== 0x22) end += bytes[end] === 0x5c ? 2 : 1;
    end++;
  } else while (end < bytes.length && ![0x2c, 0x7d, 0x5d, 0x0a].includes(bytes[end]!)) end++;
  return Buffer.concat([bytes.subarray(0, at), Buffer.from(replacement), bytes.subarray(end)]);
}

/** Mutants of one base file, drawn from `rng`. */
export function mutants(base: Buffer, rng: Random): Mutant[] {
  const out: Mutant[] = [];
  const end = lastSignificant(base);
  const cut = rng.int(1, end - 1);
  out.push({
    mutation: `truncate@${cut}`,
    bytes: base.subarray(0, cut),
    expect: 'invalid-input',
    prefixOfClean: true,
  });
  const flipped = Buffer.from(base);
  const flips = rng.int(1, 4);
  for (let k = 0; k < flips; k++) flipped[rng.int(0, base.length - 1)] = rng.int(0, 255);
  out.push({ mutation: `flip×${flips}`, bytes: flipped, expect: 'documented', prefixOfClean: false });
  const wrongTypes: [string, string, Expect][] = [
    ['ByteCount', '"12"', 'invalid-input-or-reject'],
    ['PacketCount', '-1', 'invalid-input-or-reject'],
    ['Age', '1.5', 'invalid-input-or-reject'],
    ['SourceAddress', '"10.0.0.1"', 'invalid-input-or-reject'],
    ['Flows', '"none"', 'invalid-input'],
    ['Flows', '{}', 'invalid-input'],
    ['FlowOperationStatus', '5', 'invalid-input'],
    ['FirewallArn', '["x"]', 'invalid-input'],
    ['FlowRequestTimestamp', '"yesterday"', 'invalid-input'],
  ];
  const [key, value, expect] = rng.pick(wrongTypes);
  const positions = valuePositions(base, key);
  if (positions.length > 0) {
    out.push({
      mutation: `${key}=${value}`,
      bytes: replaceValue(base, rng.pick(positions), value),
      expect,
      prefixOfClean: false,
    });
  }
  // Invalid UTF-8 inside a metadata string and inside an address string.
  for (const k of ['FirewallArn', 'AddressDefinition']) {
    const ps = valuePositions(base, k);
    if (ps.length === 0) continue;
    const at = rng.pick(ps) + 2;
    const bad = Buffer.concat([base.subarray(0, at), Buffer.from([0xc3, 0x28, 0xff]), base.subarray(at)]);
    out.push({ mutation: `invalid-utf8 in ${k}`, bytes: bad, expect: 'invalid-input', prefixOfClean: true });
  }
  const gz = gzipSync(base);
  out.push({
    mutation: 'gzip truncated',
    bytes: gz.subarray(0, rng.int(10, gz.length - 9)),
    expect: 'invalid-input',
    prefixOfClean: true,
  });
  const garbage = Buffer.alloc(rng.int(16, 4096));
  for (let i = 0; i < garbage.length; i++) garbage[i] = rng.int(0, 255);
  garbage[0] = 0x1f;
  garbage[1] = 0x8b;
  out.push({ mutation: 'gzip garbage', bytes: garbage, expect: 'invalid-input', prefixOfClean: true });
  const gzFlip = Buffer.from(gz);
  gzFlip[rng.int(10, gz.length - 9)]! ^= 1 << rng.int(0, 7);
  out.push({ mutation: 'gzip bit flip', bytes: gzFlip, expect: 'documented', prefixOfClean: false });
  return out;
}

/** Chunks of a buffer split at random places (the reader must not care where chunks end). */
function chunked(bytes: Buffer, rng: Random): Readable {
  const parts: Buffer[] = [];
  for (let at = 0; at < bytes.length; ) {
    const n = rng.int(1, 8192);
    parts.push(bytes.subarray(at, at + n));
    at += n;
  }
  return Readable.from(parts);
}

export interface FileFuzzOptions {
  seed: number;
  /** Base files per shape (each gives ~8 mutants). */
  rounds: number;
  flows: number;
}

export async function fuzzFiles(options: FileFuzzOptions): Promise<FileCaseResult[]> {
  const results: FileCaseResult[] = [];
  for (let round = 0; round < options.rounds; round++) {
    for (const [s, shape] of SHAPES.entries()) {
      const rng = createRandom(options.seed, round * 16 + s);
      const base = baseFile(shape, rng.int(1, options.flows), options.seed + round);
      const clean = await readSource(Readable.from([base]));
      if (clean.error !== undefined) throw new Error(`clean ${shape} file failed: ${String(clean.error)}`);
      for (const m of mutants(base, rng)) {
        const outcome = await readSource(chunked(m.bytes, rng));
        results.push(
          judge(
            `${shape}#${round}`,
            m.mutation,
            m.expect,
            outcome,
            m.prefixOfClean ? clean.lines : undefined,
          ),
        );
      }
    }
  }
  return results;
}

/** Hostile inputs: nesting `depth` deep (top level and inside a record) and a string of `hugeBytes`. */
export async function hostileFiles(options: { depth: number; hugeBytes: number }): Promise<FileCaseResult[]> {
  const results: FileCaseResult[] = [];
  const top = Buffer.from(deeplyNestedJson(options.depth, 'top'));
  results.push(
    judge('nested', `top ${options.depth} deep`, 'invalid-input', await readSource(Readable.from([top]))),
  );
  const rec = Buffer.from(deeplyNestedJson(options.depth, 'record'));
  results.push(
    judge(
      'nested',
      `record ${options.depth} deep`,
      'invalid-input-or-reject',
      await readSource(Readable.from([rec])),
    ),
  );
  // The huge string goes through a real file (as an ETL job would read it), then through a stream.
  const dir = mkdtempSync(path.join(tmpdir(), 'nfw-rel-huge-'));
  try {
    const file = path.join(dir, 'huge.json');
    const out = createWriteStream(file);
    for (const chunk of hugeStringPageChunks(options.hugeBytes))
      if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
    out.end();
    await finished(out);
    results.push(
      judge(
        'huge',
        `${options.hugeBytes} B string (path)`,
        'invalid-input-or-reject',
        await readSource(file),
      ),
    );
    results.push(
      judge(
        'huge',
        `${options.hugeBytes} B string (stream)`,
        'invalid-input-or-reject',
        await readSource(Readable.from(hugeStringPageChunks(options.hugeBytes))),
      ),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return results;
}
