import { NfwError } from '../errors.js';

/** SDK exceptions that say the request itself is wrong: resuming or retrying cannot help. */
const REQUEST_REJECTED = new Set([
  'InvalidRequestException',
  'InvalidTokenException',
  'ValidationException',
  'UnsupportedOperationException',
  'InvalidOperationException',
  'AccessDeniedException',
  'UnrecognizedClientException',
]);

/**
 * Map an error thrown by `client.send` to an NfwError. ResourceNotFoundException -> NFW_NOT_FOUND; the
 * exceptions above -> NFW_REQUEST_REJECTED; anything else (throttling or 5xx after the SDK's retries, a
 * reset connection, a cut body, expired credentials, a timeout) -> NFW_PAGINATION_FAILED, which is resumable.
 */
export function sdkError(
  error: unknown,
  what: string,
  resume: { nextToken: string | undefined; emitted: number },
): NfwError {
  const name = error instanceof Error ? error.name : typeof error;
  const detail = error instanceof Error ? error.message : String(error);
  if (name === 'ResourceNotFoundException') {
    return new NfwError('NFW_NOT_FOUND', `${what}: ${detail}`, { cause: error });
  }
  if (REQUEST_REJECTED.has(name)) {
    return new NfwError('NFW_REQUEST_REJECTED', `${what} was rejected (${name}): ${detail}`, {
      cause: error,
      ...(name === 'InvalidTokenException' ? { field: 'startingToken', value: resume.nextToken } : {}),
    });
  }
  return new NfwError(
    'NFW_PAGINATION_FAILED',
    `${what} failed after the SDK's retries (${name}: ${detail}); ${resume.emitted} records were emitted, ` +
      (resume.nextToken === undefined
        ? 'start over to get the rest'
        : 'pass the error nextToken as startingToken to get exactly the rest'),
    {
      cause: error,
      emitted: resume.emitted,
      ...(resume.nextToken === undefined ? {} : { nextToken: resume.nextToken }),
    },
  );
}
