import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { isNfwError } from '../../src/errors.js';
import { parsePortRange } from '../../src/parse/index.js';

const port = fc.integer({ min: 0, max: 65535 });

describe('parsePortRange', () => {
  test.each([
    ['443', { from: 443, to: 443, any: false }],
    ['0', { from: 0, to: 0, any: false }],
    ['65535', { from: 65535, to: 65535, any: false }],
    ['1990:1994', { from: 1990, to: 1994, any: false }],
    ['80:80', { from: 80, to: 80, any: false }],
    ['0:65535', { from: 0, to: 65535, any: false }],
    ['ANY', { from: 0, to: 65535, any: true }],
    ['any', { from: 0, to: 65535, any: true }],
    ['Any', { from: 0, to: 65535, any: true }],
  ])('%j', (text, expected) => {
    expect(parsePortRange(text)).toEqual(expected);
  });

  test.each([
    '',
    '65536',
    '-1',
    '+80',
    ' 80',
    '80 ',
    '080',
    '00',
    '1e3',
    '0x50',
    '80.0',
    '1994:1990',
    '1:',
    ':1',
    ':',
    '1:2:3',
    '1 : 2',
    'ANY:1',
    'ANYWHERE',
    '٨٠',
    '99999999999999999999',
  ])('rejects %j with NFW_INVALID_PORT', (text) => {
    expect(() => parsePortRange(text, 'SourcePort')).toThrow(
      expect.objectContaining({ code: 'NFW_INVALID_PORT', field: 'SourcePort', value: text }),
    );
  });

  test.each([[undefined], [null], [80], [{ from: 1 }]])('a non-string %j is NFW_INVALID_PORT', (value) => {
    expect(() => parsePortRange(value as unknown as string, 'DestinationPort')).toThrow(
      expect.objectContaining({ code: 'NFW_INVALID_PORT', field: 'DestinationPort', value }),
    );
  });

  test.prop([port, port])('every valid text round-trips, from <= to', (a, b) => {
    const [from, to] = a <= b ? [a, b] : [b, a];
    expect(parsePortRange(`${from}:${to}`)).toEqual({ from, to, any: false });
    expect(parsePortRange(String(a))).toEqual({ from: a, to: a, any: false });
  });

  test.prop([port, port])('a reversed range is rejected', (a, b) => {
    fc.pre(a !== b);
    const [from, to] = a > b ? [a, b] : [b, a];
    expect(() => parsePortRange(`${from}:${to}`)).toThrow(
      expect.objectContaining({ code: 'NFW_INVALID_PORT' }),
    );
  });

  test.prop([
    fc.oneof(
      fc.string({ unit: fc.constantFrom(...'0123456789:AaNnYy +-.ex'.split('')), maxLength: 12 }),
      fc.string(),
    ),
  ])('any string: a range with from <= to exactly as written, or NFW_INVALID_PORT', (text) => {
    let range: ReturnType<typeof parsePortRange>;
    try {
      range = parsePortRange(text);
    } catch (error) {
      expect(isNfwError(error, 'NFW_INVALID_PORT')).toBe(true);
      // rejected: not a canonical N or A:B with A <= B, and not ANY
      const canonical = /^(0|[1-9]\d{0,4})(:(0|[1-9]\d{0,4}))?$/.exec(text);
      if (canonical) {
        const from = Number(canonical[1]);
        const to = canonical[3] === undefined ? from : Number(canonical[3]);
        expect(from > 65535 || to > 65535 || from > to).toBe(true);
      }
      expect(text.toUpperCase()).not.toBe('ANY');
      return;
    }
    expect(range.from).toBeLessThanOrEqual(range.to);
    expect(range.from).toBeGreaterThanOrEqual(0);
    expect(range.to).toBeLessThanOrEqual(65535);
    if (range.any) expect(text.toUpperCase()).toBe('ANY');
    else
      expect(text).toBe(
        range.from === range.to && !text.includes(':') ? `${range.from}` : `${range.from}:${range.to}`,
      );
  });
});
