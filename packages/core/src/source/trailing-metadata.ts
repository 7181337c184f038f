import type { FileHandle } from 'node:fs/promises';
import { FlowsScanner, type ScanEvents } from './flows-scanner.js';

import { BACKSLASH, LBRACE, LBRACKET, QUOTE, RBRACE, RBRACKET, WS } from './json-bytes.js';

const FIRST_TAIL = 64 << 10;
const MAX_TAIL = 16 << 20;
const CHECK_CHUNK = 1 << 20;

/**
 * Where the last top-level value of `tail` (the bytes of a file from `tailStart` to its end) has its last
 * array member end: the offset of that `]`, or -1 when the bytes do not show one. Read backwards: a `"` is
 * a string delimiter exactly when an even number of backslashes precede it (in valid JSON, outside a string
 * there are none), so strings are skipped without reading the file from its start.
 */
export function lastMemberArrayEnd(tail: Uint8Array, tailStart: number): number {
  let j = tail.length - 1;
  while (j >= 0 && WS[tail[j]] === 1) j--;
  if (j < 0 || tail[j] !== RBRACE) return -1;
  let depth = 1;
  for (j--; j >= 0; j--) {
    const c = tail[j];
    if (c === QUOTE) {
      // Find the quote that opens this string.
      let k = j - 1;
      for (;;) {
        while (k >= 0 && tail[k] !== QUOTE) k--;
        if (k < 0) return -1;
        let b = k - 1;
        while (b >= 0 && tail[b] === BACKSLASH) b--;
        if (b < 0) return -1; // the run of backslashes may go on before the tail: undecided
        if (((k - 1 - b) & 1) === 0) break;
        k--;
      }
      j = k;
    } else if (c === RBRACKET || c === RBRACE) {
      if (c === RBRACKET && depth === 1) return tailStart + j;
      depth++;
    } else if (c === LBRACE || c === LBRACKET) {
      if (--depth === 0) return -1; // the whole value is in the tail and has no array member
    }
  }
  return -1;
}

/** The members of the one response the scanner is given (its Flows is empty). */
class TrailingCollector implements ScanEvents {
  values: Record<string, unknown> = {};
  pages = 0;
  pageStart(): void {
    this.pages++;
  }
  meta(_page: number, key: string, value: unknown): void {
    this.values[key] = value;
  }
  flowsStart(): void {}
  flows(): void {}
  pageEnd(): void {}
}

/**
 * The members that follow `Flows` in a response whose Flows array opens at byte `flowsOffset`, read from
 * the end of the file instead of a pass over all of it. Returns undefined when this cannot be decided
 * (the caller then reads the whole file first), and only returns members that are provably that
 * response's, for any valid JSON file:
 * - E, found from the end, is a `]` that closes an array member of the file's last top-level object T;
 * - no `]` byte lies between `flowsOffset` and E (one native scan, no JSON work).
 * The response's Flows array ends at some `]` after `flowsOffset`, so not before E. If it ended after E, E
 * would be inside it: then T and the response (or the array of responses holding it) both contain E, so
 * are the same top-level value, and E would be both a member of T and nested in Flows. So Flows ends at E,
 * the response is T, and its trailing members are the bytes after E, parsed here by FlowsScanner itself.
 * The main pass still reads the whole file and checks these values against what it finds.
 */
export async function readTrailingMetadata(
  file: FileHandle,
  flowsOffset: number,
  signal: AbortSignal,
): Promise<{ metadata: Record<string, unknown>; flowsEnd: number } | undefined> {
  const size = (await file.stat()).size;
  const first = flowsOffset + 1;
  let tailLength = FIRST_TAIL;
  let tail: Buffer;
  let tailStart: number;
  let end: number;
  for (;;) {
    tailStart = Math.max(first, size - tailLength);
    tail = await readAt(file, tailStart, size - tailStart);
    if (tail.length !== size - tailStart) return undefined;
    end = lastMemberArrayEnd(tail, tailStart);
    if (end >= 0) break;
    if (tailStart === first || tailLength >= MAX_TAIL) return undefined;
    tailLength *= 8;
  }
  if (tail.indexOf(RBRACKET) < end - tailStart) return undefined;
  const scratch = Buffer.allocUnsafe(Math.min(CHECK_CHUNK, Math.max(0, tailStart - first)));
  for (let at = first; at < tailStart; at += CHECK_CHUNK) {
    if (signal.aborted) throw signal.reason;
    const chunk = await readAt(file, at, Math.min(CHECK_CHUNK, tailStart - at), scratch);
    if (chunk.indexOf(RBRACKET) >= 0) return undefined;
  }
  const collector = new TrailingCollector();
  const scanner = new FlowsScanner(collector, { skipFlows: true });
  try {
    scanner.write(Buffer.from('{"Flows":[]'));
    scanner.write(tail.subarray(end + 1 - tailStart));
    scanner.end();
  } catch {
    return undefined; // the main pass reports what is wrong, at its real offset
  }
  if (collector.pages !== 1) return undefined;
  return { metadata: collector.values, flowsEnd: end };
}

async function readAt(file: FileHandle, position: number, length: number, into?: Buffer): Promise<Buffer> {
  const buffer = into ?? Buffer.allocUnsafe(length);
  let got = 0;
  while (got < length) {
    const { bytesRead } = await file.read(buffer, got, length - got, position + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return buffer.subarray(0, got);
}
