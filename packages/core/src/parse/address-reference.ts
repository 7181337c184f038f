import ipaddr from 'ipaddr.js';
import { describeValue, NfwError } from '../errors.js';
import type { ParsedAddress } from '../types.js';
import { formatIPv6, makeParsedAddress, mappedBytes } from './address-build.js';

/** The longest valid address text: `ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255`. Longer text is
 *  rejected before any regex sees it. */
const MAX_ADDRESS_LENGTH = 45;

/** Prefix lengths are plain decimals without leading zeros (`/08` is rejected like `010.0.0.1`). */
const PREFIX = /^(?:0|[1-9]\d{0,2})$/;

/**
 * The reference address parser: ipaddr.js does the parsing, wrapped in the strictness ipaddr.js
 * lacks (it reads `010.0.0.1` as octal, `10.1` as 10.0.0.1, accepts zone ids, and turns `::1.2.3.4`
 * into `::ffff:1.2.3.4`). It is the source of truth for every error; `parseAddress` only answers
 * without it when the fast path recognizes a plain valid address.
 */
export function parseAddressReference(text: unknown, field?: string): ParsedAddress {
  if (typeof text !== 'string') {
    throw addressError('NFW_INVALID_ADDRESS', 'expected an IPv4 or IPv6 address as a string', text, field);
  }
  const slash = text.indexOf('/');
  const addressText = slash < 0 ? text : text.slice(0, slash);
  if (addressText.length > MAX_ADDRESS_LENGTH) {
    throw addressError(
      'NFW_INVALID_ADDRESS',
      'expected an IPv4 or IPv6 address (this text is too long to be one)',
      text,
      field,
    );
  }
  const family = addressText.includes(':') ? 6 : 4;
  const bytes = family === 4 ? ipv4Bytes(addressText, text, field) : ipv6Bytes(addressText, text, field);
  const max = family === 4 ? 32 : 128;
  let prefixLength = max;
  if (slash >= 0) {
    const prefixText = text.slice(slash + 1);
    prefixLength = Number(prefixText);
    if (!PREFIX.test(prefixText) || prefixLength > max) {
      throw addressError(
        'NFW_INVALID_PREFIX',
        `expected a prefix length 0..${max} in plain decimal after "/"`,
        text,
        field,
      );
    }
  }
  const address = family === 4 ? addressText : formatIPv6(bytes);
  return makeParsedAddress(family, address, prefixLength, bytes);
}

function ipv4Bytes(addressText: string, raw: string, field: string | undefined): Uint8Array {
  if (ipaddr.IPv4.isValidFourPartDecimal(addressText)) {
    const [a, b, c, d] = ipaddr.IPv4.parse(addressText).octets as [number, number, number, number];
    return mappedBytes(a, b, c, d);
  }
  if (ipaddr.IPv4.isValid(addressText)) {
    // A lax parser (inet_aton, ipaddr.js) reads this as some address: octal, hex, or short form.
    throw addressError(
      'NFW_AMBIGUOUS_IPV4',
      'expected a four-part decimal IPv4 address without leading zeros (octal, hex and short forms are ambiguous)',
      raw,
      field,
    );
  }
  throw addressError(
    'NFW_INVALID_ADDRESS',
    'expected an IPv4 address as four decimals 0..255 (a.b.c.d) or an IPv6 address',
    raw,
    field,
  );
}

function ipv6Bytes(addressText: string, raw: string, field: string | undefined): Uint8Array {
  const invalid = () =>
    addressError(
      'NFW_INVALID_ADDRESS',
      'expected an IPv6 address in RFC 4291 text form (no zone id, no brackets, no spaces)',
      raw,
      field,
    );
  if (addressText.includes('%')) throw invalid(); // zone ids name an interface of one host, not an address
  let hexText = addressText;
  const lastColon = addressText.lastIndexOf(':');
  const tail = addressText.slice(lastColon + 1);
  if (tail.includes('.')) {
    if (!ipaddr.IPv4.isValidFourPartDecimal(tail) || addressText.lastIndexOf('.', lastColon) >= 0) {
      if (ipaddr.IPv6.isValid(addressText)) {
        throw addressError(
          'NFW_AMBIGUOUS_IPV4',
          'expected the embedded IPv4 address as four decimals without leading zeros',
          raw,
          field,
        );
      }
      throw invalid();
    }
    // Rewrite the dotted tail as two hex groups ourselves: ipaddr.js reads `::1.2.3.4` as
    // `::ffff:1.2.3.4`, a different address.
    const [a, b, c, d] = ipaddr.IPv4.parse(tail).octets as [number, number, number, number];
    hexText = `${addressText.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  let parts: number[];
  try {
    parts = ipaddr.IPv6.parse(hexText).parts;
  } catch {
    throw invalid();
  }
  const bytes = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    bytes[2 * i] = parts[i]! >>> 8;
    bytes[2 * i + 1] = parts[i]! & 0xff;
  }
  return bytes;
}

function addressError(
  code: 'NFW_INVALID_ADDRESS' | 'NFW_AMBIGUOUS_IPV4' | 'NFW_INVALID_PREFIX',
  expected: string,
  value: unknown,
  field: string | undefined,
): NfwError {
  const where = field === undefined ? '' : ` in ${field}`;
  return new NfwError(code, `Invalid address ${describeValue(value)}${where}: ${expected}`, {
    ...(field === undefined ? {} : { field }),
    value,
  });
}
