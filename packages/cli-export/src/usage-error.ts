import type { NfwErrorCode } from '@nfw-flows/core';

/**
 * A command-line usage error: exit code 2, one line naming the flag and the value, plus a hint.
 * Kept apart from NfwError because it is about the command line, not the data; its `code` is the one
 * core gives a bad option, so callers branch on one code whichever side found the problem.
 */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly code: NfwErrorCode = 'NFW_INVALID_OPTION';
  readonly flag: string;
  readonly value: unknown;
  readonly hint: string | undefined;

  constructor(flag: string, value: unknown, problem: string, hint?: string) {
    super(`${flag}${value === undefined ? '' : ` ${quote(value)}`}: ${problem}`);
    this.flag = flag;
    this.value = value;
    this.hint = hint;
  }

  /** The one line printed to stderr. */
  line(): string {
    return this.hint ? `${this.message} (${this.hint})` : this.message;
  }
}

function quote(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  const short = text.length > 120 ? `${text.slice(0, 120)}…` : text;
  return /^[\w./:@+-]+$/.test(short) ? short : JSON.stringify(short);
}
