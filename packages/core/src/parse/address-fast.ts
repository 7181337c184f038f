import type { ParsedAddress } from '../types.js';
import { formatIPv6, makeParsedAddress, mappedBytes } from './address-build.js';

/**
 * Hand-written parser for the common valid forms: a strict dotted quad and plain IPv6 text (with
 * `::` and an embedded dotted quad), each with an optional prefix. It answers only when the text is
 * valid; anything else (every error, every odd form) returns undefined and goes to the ipaddr.js
 * reference parser, which decides. Property tests check that it agrees with the reference and with
 * Node's inet_pton/inet_ntop.
 */
export function parseAddressFast(text: string): ParsedAddress | undefined {
  const length = text.length;
  let end = length;
  let colon = false;
  for (let i = 0; i < length; i++) {
    const ch = text.charCodeAt(i);
    if (ch === 58) colon = true;
    else if (ch === 47) {
      end = i;
      break;
    }
  }
  let prefix = -1;
  if (end < length) {
    prefix = prefixLength(text, end + 1, length, colon ? 128 : 32);
    if (prefix < 0) return undefined;
  }
  const address = end === length ? text : text.slice(0, end);
  if (!colon) {
    const value = dottedQuad(address, 0, end);
    if (value < 0) return undefined;
    const bytes = mappedBytes(value >>> 24, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff);
    return makeParsedAddress(4, address, prefix < 0 ? 32 : prefix, bytes);
  }
  const bytes = ipv6Bytes(address, end);
  if (bytes === undefined) return undefined;
  return makeParsedAddress(6, formatIPv6(bytes), prefix < 0 ? 128 : prefix, bytes);
}

/** Plain decimal 0..max without leading zeros in text[start, end), or -1. */
function prefixLength(text: string, start: number, end: number, max: number): number {
  const digits = end - start;
  if (digits < 1 || digits > 3 || (digits > 1 && text.charCodeAt(start) === 48)) return -1;
  let value = 0;
  for (let i = start; i < end; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value <= max ? value : -1;
}

/** The strict dotted quad in text[start, end) as an unsigned 32-bit number, or -1. */
function dottedQuad(text: string, start: number, end: number): number {
  let value = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = start; i < end; i++) {
    const ch = text.charCodeAt(i);
    if (ch >= 48 && ch <= 57) {
      if (digits === 1 && octet === 0) return -1; // leading zero: octal to a lax parser
      octet = octet * 10 + (ch - 48);
      if (octet > 255) return -1;
      digits++;
    } else if (ch === 46 && digits > 0 && dots < 3) {
      value = value * 256 + octet;
      octet = 0;
      digits = 0;
      dots++;
    } else {
      return -1;
    }
  }
  if (digits === 0 || dots !== 3) return -1;
  return value * 256 + octet;
}

const groups = new Uint16Array(8); // scratch: parsing is synchronous

/** The 16 bytes of IPv6 text in text[0, end), or undefined when it is not plain valid text. */
function ipv6Bytes(text: string, end: number): Uint8Array | undefined {
  let count = 0;
  let compressAt = -1;
  let i = 0;
  if (text.charCodeAt(0) === 58) {
    if (text.charCodeAt(1) !== 58) return undefined;
    compressAt = 0;
    i = 2;
  }
  while (i < end) {
    const start = i;
    let value = 0;
    for (; i < end && i - start < 5; i++) {
      const ch = text.charCodeAt(i);
      let digit: number;
      if (ch >= 48 && ch <= 57) digit = ch - 48;
      else if (ch >= 97 && ch <= 102) digit = ch - 87;
      else if (ch >= 65 && ch <= 70) digit = ch - 55;
      else break;
      value = value * 16 + digit;
    }
    if (i < end && text.charCodeAt(i) === 46) {
      // embedded dotted quad: the last 32 bits
      if (count > (compressAt < 0 ? 6 : 5)) return undefined;
      const v4 = dottedQuad(text, start, end);
      if (v4 < 0) return undefined;
      groups[count++] = v4 >>> 16;
      groups[count++] = v4 & 0xffff;
      i = end;
      break;
    }
    const digits = i - start;
    if (digits === 0 || digits > 4 || count === 8) return undefined;
    groups[count++] = value;
    if (i === end) break;
    if (text.charCodeAt(i) !== 58) return undefined;
    i++;
    if (i < end && text.charCodeAt(i) === 58) {
      if (compressAt >= 0) return undefined;
      compressAt = count;
      i++;
    } else if (i === end) {
      return undefined; // a trailing single colon
    }
  }
  const bytes = new Uint8Array(16);
  if (compressAt < 0) {
    if (count !== 8) return undefined;
    for (let g = 0; g < 8; g++) {
      bytes[2 * g] = groups[g]! >>> 8;
      bytes[2 * g + 1] = groups[g]! & 0xff;
    }
    return bytes;
  }
  if (count > 7) return undefined; // `::` stands for at least one zero group
  const shift = 8 - count;
  for (let g = 0; g < count; g++) {
    const at = g < compressAt ? g : g + shift;
    bytes[2 * at] = groups[g]! >>> 8;
    bytes[2 * at + 1] = groups[g]! & 0xff;
  }
  return bytes;
}
