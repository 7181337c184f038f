import { describeValue, NfwError } from '../errors.js';
import type { ParsedAddress } from '../types.js';
import { formatIPv4, formatIPv6, makeParsedAddress, maskBytes, samePrefix } from './address-build.js';
import { parseAddressFast } from './address-fast.js';
import { memoizedAddress } from './address-memo.js';
import { parseAddressReference } from './address-reference.js';

/**
 * Parse an `AddressDefinition` (`10.0.0.9`, `10.0.0.0/24`, `2001:db8::1`, `fe80::1/64`).
 * Throws NfwError NFW_INVALID_ADDRESS | NFW_AMBIGUOUS_IPV4 | NFW_INVALID_PREFIX with `field` and `value`.
 * The result is frozen and may be shared with other calls on the same text (treat `bytes` as read-only).
 */
export function parseAddress(text: string, field?: string): ParsedAddress {
  if (typeof text !== 'string') return parseAddressReference(text, field); // throws
  return memoizedAddress(text, field, parseUnmemoized);
}

/** The reference parser only runs on what the fast one declines: errors and rare forms. */
function parseUnmemoized(text: string, field: string | undefined): ParsedAddress {
  return parseAddressFast(text) ?? parseAddressReference(text, field);
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
