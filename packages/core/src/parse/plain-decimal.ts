/**
 * The value of text[start, end) when it is a plain decimal 0..max (digits only: no sign, space,
 * exponent, hex or leading zero), else -1. Shared by the port, protocol and normalizer fast paths so the
 * rule is written once.
 */
export function plainDecimal(text: string, start: number, end: number, max: number): number {
  const length = end - start;
  if (length < 1 || length > 10) return -1;
  if (length > 1 && text.charCodeAt(start) === 48) return -1; // leading zero
  let value = 0;
  for (let i = start; i < end; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value <= max ? value : -1;
}
