/**
 * UTF-8 writing for the Utf8 column builders. Addresses, ARNs, IDs, AZs and protocol names are ASCII:
 * a char-code loop writes them without a TextEncoder call (a native call costs more than the loop for
 * strings this short); the first non-ASCII code unit hands the rest to `encodeInto`, which writes
 * exactly what TextEncoder would (lone surrogates become U+FFFD).
 */
const encoder = new TextEncoder();

/** Most bytes one UTF-16 code unit can take in UTF-8: reserve `text.length * MAX_UTF8_PER_UNIT`. */
export const MAX_UTF8_PER_UNIT = 3;

/** Writes `text` as UTF-8 at `at`; `bytes` must have room for `text.length * 3` bytes. Returns the end. */
export function writeUtf8(bytes: Uint8Array, at: number, text: string): number {
  const n = text.length;
  let i = 0;
  for (; i < n; i++) {
    const code = text.charCodeAt(i);
    if (code > 0x7f) break;
    bytes[at + i] = code;
  }
  if (i === n) return at + n;
  return at + i + encoder.encodeInto(i === 0 ? text : text.slice(i), bytes.subarray(at + i)).written;
}

/** A byte buffer at least `needed` long holding `bytes[0, used)`: `bytes` itself or a doubled copy. */
export function grow(bytes: Uint8Array, used: number, needed: number): Uint8Array {
  if (needed <= bytes.length) return bytes;
  let size = Math.max(bytes.length * 2, 64);
  while (size < needed) size *= 2;
  const grown = new Uint8Array(size);
  grown.set(bytes.subarray(0, used));
  return grown;
}
