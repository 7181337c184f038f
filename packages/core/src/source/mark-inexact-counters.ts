import { JsonNumberText } from '../normalize/normalize-flow.js';

/**
 * A counter value that JSON.parse may have changed: anything but digits (a sign, a fraction, an exponent:
 * `-0`, `100.000000000000001`, `1e2`, `1e400`; `null` is fine), or 16 digits or more (beyond 2^53 doubles
 * round). Keys written with escapes (`"Byte\u0043ount"`) are caught by the `\u` test. A match elsewhere
 * only costs the exact walk below. Searching for the key names first keeps this test cheap.
 */
const SUSPECT = /(?:Count|Age)"\s*:\s*(?:\d*[^\dn\s,}\]]|\d{16})/;
/** A counter's text as nfw-flows accepts it: plain decimal digits, no sign, fraction, exponent or leading 0. */
const PLAIN = /^(?:0|[1-9]\d{0,15})$/;
const COUNTERS = new Set(['Age', 'PacketCount', 'ByteCount']);

/**
 * "Never rounded" holds for the text, not only for the double: `text` is `[` + the elements of `flows`
 * + `]`, exactly what JSON.parse read. Every counter (`Age`, `PacketCount`, `ByteCount` of an element)
 * whose text is not a plain decimal integer, or is one beyond 2^53 - 1, is replaced in its Flow by a
 * `JsonNumberText` holding the original text, so the normalizer rejects it and shows that text (not the
 * double: `9007199254740990.9` parses as a safe integer, `1e400` as Infinity). A cheap regex test spares
 * the exact walk for text with no suspect number, which is nearly all of it.
 */
export function markInexactCounters(text: string, flows: unknown[]): void {
  if (!SUSPECT.test(text) && !text.includes('\\u')) return;
  const n = text.length;
  let depth = 0;
  let element = -1;
  let key: string | null = null;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // A string: find its end (escapes skip one character).
      let j = i + 1;
      while (j < n) {
        const d = text.charCodeAt(j);
        if (d === 0x5c) j += 2;
        else if (d === 0x22) break;
        else j++;
      }
      if (depth === 1) element++; // a string element (rejected later as not an object)
      if (depth === 2) {
        key = text.slice(i + 1, j);
        if (key.includes('\\')) key = JSON.parse(text.slice(i, j + 1)) as string;
      }
      i = j;
      continue;
    }
    if (c === 0x7b || c === 0x5b) {
      depth++;
      if (depth === 2) element++;
      key = null;
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
      key = null;
    } else if (c === 0x3a) {
      if (depth !== 2 || key === null || !COUNTERS.has(key)) continue;
      let j = i + 1;
      while (j < n && isSpace(text.charCodeAt(j))) j++;
      const first = text.charCodeAt(j);
      if (first !== 0x2d && (first < 0x30 || first > 0x39)) continue;
      let end = j;
      while (end < n && isNumberChar(text.charCodeAt(end))) end++;
      const raw = text.slice(j, end);
      const flow = flows[element];
      if (!PLAIN.test(raw) || !Number.isSafeInteger(Number(raw))) {
        if (typeof flow === 'object' && flow !== null) {
          (flow as Record<string, unknown>)[key] = new JsonNumberText(raw);
        }
      }
      i = end - 1;
      key = null;
    } else if (c === 0x2c) {
      key = null;
    } else if (depth === 1 && !isSpace(c)) {
      element++; // a scalar element (rejected later as not an object): keep the count aligned
      while (i + 1 < n && !isSpace(text.charCodeAt(i + 1)) && !isEnd(text.charCodeAt(i + 1))) i++;
    }
  }
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

function isEnd(c: number): boolean {
  return c === 0x2c || c === 0x5d;
}

function isNumberChar(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2b || c === 0x2e || c === 0x65 || c === 0x45;
}
