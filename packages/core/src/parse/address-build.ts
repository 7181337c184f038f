import type { ParsedAddress } from '../types.js';
import { flattenString } from './flatten-string.js';

/**
 * Building blocks shared by both address parsers (the ipaddr.js reference path and the fast path):
 * canonical text, masking and the frozen ParsedAddress object.
 */

/** Dotted quad of the IPv4 address held in bytes 12..15 (the IPv4-mapped position). */
export function formatIPv4(bytes: Uint8Array): string {
  return `${bytes[12]}.${bytes[13]}.${bytes[14]}.${bytes[15]}`;
}

/**
 * RFC 5952 text of a 16-byte IPv6 address: lowercase, no leading zeros in a group, the longest run
 * of two or more zero groups compressed to `::` (the first one on a tie), and the mixed notation of
 * section 5 for IPv4-mapped addresses (`::ffff:0:0/96` -> `::ffff:10.0.0.9`) only.
 */
export function formatIPv6(bytes: Uint8Array): string {
  const groups = scratch;
  let zeroHead = true;
  for (let g = 0; g < 8; g++) {
    groups[g] = (bytes[2 * g]! << 8) | bytes[2 * g + 1]!;
    if (g < 5 && groups[g] !== 0) zeroHead = false;
  }
  if (zeroHead && groups[5] === 0xffff) return `::ffff:${formatIPv4(bytes)}`;
  let bestStart = -1;
  let bestLength = 1; // a single zero group is written as 0, never ::
  let runStart = -1;
  for (let g = 0; g <= 8; g++) {
    if (g < 8 && groups[g] === 0) {
      if (runStart < 0) runStart = g;
    } else if (runStart >= 0) {
      if (g - runStart > bestLength) {
        bestStart = runStart;
        bestLength = g - runStart;
      }
      runStart = -1;
    }
  }
  let text = '';
  let separator = false;
  for (let g = 0; g < 8; ) {
    if (g === bestStart) {
      text += '::';
      separator = false;
      g += bestLength;
      continue;
    }
    const high = bytes[2 * g]!;
    const group = high === 0 ? HEX[bytes[2 * g + 1]!]! : HEX[high]! + HEX2[bytes[2 * g + 1]!]!;
    text += separator ? `:${group}` : group;
    separator = true;
    g++;
  }
  return text;
}

const scratch = new Uint16Array(8); // formatting is synchronous
/** Hex of a byte without and with a leading zero: a group is HEX[high] + HEX2[low], or HEX[low]. */
const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16));
const HEX2 = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

/** A copy of `bytes` with every bit after the prefix cleared (IPv4 prefixes count from bit 96). */
export function maskBytes(bytes: Uint8Array, family: 4 | 6, prefixLength: number): Uint8Array {
  const masked = new Uint8Array(bytes);
  const keep = family === 4 ? 96 + prefixLength : prefixLength;
  const full = keep >>> 3;
  const rest = keep & 7;
  if (full < 16) {
    masked[full]! &= (0xff00 >>> rest) & 0xff;
    masked.fill(0, full + 1);
  }
  return masked;
}

/** True when bits 0..bits-1 of a and b are equal. */
export function samePrefix(a: Uint8Array, b: Uint8Array, bits: number): boolean {
  const full = bits >>> 3;
  for (let i = 0; i < full; i++) if (a[i] !== b[i]) return false;
  const rest = bits & 7;
  if (rest === 0) return true;
  const mask = (0xff00 >>> rest) & 0xff;
  return ((a[full]! ^ b[full]!) & mask) === 0;
}

/**
 * The frozen ParsedAddress for an address whose canonical text and bytes are known. Results are
 * shared between records (memo), so the object is frozen; `bytes` (a Uint8Array cannot be frozen)
 * must be treated as read-only.
 */
export function makeParsedAddress(
  family: 4 | 6,
  address: string,
  prefixLength: number,
  bytes: Uint8Array,
): ParsedAddress {
  const isHost = prefixLength === (family === 4 ? 32 : 128);
  // Serializers read the text once per record, so it is flattened once here. IPv6 text is formatted by
  // concatenation; IPv4 text is the input's own (flat) string or a slice of it.
  if (family === 6) address = flattenString(address);
  let network = address;
  if (!isHost) {
    const masked = maskBytes(bytes, family, prefixLength);
    network = family === 4 ? formatIPv4(masked) : formatIPv6(masked);
  }
  return Object.freeze({
    family,
    address,
    prefixLength,
    isHost,
    network,
    text: isHost ? address : flattenString(`${address}/${prefixLength}`),
    bytes,
  });
}

/** 16 bytes holding an IPv4 address mapped into `::ffff:0:0/96`. */
export function mappedBytes(a: number, b: number, c: number, d: number): Uint8Array {
  const bytes = new Uint8Array(16);
  bytes[10] = 0xff;
  bytes[11] = 0xff;
  bytes[12] = a;
  bytes[13] = b;
  bytes[14] = c;
  bytes[15] = d;
  return bytes;
}
