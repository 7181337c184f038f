import net from 'node:net';
import { fc, test } from '@fast-check/vitest';
import ipaddr from 'ipaddr.js';
import { describe, expect } from 'vitest';
import { NfwError } from '../../src/errors.js';
import { parseAddress } from '../../src/parse/address.js';
import { parseAddressFast } from '../../src/parse/address-fast.js';
import { addressMemoStats, MEMO_LIMIT, resetAddressMemo } from '../../src/parse/address-memo.js';
import { parseAddressReference } from '../../src/parse/address-reference.js';
import type { ParsedAddress } from '../../src/types.js';
import { addressLikeString, cidrCase, ipv4Case } from './arbitraries.js';

type Outcome = { ok: ParsedAddress } | { code: string; field: string | undefined; value: unknown };

function outcome(parse: (text: string, field?: string) => ParsedAddress, text: string): Outcome {
  try {
    return { ok: parse(text, 'F') };
  } catch (error) {
    if (!(error instanceof NfwError)) throw error;
    return { code: error.code, field: error.field, value: error.value };
  }
}

const anyString = fc.oneof(
  addressLikeString,
  cidrCase.map((c) => c.text),
  fc.string(),
);

describe('fast path', () => {
  test.prop([cidrCase])('answers for every valid text form, exactly as the ipaddr.js reference does', (c) => {
    const fast = parseAddressFast(c.text);
    expect(fast).toBeDefined();
    expect(fast).toEqual(parseAddressReference(c.text));
  });

  test.prop([anyString], { numRuns: 500 })(
    'on any string: no answer, or the reference answer (never a different address, never an error)',
    (text) => {
      const fast = parseAddressFast(text);
      if (fast === undefined) return;
      expect(fast).toEqual(parseAddressReference(text));
      const addressPart = text.split('/')[0]!;
      expect(net.isIP(addressPart)).toBe(fast.family);
    },
  );

  test.prop([ipv4Case, fc.string({ unit: fc.constantFrom('0', '1', '.', 'x', '9'), maxLength: 3 })])(
    'IPv4: answers exactly on ipaddr.js strict four-part decimal (isValidFourPartDecimal)',
    (c, noise) => {
      for (const text of [c.text, noise + c.text, c.text + noise]) {
        const fast = parseAddressFast(text);
        expect(fast !== undefined).toBe(ipaddr.IPv4.isValidFourPartDecimal(text));
        if (fast) expect([...fast.bytes.subarray(12)]).toEqual(ipaddr.IPv4.parse(text).octets);
      }
    },
  );
});

describe('parseAddress (memo + fast path + reference)', () => {
  test.prop([anyString], { numRuns: 500 })(
    'has the same outcome as the reference on any string, twice',
    (text) => {
      const expected = outcome(parseAddressReference, text);
      expect(outcome(parseAddress, text)).toEqual(expected);
      expect(outcome(parseAddress, text)).toEqual(expected); // second call: from the memo
    },
  );

  test('a memoized text taken from a larger string is equal to it and parsed the same', () => {
    const chunk = `${'x'.repeat(10_000)}2001:db8:1234::77:1${'y'.repeat(10)}`;
    const text = chunk.slice(10_000, 10_000 + '2001:db8:1234::77:1'.length);
    expect(parseAddress(text)).toEqual(parseAddressReference('2001:db8:1234::77:1'));
    expect(parseAddress('2001:db8:1234::77:1')).toBe(parseAddress(text));
  });

  test('repeated texts share one frozen result', () => {
    const a = parseAddress('192.0.2.77');
    expect(parseAddress('192.0.2.77')).toBe(a);
    expect(Object.isFrozen(a)).toBe(true);
    expect(() => {
      (a as { address: string }).address = '10.0.0.1';
    }).toThrow(TypeError);
  });

  test('the memo stays bounded and is bypassed on non-repeating traffic, with unchanged results', () => {
    resetAddressMemo();
    const distinct = (i: number) => `2001:db8:${(i >>> 16).toString(16)}:${(i & 0xffff).toString(16)}::1`;
    let sawBypass = false;
    for (let i = 0; i < 100_000; i++) {
      const text = distinct(i);
      const parsed = parseAddress(text);
      if (i % 997 === 0) expect(parsed).toEqual(parseAddressReference(text));
      sawBypass ||= addressMemoStats().bypassing;
      if (i % 1000 === 0) expect(addressMemoStats().texts).toBeLessThanOrEqual(2 * MEMO_LIMIT);
    }
    expect(sawBypass).toBe(true);
    // IPv4 hosts have their own generations (keyed by value): bounded the same way
    for (let i = 0; i < 100_000; i++) {
      const text = `10.${i >>> 16}.${(i >>> 8) & 255}.${i & 255}`;
      if (parseAddress(text).text !== text) expect(parseAddress(text).text).toBe(text);
      if (i % 1000 === 0) expect(addressMemoStats().hosts).toBeLessThanOrEqual(2 * MEMO_LIMIT);
    }
    // a few hot talkers again: results are still correct whether or not the memo is used
    for (let i = 0; i < 200_000; i++) {
      const text = `10.0.${i % 7}.${i % 3}`;
      if (parseAddress(text).address !== text) expect(parseAddress(text).address).toBe(text);
    }
    expect(addressMemoStats().bypassing).toBe(false);
  });
});
