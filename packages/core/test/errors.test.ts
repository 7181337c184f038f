import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { describeValue } from '../src/errors.js';
import { isNfwError, NFW_ERROR_CODES, NfwError } from '../src/index.js';

describe('NfwError', () => {
  it('carries a stable code and its context fields', () => {
    const error = new NfwError('NFW_INVALID_PORT', 'bad port', {
      field: 'SourcePort',
      value: '70000',
      page: 2,
    });
    expect(error).toBeInstanceOf(Error);
    expect(error.code).toBe('NFW_INVALID_PORT');
    expect(error.field).toBe('SourcePort');
    expect(error.value).toBe('70000');
    expect(error.page).toBe(2);
    expect(error.index).toBeUndefined();
    expect(isNfwError(error, 'NFW_INVALID_PORT')).toBe(true);
    expect(isNfwError(error, 'NFW_INVALID_ADDRESS')).toBe(false);
    expect(isNfwError(new Error('x'))).toBe(false);
  });

  it('keeps the codes unique', () => {
    expect(new Set(NFW_ERROR_CODES).size).toBe(NFW_ERROR_CODES.length);
  });

  it('shows a non-finite number as itself, not as null', () => {
    expect(describeValue(Number.POSITIVE_INFINITY)).toBe('Infinity');
    expect(describeValue(Number.NaN)).toBe('NaN');
  });

  it('shortens huge values in messages', () => {
    const text = describeValue('x'.repeat(1_000_000));
    expect(text.length).toBeLessThan(120);
    expect(text).toContain('1000002 chars');
  });

  test.prop([
    fc.string({ unit: fc.constantFrom('a', '😀', '\n', '"', '\\', '\u0001', '\ud800') }),
    fc.integer({ min: 1, max: 40 }),
  ])('cuts at a character boundary: never inside a surrogate pair or a JSON escape', (value, max) => {
    const shown = describeValue(value, max);
    const full = JSON.stringify(value);
    if (full.length <= max) {
      expect(shown).toBe(full);
      return;
    }
    const head = shown.slice(0, shown.lastIndexOf('…'));
    expect(full.startsWith(head)).toBe(true);
    expect(head.length).toBeLessThanOrEqual(max);
    // The head plus a closing quote is a JSON string: no escape was cut.
    expect(() => JSON.parse(`${head}"`)).not.toThrow();
    // No pair was split: the head ends at a boundary of the text.
    const last = head.charCodeAt(head.length - 1);
    expect(last >= 0xd800 && last <= 0xdbff).toBe(false);
    expect(head.length).toBeGreaterThanOrEqual(Math.max(0, max - 6));
  });
});
