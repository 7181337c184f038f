import { describe, expect, it } from 'vitest';
import { NfwError } from '../../src/index.js';
import { describeSdkError, isTransient, sdkError } from '../../src/source/sdk-errors.js';

const sdk = (name: string, status?: number, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(`${name} happened`), {
    name,
    ...(status === undefined ? {} : { $metadata: { httpStatusCode: status, attempts: 1 } }),
    ...extra,
  });

describe('isTransient', () => {
  it.each([
    ['ThrottlingException 400', sdk('ThrottlingException', 400)],
    ['429', sdk('SomeLimit', 429)],
    ['408', sdk('RequestTimeout', 408)],
    ['500', sdk('InternalServerError', 500)],
    ['503', sdk('ServiceUnavailable', 503)],
    ['HTML 502', sdk('SyntaxError', 502)],
    ['a cut 200 body', sdk('SyntaxError', 200)],
    ['TimeoutError', sdk('TimeoutError')],
    ['ECONNRESET', sdk('Error', undefined, { code: 'ECONNRESET' })],
    ['ECONNREFUSED in a cause', sdk('Error', undefined, { cause: { code: 'ECONNREFUSED' } })],
  ])('%s is transient', (_what, error) => {
    expect(isTransient(error)).toBe(true);
  });

  it.each([
    ['AccessDeniedException', sdk('AccessDeniedException', 400)],
    ['ExpiredTokenException', sdk('ExpiredTokenException', 400)],
    ['ResourceNotFoundException', sdk('ResourceNotFoundException', 400)],
    ['an unknown 400', sdk('WeirdException', 400)],
    ['AbortError', sdk('AbortError')],
    ['an NfwError', new NfwError('NFW_INVALID_RESPONSE', 'bad page')],
    ['a TypeError (a bug)', new TypeError('x is not a function')],
    ['a string', 'oops'],
  ])('%s is not', (_what, error) => {
    expect(isTransient(error)).toBe(false);
  });
});

describe('describeSdkError and sdkError', () => {
  it('an HTML error page is named by its HTTP status, not the parser error', () => {
    const error = sdk('SyntaxError', 502, {
      message: 'Unexpected token \'<\', "<html>" is not valid JSON\n  Deserialization error: ...',
      $response: { headers: { 'content-type': 'text/html' } },
    });
    expect(describeSdkError(error)).toMatchObject({ code: 'HTTP 502', statusCode: 502 });
    expect(describeSdkError(error).text).not.toContain('Unexpected token');
  });

  it('says "after the SDK\'s N attempts" only when the SDK made several, and ours when we did', () => {
    const once = sdkError(sdk('InternalServerError', 500), 'ListFlowOperationResults', {
      nextToken: 't',
      emitted: 5,
    });
    expect(once.code).toBe('NFW_PAGINATION_FAILED');
    expect(once.message).not.toContain('attempts');
    const sdkRetried = sdk('InternalServerError', 500, { $metadata: { httpStatusCode: 500, attempts: 3 } });
    expect(sdkError(sdkRetried, 'X', { nextToken: 't', emitted: 5 }).message).toContain("SDK's 3 attempts");
    expect(
      sdkError(sdkRetried, 'X', { nextToken: 't', emitted: 5, attempts: 4, stalledMs: 2000 }).message,
    ).toContain('after 4 attempts');
  });

  it('maps refusals and passes NfwErrors through', () => {
    expect(
      sdkError(sdk('ResourceNotFoundException', 400), 'X', { nextToken: undefined, emitted: 0 }).code,
    ).toBe('NFW_NOT_FOUND');
    expect(sdkError(sdk('ExpiredTokenException', 400), 'X', { nextToken: undefined, emitted: 0 }).code).toBe(
      'NFW_REQUEST_REJECTED',
    );
    const invalid = new NfwError('NFW_INVALID_RESPONSE', 'bad');
    expect(sdkError(invalid, 'X', { nextToken: undefined, emitted: 0 })).toBe(invalid);
  });
});
