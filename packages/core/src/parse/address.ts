import { describeValue, NfwError } from '../errors.js';
import type { ParsedAddress } from '../types.js';
import { formatIPv4, formatIPv6, makeParsedAddress, maskBytes, samePrefix } from './address-build.js';
import { parseAddressFast } from './address-fast.js';
import { parseAddressReference } from './address-reference.js';

/**
 * Memo of recent successful parses: flows repeat the same few thousand talkers. Two generations of at
 * most MEMO_LIMIT entries each: when the young one is full it becomes the old one and the previous
 * old one is dropped, so at most 2 * MEMO_LIMIT addresses (a few MB) are kept and recently used ones
 * survive without per-hit bookkeeping. Errors are never memoized.
 * When traffic does not repeat (fewer than 1 in 4 lookups hit over a window), the memo only costs:
 * its entries live long enough to be promoted and collected by full GCs. Then it is bypassed for a
 * while and tried again; each failed try doubles the bypass (up to MAX_BYPASS parses).
 */
const MEMO_LIMIT = 8192;
const WINDOW = 4096;
const MIN_HITS = WINDOW / 4;
const MIN_BYPASS = 16 * WINDOW;
const MAX_BYPASS = 256 * WINDOW;
let young = new Map<string, ParsedAddress>();
let old = new Map<string, ParsedAddress>();
let lookups = 0;
let hits = 0;
let bypass = 0;
let nextBypass = MIN_BYPASS;

function remember(text: string, parsed: ParsedAddress): void {
  if (young.size >= MEMO_LIMIT) {
    old = young;
    young = new Map();
  }
  young.set(text, parsed);
}

/**
 * The memo's own copy of a result. Allocating memo entries at their own site matters: if the
 * parsers' results were kept, V8 would see that allocation site's objects survive and pretenure it,
 * allocating every later result (even unmemoized ones) in old space: 2-4x slower and hundreds of MB
 * more on non-repeating traffic.
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

/** Memo state, for tests of its bound and its bypass. */
export function addressMemoStats(): { entries: number; bypassing: boolean } {
  return { entries: young.size + old.size, bypassing: bypass > 0 };
}

/**
 * Parse an `AddressDefinition` (`10.0.0.9`, `10.0.0.0/24`, `2001:db8::1`, `fe80::1/64`).
 * Throws NfwError NFW_INVALID_ADDRESS | NFW_AMBIGUOUS_IPV4 | NFW_INVALID_PREFIX with `field` and `value`.
 * The result is frozen and may be shared with other calls on the same text (treat `bytes` as read-only).
 */
export function parseAddress(text: string, field?: string): ParsedAddress {
  if (typeof text !== 'string') return parseAddressReference(text, field); // throws
  if (bypass > 0) {
    bypass--;
    return parseAddressFast(text) ?? parseAddressReference(text, field);
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
  let parsed = young.get(text);
  if (parsed !== undefined) {
    hits++;
    return parsed;
  }
  parsed = old.get(text);
  if (parsed !== undefined) {
    hits++;
    remember(text, parsed); // still in use: keep it past the next rotation
    return parsed;
  }
  // The memo outlives the record: keep an own copy of the text, not a slice of a whole input chunk.
  const own = ownCopy(text);
  parsed = memoEntry(parseAddressFast(own) ?? parseAddressReference(text, field));
  remember(own, parsed);
  return parsed;
}

/**
 * A copy of `text` that does not keep a larger string alive. A substring (a regex match, a slice of
 * a JSON chunk) is a V8 sliced string holding its whole parent; concatenating forces a flat copy, and
 * the slice of that copy holds only the copy.
 */
function ownCopy(text: string): string {
  return ` ${text}`.slice(1);
}

/**
 * The network of `address` at `prefixLength` (for /24 roll-ups), as a ParsedAddress whose text is
 * `network/prefix` (just the address at /32 or /128, as for any host). Never narrower than the address itself: masking 10.1.0.0/16 at /24 gives
 * 10.1.0.0/16. Throws NFW_INVALID_PREFIX (field `prefixLength`) outside 0..32 / 0..128.
 */
export function maskAddress(address: ParsedAddress, prefixLength: number): ParsedAddress {
  const max = address.family === 4 ? 32 : 128;
  if (!Number.isInteger(prefixLength) || prefixLength < 0 || prefixLength > max) {
    throw new NfwError(
      'NFW_INVALID_PREFIX',
      `Invalid prefix length ${describeValue(prefixLength)}: expected an integer 0..${max} for IPv${address.family}`,
      { field: 'prefixLength', value: prefixLength },
    );
  }
  const prefix = Math.min(prefixLength, address.prefixLength);
  if (prefix === address.prefixLength && address.address === address.network) return address;
  const bytes = maskBytes(address.bytes, address.family, prefix);
  const text = address.family === 4 ? formatIPv4(bytes) : formatIPv6(bytes);
  return makeParsedAddress(address.family, text, prefix, bytes);
}

/** True when `address` (with its whole prefix) lies inside `network`. Different families never contain each other. */
export function addressContains(network: ParsedAddress, address: ParsedAddress): boolean {
  if (network.family !== address.family || address.prefixLength < network.prefixLength) return false;
  const offset = network.family === 4 ? 96 : 0;
  return samePrefix(network.bytes, address.bytes, offset + network.prefixLength);
}

/** The text form of a parsed address: `address` for a host, `address/prefix` otherwise (= `address.text`). */
export function formatAddress(address: ParsedAddress): string {
  return address.text;
}
