import { describe, expect, it } from 'vitest';
import { describeValue, isNfwError, NFW_ERROR_CODES, NfwError } from '../src/index.js';

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

  it('shortens huge values in messages', () => {
    const text = describeValue('x'.repeat(1_000_000));
    expect(text.length).toBeLessThan(120);
    expect(text).toContain('1000002 chars');
  });
});
