/**
 * Exit codes (contract) and the one-line description of any error the CLI can meet.
 * 0 done; 1 failed; 2 usage error; 3 done but the data is incomplete; 130/143 interrupted (as the AWS CLI);
 * 141 the reader of stdout went away (128 + SIGPIPE, what coreutils report; printed silently).
 */
import { isNfwError, type NfwErrorCode } from '@nfw-flows/core';
import { WriteError } from './output/write-error.js';
import { UsageError } from './usage-error.js';

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;
export const EXIT_INCOMPLETE = 3;
export const EXIT_SIGINT = 130;
export const EXIT_SIGTERM = 143;
/** stdout closed by its reader (EPIPE): 128 + SIGPIPE, so `set -o pipefail` sees a cut-short export. */
export const EXIT_EPIPE = 141;

/** Raised when the user interrupted the run (Ctrl-C, SIGTERM). */
export class Interrupted extends Error {
  override readonly name = 'Interrupted';
  /** The code core's streams give the same abort, so an embedder sees one code for it. */
  readonly code: NfwErrorCode = 'NFW_ABORTED';
  readonly signal: NodeJS.Signals;
  constructor(signal: NodeJS.Signals) {
    super(`interrupted by ${signal}`);
    this.signal = signal;
  }
}

export interface Described {
  exitCode: number;
  line: string;
}

const CREDENTIAL_CHAIN =
  'the AWS SDK default credential chain found none: set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or --profile/AWS_PROFILE with ~/.aws/credentials, SSO (aws sso login), web identity, or an instance/container role';

function causeText(error: unknown): string {
  const parts: string[] = [];
  let e: unknown = (error as { cause?: unknown })?.cause;
  for (let depth = 0; e !== undefined && e !== null && depth < 4; depth++) {
    const name = (e as { name?: string }).name;
    const message = (e as { message?: string }).message ?? String(e);
    parts.push(name && name !== 'Error' ? `${name}: ${message}` : message);
    e = (e as { cause?: unknown }).cause;
  }
  return parts.length ? ` (${parts.join('; ')})` : '';
}

function isCredentialError(error: unknown): boolean {
  for (let e: unknown = error, i = 0; e && i < 5; e = (e as { cause?: unknown }).cause, i++) {
    const name = (e as { name?: string }).name;
    if (name === 'CredentialsProviderError') return true;
    const msg = (e as { message?: string }).message ?? '';
    if (/Could not load credentials from any providers/i.test(msg)) return true;
  }
  return false;
}

function isRegionMissing(error: unknown): boolean {
  for (let e: unknown = error, i = 0; e && i < 5; e = (e as { cause?: unknown }).cause, i++) {
    if (/Region is missing/i.test((e as { message?: string }).message ?? '')) return true;
  }
  return false;
}

export function describeError(error: unknown): Described {
  if (error instanceof UsageError) return { exitCode: EXIT_USAGE, line: error.line() };
  if (error instanceof WriteError) return { exitCode: EXIT_FAILED, line: error.message };
  if (error instanceof Interrupted) {
    return { exitCode: error.signal === 'SIGTERM' ? EXIT_SIGTERM : EXIT_SIGINT, line: error.message };
  }
  if (isRegionMissing(error)) {
    return {
      exitCode: EXIT_USAGE,
      line: '--region: no region configured (pass --region, set AWS_REGION or AWS_DEFAULT_REGION, or set region in the profile of ~/.aws/config)',
    };
  }
  if (isCredentialError(error))
    return { exitCode: EXIT_FAILED, line: `no AWS credentials: ${CREDENTIAL_CHAIN}` };
  if (isNfwError(error)) {
    const where = [
      error.field !== undefined ? `field ${error.field}` : '',
      error.value !== undefined ? `value ${JSON.stringify(error.value)?.slice(0, 100)}` : '',
      error.page !== undefined ? `page ${error.page}` : '',
      error.index !== undefined ? `record ${error.index}` : '',
      error.line !== undefined ? `line ${error.line}` : '',
    ].filter((s) => s !== '');
    const context = where.length ? ` [${where.join(', ')}]` : '';
    switch (error.code) {
      case 'NFW_INVALID_OPTION':
        return { exitCode: EXIT_USAGE, line: `${error.field ?? 'option'}: ${error.message}` };
      case 'NFW_ABORTED':
        return { exitCode: EXIT_SIGINT, line: 'interrupted' };
      case 'NFW_PAGINATION_FAILED':
        // The message already describes the SDK error (its cause) and the records emitted: once is enough.
        return { exitCode: EXIT_FAILED, line: `${error.code}: ${error.message}` };
      case 'NFW_OPERATION_IN_PROGRESS':
        return {
          exitCode: EXIT_FAILED,
          line: `${error.code}: ${error.message} (run again later, or with --wait)`,
        };
      case 'NFW_WAIT_TIMEOUT':
        return { exitCode: EXIT_FAILED, line: `${error.code}: ${error.message} (raise --wait-timeout)` };
      default:
        return {
          exitCode: EXIT_FAILED,
          line: `${error.code}: ${error.message}${context}${causeText(error)}`,
        };
    }
  }
  const e = error as {
    name?: string;
    message?: string;
    code?: string;
    $metadata?: { httpStatusCode?: number };
  };
  if (e && typeof e === 'object') {
    if (e.$metadata !== undefined) {
      // An AWS service exception: its name is the API error type (ResourceNotFoundException, ...).
      const status = e.$metadata.httpStatusCode ? ` (HTTP ${e.$metadata.httpStatusCode})` : '';
      return { exitCode: EXIT_FAILED, line: `AWS ${e.name}: ${e.message}${status}` };
    }
    if (e.code === 'ECONNREFUSED' || e.code === 'ENOTFOUND' || e.code === 'ECONNRESET') {
      return { exitCode: EXIT_FAILED, line: `network error ${e.code}: ${e.message}` };
    }
    if (e.code === 'ENOSPC' || e.code === 'EACCES' || e.code === 'EROFS' || e.code === 'EISDIR') {
      return { exitCode: EXIT_FAILED, line: `cannot write output: ${e.message}` };
    }
    return {
      exitCode: EXIT_FAILED,
      line: `${e.name && e.name !== 'Error' ? `${e.name}: ` : ''}${e.message ?? String(error)}${causeText(error)}`,
    };
  }
  return { exitCode: EXIT_FAILED, line: String(error) };
}
