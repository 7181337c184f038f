/**
 * Starting tokens. A plain API NextToken is used as is. The AWS CLI's `--max-items` token is accepted
 * too: base64 of `{"NextToken": "...", "boto_truncate_amount": N}` = "request the page with NextToken,
 * skip its first N flows". We write that format when `maxItems` cuts a page, so either tool can resume.
 */
export interface DecodedToken {
  nextToken: string | undefined;
  skip: number;
}

export function decodeStartingToken(token: string | undefined): DecodedToken {
  if (token === undefined) return { nextToken: undefined, skip: 0 };
  const decoded = decodeCliToken(token);
  return decoded ?? { nextToken: token, skip: 0 };
}

export function encodeResumeToken(nextToken: string | undefined, skip: number): string | undefined {
  if (skip === 0) return nextToken;
  const body: Record<string, unknown> = { NextToken: nextToken ?? null, boto_truncate_amount: skip };
  return Buffer.from(JSON.stringify(body), 'utf8').toString('base64');
}

function decodeCliToken(token: string): DecodedToken | undefined {
  // Only a canonical base64 string whose JSON has exactly these keys: a real API token never matches.
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(token) || token.length % 4 !== 0) return undefined;
  const bytes = Buffer.from(token, 'base64');
  if (bytes.toString('base64') !== token) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const keys = Object.keys(value);
  const v = value as Record<string, unknown>;
  if (!keys.includes('NextToken') || !keys.every((k) => k === 'NextToken' || k === 'boto_truncate_amount')) {
    return undefined;
  }
  const next = v.NextToken;
  const skip = v.boto_truncate_amount ?? 0;
  if (!(next === null || typeof next === 'string')) return undefined;
  if (typeof skip !== 'number' || !Number.isSafeInteger(skip) || skip < 0) return undefined;
  return { nextToken: next ?? undefined, skip };
}
