/**
 * The one helper every externally sourced string goes through on its way to stderr: controls escaped
 * (no forged line, no escape sequence), credentials redacted, everything else unchanged.
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { escapeControls, redactSecrets, terminalLine } from '../src/terminal-text.js';

const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

describe('escapeControls', () => {
  test.prop([fc.string({ unit: 'binary' })])('leaves no control character', (text) => {
    expect(escapeControls(text)).not.toMatch(UNSAFE);
  });

  test.prop([fc.string({ unit: 'grapheme' }).filter((t) => !UNSAFE.test(t))])(
    'changes nothing else',
    (text) => {
      expect(escapeControls(text)).toBe(text);
    },
  );

  test('a forged line and terminal sequences are written out', () => {
    expect(escapeControls('ok\nnfw-flows: wrote x\u001b]0;t\u0007\u202e\u0085')).toBe(
      'ok\\nnfw-flows: wrote x\\x1b]0;t\\x07\\u202e\\x85',
    );
  });
});

describe('redactSecrets', () => {
  test.each([
    [
      'Credential=AKIAIOSFODNN7EXAMPLE/20261204/us-east-1/network-firewall/aws4_request, SignedHeaders=host, Signature=fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024',
      'Credential=[redacted], SignedHeaders=host, Signature=[redacted]',
    ],
    [
      '?X-Amz-Security-Token=IQoJb3JpZ2luX2VjEJr%2F&X-Amz-Date=1',
      '?X-Amz-Security-Token=[redacted]&X-Amz-Date=1',
    ],
    ['aws_secret_access_key = wJalrXUtnFEMI/K7MDENG', 'aws_secret_access_key = [redacted]'],
    ['{"SessionToken":"FwoGZXIvYXdzEabc"}', '{"SessionToken":"[redacted]"}'],
    ['key ASIAIOSFODNN7EXAMPLE used', 'key [redacted] used'],
    ['token IQoJb3JpZ2luX2VjEJrabc+/= expired', 'token [redacted] expired'],
  ])('%s', (text, redacted) => {
    expect(redactSecrets(text)).toBe(redacted);
  });

  test('ordinary messages are unchanged', () => {
    const text = 'Flow capture incomplete: 3 of 4 flow tables could not be read (retry later)';
    expect(terminalLine(text)).toBe(text);
  });
});
