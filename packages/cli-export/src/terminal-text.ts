/**
 * Text from outside (the service's StatusMessage and error messages, values of rejected records, names
 * read from input files) made safe to print on a terminal or into a log: control characters are escaped,
 * so a crafted message can neither forge a line of ours nor send terminal escape sequences, and what
 * looks like AWS credentials is redacted. Every line of ours that carries such text goes through
 * `terminalLine` on its way to stderr.
 */

/**
 * C0 and C1 controls, DEL, and the Unicode line separators and bidirectional overrides (which reorder
 * what a reader sees without any control character).
 */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

function escapeChar(ch: string): string {
  switch (ch) {
    case '\n':
      return '\\n';
    case '\r':
      return '\\r';
    case '\t':
      return '\\t';
    default: {
      const code = ch.charCodeAt(0);
      return code <= 0xff
        ? `\\x${code.toString(16).padStart(2, '0')}`
        : `\\u${code.toString(16).padStart(4, '0')}`;
    }
  }
}

/** `text` with every control character written as an escape (`\n`, `\x1b`, `\u202e`). */
export function escapeControls(text: string): string {
  return text.replace(UNSAFE, escapeChar);
}

const REDACTED = '[redacted]';

/** Patterns of credentials as they appear in SigV4 headers, presigned URLs and config text. */
const SECRET_PATTERNS: Array<[RegExp, string]> = [
  // Authorization: AWS4-HMAC-SHA256 Credential=AKIA.../date/region/service/aws4_request, ..., Signature=hex
  [/\b((?:X-Amz-)?Credential\s*[=:]\s*)[^\s,;&"']+/gi, `$1${REDACTED}`],
  [/\b((?:X-Amz-)?Signature\s*[=:]\s*)[^\s,;&"']+/gi, `$1${REDACTED}`],
  [/\b((?:X-Amz-Security-Token|X-Amz-Session-Token)"?\s*[=:]\s*"?)[^\s,;&"']+/gi, `$1${REDACTED}`],
  [
    /\b((?:aws_secret_access_key|aws_session_token|aws_security_token|SecretAccessKey|SessionToken)"?\s*[=:]\s*"?)[^\s,;&"']+/gi,
    `$1${REDACTED}`,
  ],
  // Access key ids (long-term AKIA, temporary ASIA) wherever they appear.
  [/\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g, REDACTED],
  // STS session tokens by their fixed base64 prefixes.
  [/\b(?:IQoJb3JpZ2luX2Vj|FwoGZXIvYXdzE|FQoGZXIvYXdzE)[A-Za-z0-9+/=]*/g, REDACTED],
];

/** `text` with anything that looks like AWS credentials replaced by `[redacted]`. */
export function redactSecrets(text: string): string {
  let out = text;
  for (const [pattern, replacement] of SECRET_PATTERNS) out = out.replace(pattern, replacement);
  return out;
}

/** A line for stderr: credentials redacted, control characters escaped. */
export function terminalLine(text: string): string {
  return escapeControls(redactSecrets(text));
}
