import { describeValue, NfwError } from '../errors.js';
import type { PortRange } from '../types.js';

/**
 * Parse `SourcePort`/`DestinationPort`: `"443"` -> 443..443, `"1990:1994"` -> 1990..1994 (A <= B),
 * `"ANY"` (any case) -> 0..65535 with any=true. Ports are plain decimals 0..65535: no signs, spaces,
 * exponents, hex or leading zeros (`"080"` is rejected). Throws NFW_INVALID_PORT with `field`/`value`.
 * Returns a fresh object on every call.
 */
export function parsePortRange(text: string, field?: string): PortRange {
  if (typeof text === 'string') {
    const colon = text.indexOf(':');
    if (colon < 0) {
      const port = portNumber(text, 0, text.length);
      if (port >= 0) return { from: port, to: port, any: false };
      if (text.length === 3 && text.toUpperCase() === 'ANY') return { from: 0, to: 65535, any: true };
    } else {
      const from = portNumber(text, 0, colon);
      const to = portNumber(text, colon + 1, text.length);
      if (from >= 0 && to >= from) return { from, to, any: false };
    }
  }
  const where = field === undefined ? '' : ` in ${field}`;
  throw new NfwError(
    'NFW_INVALID_PORT',
    `Invalid port ${describeValue(text)}${where}: expected a port 0..65535, a range "A:B" with A <= B, or "ANY"`,
    { ...(field === undefined ? {} : { field }), value: text },
  );
}

/** The decimal port in text[start, end), or -1 when it is not a plain decimal 0..65535. */
function portNumber(text: string, start: number, end: number): number {
  const length = end - start;
  if (length < 1 || length > 5) return -1;
  if (length > 1 && text.charCodeAt(start) === 48) return -1; // leading zero
  let value = 0;
  for (let i = start; i < end; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value <= 65535 ? value : -1;
}
