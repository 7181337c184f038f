/**
 * The one error class of nfw-flows. `code` is stable and part of the contract: callers and tests
 * branch on it, never on the message text.
 */
export const NFW_ERROR_CODES = [
  'NFW_INVALID_ADDRESS',
  'NFW_AMBIGUOUS_IPV4',
  'NFW_INVALID_PREFIX',
  'NFW_INVALID_PORT',
  'NFW_INVALID_PROTOCOL',
  'NFW_INVALID_RECORD',
  'NFW_INVALID_INPUT',
  'NFW_OPERATION_FAILED',
  'NFW_OPERATION_IN_PROGRESS',
  'NFW_WAIT_TIMEOUT',
  'NFW_PAGINATION_FAILED',
  'NFW_INVALID_OPTION',
  'NFW_ABORTED',
  'NFW_OUTPUT_FAILED',
  // The API refused the request itself (ResourceNotFoundException): retrying or resuming will not help.
  'NFW_NOT_FOUND',
  // The API rejected the request as invalid (InvalidRequestException, InvalidTokenException, ...).
  'NFW_REQUEST_REJECTED',
  // The CLI's resume state (<out>.nfw-partial/checkpoint.json and its spools) is unreadable or inconsistent.
  'NFW_CHECKPOINT_INVALID',
  // The service answered with something no valid ListFlowOperationResults response is (Flows not an
  // array, more flows than MaxResults, a body over the size limit, a NextToken already used, endless
  // empty pages): the same request would get the same answer, so it is neither retried nor resumable.
  'NFW_INVALID_RESPONSE',
  // A second async iteration of a stream while the first one is still reading it.
  'NFW_CONCURRENT_ITERATION',
  // An S3 request of an s3:// output failed (bucket and key named; never credentials).
  'NFW_S3_FAILED',
  // A diff's after capture of a scope was requested before its before capture (swapped inputs).
  'NFW_CAPTURES_OUT_OF_ORDER',
] as const;

export type NfwErrorCode = (typeof NFW_ERROR_CODES)[number];

/** Context an error may carry; every field is optional and only set where it means something. */
export interface NfwErrorContext {
  /** The record field or option name the error is about (e.g. `SourceAddress.AddressDefinition`). */
  field?: string;
  /** The raw value that was rejected, as it was given. */
  value?: unknown;
  /** Page index (0-based) of the record, for record errors from a source. */
  page?: number;
  /** Position of the record within its page (0-based). */
  index?: number;
  /** Byte offset into a file input, for `NFW_INVALID_INPUT`. */
  offset?: number;
  /** Line number (1-based) in a file input, for `NFW_INVALID_INPUT` on line-oriented files. */
  line?: number;
  /** For `NFW_PAGINATION_FAILED`: the NextToken of the last page whose records were all emitted (undefined: start over). */
  nextToken?: string;
  /** For `NFW_PAGINATION_FAILED`: records already emitted. */
  emitted?: number;
  /** The error underneath (SDK exception, I/O error, parse error). */
  cause?: unknown;
}

export class NfwError extends Error {
  override readonly name = 'NfwError';
  readonly code: NfwErrorCode;
  readonly field?: string;
  readonly value?: unknown;
  readonly page?: number;
  readonly index?: number;
  readonly offset?: number;
  readonly line?: number;
  readonly nextToken?: string;
  readonly emitted?: number;

  constructor(code: NfwErrorCode, message: string, context: NfwErrorContext = {}) {
    super(message, context.cause === undefined ? undefined : { cause: context.cause });
    this.code = code;
    if (context.field !== undefined) this.field = context.field;
    if ('value' in context) this.value = context.value;
    if (context.page !== undefined) this.page = context.page;
    if (context.index !== undefined) this.index = context.index;
    if (context.offset !== undefined) this.offset = context.offset;
    if (context.line !== undefined) this.line = context.line;
    if (context.nextToken !== undefined) this.nextToken = context.nextToken;
    if (context.emitted !== undefined) this.emitted = context.emitted;
  }
}

export function isNfwError(error: unknown, code?: NfwErrorCode): error is NfwError {
  return error instanceof NfwError && (code === undefined || error.code === code);
}

/** Quote a raw value for an error message without flooding it (a 100 MB string stays readable). */
export function describeValue(value: unknown, max = 80): string {
  let text: string;
  if (typeof value === 'string') text = JSON.stringify(value);
  else if (typeof value === 'bigint') text = `${value}n`;
  else if (typeof value === 'number' && !Number.isFinite(value))
    text = String(value); // not JSON's null
  else if (value === undefined) text = 'undefined';
  else {
    try {
      text = JSON.stringify(value) ?? String(value);
    } catch {
      text = String(value);
    }
  }
  return text.length > max ? `${text.slice(0, cutPoint(text, max))}… (${text.length} chars)` : text;
}

/**
 * Where to cut `text` at most `max` characters in: never inside a surrogate pair or a JSON escape
 * (`\n`, `\u00e9`), so the shown start is still well-formed text and valid JSON escapes.
 */
function cutPoint(text: string, max: number): number {
  let cut = max;
  // An escape that starts before the cut and ends after it: cut before its backslash.
  for (let k = cut - 1; k >= 0 && k >= cut - 6; k--) {
    if (text.charCodeAt(k) !== 0x5c) continue;
    let run = 0;
    while (k - run - 1 >= 0 && text.charCodeAt(k - run - 1) === 0x5c) run++;
    if (run % 2 === 1) continue; // this backslash is itself escaped
    const length = text.charCodeAt(k + 1) === 0x75 ? 6 : 2;
    if (k + length > cut) cut = k;
    break;
  }
  const last = text.charCodeAt(cut - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut--;
  return cut;
}
