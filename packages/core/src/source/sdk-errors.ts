import { isNfwError, NfwError } from '../errors.js';

/** SDK exceptions that say the request itself is wrong: resuming or retrying cannot help. */
const REQUEST_REJECTED = new Set([
  'InvalidRequestException',
  'InvalidTokenException',
  'ValidationException',
  'UnsupportedOperationException',
  'InvalidOperationException',
  'AccessDeniedException',
  'UnrecognizedClientException',
  // Credentials the service refused: they will not get better by waiting.
  'ExpiredTokenException',
  'ExpiredToken',
  'InvalidClientTokenId',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
  'MissingAuthenticationToken',
  'IncompleteSignature',
  'AuthFailure',
]);

/** Names the SDK gives throttling (smithy's list, as the service may spell it). */
const THROTTLING = new Set([
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'LimitExceededException',
  'ProvisionedThroughputExceededException',
  'BandwidthLimitExceeded',
  'PriorRequestNotComplete',
]);

/** Socket and DNS errors a later attempt can get past (the SDK's own transient list). */
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ERR_STREAM_PREMATURE_CLOSE',
]);

const TIMEOUT_NAMES = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException']);

interface ErrorLike {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  cause?: unknown;
  $metadata?: { httpStatusCode?: unknown; attempts?: unknown };
  $response?: { headers?: Record<string, unknown> };
}

function statusOf(error: ErrorLike): number | undefined {
  const s = error.$metadata?.httpStatusCode;
  return typeof s === 'number' ? s : undefined;
}

/**
 * Whether another attempt of the same request may succeed: throttling, 408/429/5xx, timeouts, socket
 * errors, and bodies that did not parse (cut short, or an HTML error page). Errors of the request or the
 * credentials, other 4xx answers, our own NfwErrors and anything unrecognized (a bug does not heal by
 * waiting) are not.
 */
export function isTransient(error: unknown): boolean {
  if (typeof error !== 'object' || error === null || isNfwError(error)) return false;
  const e = error as ErrorLike;
  const name = typeof e.name === 'string' ? e.name : '';
  if (name === 'AbortError' || REQUEST_REJECTED.has(name) || name === 'ResourceNotFoundException')
    return false;
  if (THROTTLING.has(name) || TIMEOUT_NAMES.has(name)) return true;
  const status = statusOf(e);
  if (status !== undefined) {
    if (status === 408 || status === 429 || status >= 500) return true;
    // A 2xx whose body did not parse was cut short or garbled on the way.
    return status >= 200 && status < 300 && name === 'SyntaxError';
  }
  if (name === 'SyntaxError') return true;
  for (let c: unknown = error, depth = 0; c && depth < 5; c = (c as ErrorLike).cause, depth++) {
    const code = (c as ErrorLike).code;
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
  }
  return false;
}

/** A short code for an SDK error (its name, or `HTTP 502` for a non-JSON error page) and one line about it. */
export function describeSdkError(error: unknown): { code: string; statusCode?: number; text: string } {
  if (!(typeof error === 'object' && error !== null)) return { code: typeof error, text: String(error) };
  const e = error as ErrorLike;
  const name = typeof e.name === 'string' && e.name !== '' ? e.name : 'Error';
  // The SDK appends a multi-line hint ("Deserialization error: ...") to the first line.
  const message = typeof e.message === 'string' ? (e.message.split('\n')[0] ?? '') : String(error);
  const status = statusOf(e);
  if (name === 'SyntaxError' && status !== undefined) {
    const type = e.$response?.headers?.['content-type'];
    const body = typeof type === 'string' ? `a ${type} body` : 'a body';
    if (status < 200 || status > 299) {
      return {
        code: `HTTP ${status}`,
        statusCode: status,
        text: `HTTP ${status} with ${body} that is not JSON`,
      };
    }
    return {
      code: 'UnparseableBody',
      statusCode: status,
      text: `HTTP ${status} with ${body} that does not parse (${message})`,
    };
  }
  // The SDK renames socket errors TimeoutError; their own code (ECONNRESET, ...) says more, except for
  // its own timeouts (ETIMEDOUT), which are best called what they are.
  const own = typeof e.code === 'string' ? e.code : undefined;
  const code =
    own !== undefined && (name === 'Error' || (NETWORK_CODES.has(own) && own !== 'ETIMEDOUT')) ? own : name;
  return {
    code,
    ...(status === undefined ? {} : { statusCode: status }),
    text: `${code}${status === undefined ? '' : ` (HTTP ${status})`}: ${message}`,
  };
}

export interface ResumePoint {
  nextToken: string | undefined;
  emitted: number;
  /** Our attempts of the failed request (1: it was not retried by us). */
  attempts?: number;
  /** Time since the last successful request when we gave up, in ms. */
  stalledMs?: number;
}

/**
 * Map an error of `client.send` to an NfwError. ResourceNotFoundException -> NFW_NOT_FOUND; requests the
 * service refuses -> NFW_REQUEST_REJECTED; our own NfwErrors (invalid responses) as they are; anything
 * else (transient faults past the retry budget, unrecognized failures) -> NFW_PAGINATION_FAILED, which
 * is resumable.
 */
export function sdkError(error: unknown, what: string, resume: ResumePoint): NfwError {
  if (isNfwError(error)) return error;
  const { code, text } = describeSdkError(error);
  if (code === 'ResourceNotFoundException') {
    return new NfwError('NFW_NOT_FOUND', `${what}: ${text}`, { cause: error });
  }
  if (REQUEST_REJECTED.has(code)) {
    return new NfwError('NFW_REQUEST_REJECTED', `${what} was rejected (${text})`, {
      cause: error,
      ...(code === 'InvalidTokenException' ? { field: 'startingToken', value: resume.nextToken } : {}),
    });
  }
  const sdkAttempts = (error as ErrorLike | null)?.$metadata?.attempts;
  const ours = resume.attempts ?? 1;
  let tries = '';
  if (ours > 1) {
    tries = ` after ${ours} attempts, none succeeding for ${Math.round((resume.stalledMs ?? 0) / 1000)} s`;
  } else if (typeof sdkAttempts === 'number' && sdkAttempts > 1) {
    tries = ` after the SDK's ${sdkAttempts} attempts`;
  }
  return new NfwError(
    'NFW_PAGINATION_FAILED',
    `${what} failed${tries} (${text}); ${resume.emitted} records were emitted, ` +
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
