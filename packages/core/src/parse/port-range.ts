import { describeValue, NfwError } from '../errors.js';
import type { PortRange } from '../types.js';
import { plainDecimal } from './plain-decimal.js';

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
      const port = plainDecimal(text, 0, text.length, 65_535);
      if (port >= 0) return { from: port, to: port, any: false };
      if (text.length === 3 && text.toUpperCase() === 'ANY') return { from: 0, to: 65535, any: true };
    } else {
      const from = plainDecimal(text, 0, colon, 65_535);
      const to = plainDecimal(text, colon + 1, text.length, 65_535);
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
