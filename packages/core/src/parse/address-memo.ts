import type { ParsedAddress } from '../types.js';

/**
 * The one memo of parsed addresses (parseAddress, and so every normalizer): flows repeat the same few
 * thousand talkers. Two generations of at most MEMO_LIMIT entries each: when the young one is full it
 * becomes the old one and the previous old one is dropped, so memory stays flat and addresses still in
 * use survive a rotation without per-hit bookkeeping. Errors are never memoized.
 * IPv4 hosts (most addresses) are keyed by their 32-bit value in open-addressing typed-array tables,
 * which avoids hashing each fresh string; a strict dotted quad is its own canonical text, so equal
 * values mean equal texts. Everything else is keyed by its text in Map generations.
 * When traffic does not repeat (fewer than 1 in 4 lookups hit over a window), the memo only costs: its
 * entries live long enough to be promoted and collected by full GCs. Then it is bypassed for a while
 * and tried again; each failed try doubles the bypass (up to MAX_BYPASS lookups).
 */
export const MEMO_LIMIT = 16_384;
const WINDOW = 4096;
const MIN_HITS = WINDOW / 4;
const MIN_BYPASS = 16 * WINDOW;
const MAX_BYPASS = 256 * WINDOW;

/** Slots per table: a power of two, at least twice MEMO_LIMIT (load factor at most 1/2, so probes end). */
const V4_BITS = 32 - Math.clz32(MEMO_LIMIT * 2 - 1);
const V4_SLOTS = 1 << V4_BITS;
const V4_SHIFT = 32 - V4_BITS;

/** Open addressing (linear probing) from an IPv4 value to its parsed address; keys stored as value + 1. */
class V4Table {
  readonly #keys = new Float64Array(V4_SLOTS);
  readonly #values: (ParsedAddress | undefined)[] = [];
  size = 0;

  constructor() {
    for (let i = 0; i < V4_SLOTS; i++) this.#values.push(undefined); // packed, not holey
  }

  get(v4: number): ParsedAddress | undefined {
    const keys = this.#keys;
    const key = v4 + 1;
    for (let slot = Math.imul(v4, 0x9e3779b1) >>> V4_SHIFT; ; slot = (slot + 1) & (V4_SLOTS - 1)) {
      const k = keys[slot]!;
      if (k === key) return this.#values[slot];
      if (k === 0) return undefined;
    }
  }

  set(v4: number, value: ParsedAddress): void {
    const keys = this.#keys;
    const key = v4 + 1;
    for (let slot = Math.imul(v4, 0x9e3779b1) >>> V4_SHIFT; ; slot = (slot + 1) & (V4_SLOTS - 1)) {
      const k = keys[slot]!;
      if (k === key || k === 0) {
        if (k === 0) this.size++;
        keys[slot] = key;
        this.#values[slot] = value;
        return;
      }
    }
  }

  clear(): this {
    this.#keys.fill(0);
    this.#values.fill(undefined);
    this.size = 0;
    return this;
  }
}

/**
 * The 32-bit value of a strict dotted quad without a prefix (four decimals 0..255, no leading zeros,
 * nothing else), or -1 for any other text (left to the Map generations and the parser).
 */
function ipv4HostValue(text: string): number {
  const length = text.length;
  if (length < 7 || length > 15) return -1;
  let value = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || dots === 3) return -1;
      value = value * 256 + part;
      part = 0;
      digits = 0;
      dots++;
    } else if (c >= 48 && c <= 57) {
      if (digits === 1 && part === 0) return -1; // leading zero
      part = part * 10 + (c - 48);
      if (part > 255) return -1;
      digits++;
    } else {
      return -1;
    }
  }
  if (dots !== 3 || digits === 0) return -1;
  return value * 256 + part;
}

/**
 * The memo's own copy of a result. Memo entries are allocated at their own site: if the parsers'
 * results were kept, V8 would see that allocation site's objects survive and pretenure it, allocating
 * every later result (even unmemoized ones) in old space.
 */
function memoEntry(parsed: ParsedAddress): ParsedAddress {
  return Object.freeze({
    family: parsed.family,
    address: parsed.address,
    prefixLength: parsed.prefixLength,
    isHost: parsed.isHost,
    network: parsed.network,
    text: parsed.text,
    bytes: parsed.bytes,
  });
}

/**
 * A copy of `text` that does not keep a larger string alive. A substring (a regex match, a slice of a
 * JSON chunk) is a V8 sliced string holding its whole parent; concatenating forces a flat copy, and the
 * slice of that copy holds only the copy.
 */
function ownCopy(text: string): string {
  return ` ${text}`.slice(1);
}

let young = new Map<string, ParsedAddress>();
let old = new Map<string, ParsedAddress>();
let youngV4 = new V4Table();
let oldV4: V4Table | undefined; // made at the first rotation: most processes never rotate
let lookups = 0;
let hits = 0;
let bypass = 0;
let nextBypass = MIN_BYPASS;

/** Memo state, for tests of its bound and its bypass: entries keyed by text and by IPv4 value. */
export function addressMemoStats(): { texts: number; hosts: number; bypassing: boolean } {
  return {
    texts: young.size + old.size,
    hosts: youngV4.size + (oldV4?.size ?? 0),
    bypassing: bypass > 0,
  };
}

/** Empties the memo and its hit statistics (tests start from a known state: the memo is per process). */
export function resetAddressMemo(): void {
  young = new Map();
  old = new Map();
  youngV4 = new V4Table();
  oldV4 = undefined;
  lookups = 0;
  hits = 0;
  bypass = 0;
  nextBypass = MIN_BYPASS;
}

/**
 * `parse(text, field)` through the memo. `parse` must return a frozen ParsedAddress or throw; the memo keeps
 * its own frozen copy, shared by every later call on the same text.
 */
export function memoizedAddress(
  text: string,
  field: string | undefined,
  parse: (text: string, field: string | undefined) => ParsedAddress,
): ParsedAddress {
  if (bypass > 0) {
    bypass--;
    return parse(text, field);
  }
  if (++lookups === WINDOW) {
    if (hits < MIN_HITS) {
      bypass = nextBypass;
      nextBypass = Math.min(2 * nextBypass, MAX_BYPASS);
    } else {
      nextBypass = MIN_BYPASS;
    }
    lookups = 0;
    hits = 0;
  }
  const v4 = ipv4HostValue(text);
  if (v4 >= 0) {
    let value = youngV4.get(v4);
    if (value !== undefined) {
      hits++;
      return value;
    }
    value = oldV4?.get(v4);
    if (value !== undefined) hits++;
    else value = memoEntry(parse(text, field));
    if (youngV4.size >= MEMO_LIMIT) {
      const spare = oldV4;
      oldV4 = youngV4;
      youngV4 = spare === undefined ? new V4Table() : spare.clear();
    }
    youngV4.set(v4, value); // still in use: keep it past the next rotation
    return value;
  }
  let value = young.get(text);
  if (value !== undefined) {
    hits++;
    return value;
  }
  let key = text;
  value = old.get(text);
  if (value !== undefined) hits++;
  else {
    // The memo outlives the record: keep an own copy of the text, not a slice of a whole input chunk.
    key = ownCopy(text);
    value = memoEntry(parse(key, field));
  }
  if (young.size >= MEMO_LIMIT) {
    old = young;
    young = new Map();
  }
  young.set(key, value);
  return value;
}
