/**
 * Command-line flags -> typed options, validated once before any I/O. Every rejection is a UsageError
 * (exit 2) naming the flag, the value and a hint.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { isS3Url, s3OutputUrl } from './output/s3-target.js';
import { UsageError } from './usage-error.js';

export type OutputFormat = 'arrow' | 'arrows' | 'parquet' | 'ndjson' | 'csv';
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['arrow', 'arrows', 'parquet', 'ndjson', 'csv'];

const EXTENSIONS: Record<string, OutputFormat> = {
  '.arrow': 'arrow',
  '.feather': 'arrow',
  '.ipc': 'arrow',
  '.arrows': 'arrows',
  '.parquet': 'parquet',
  '.pq': 'parquet',
  '.ndjson': 'ndjson',
  '.jsonl': 'ndjson',
  '.csv': 'csv',
};

/** File extension written for each format (partition files, demo). */
export const FORMAT_EXTENSION: Record<OutputFormat, string> = {
  arrow: '.arrow',
  arrows: '.arrows',
  parquet: '.parquet',
  ndjson: '.ndjson',
  csv: '.csv',
};

// AWS's own patterns (Network Firewall API reference), slightly relaxed on the name part.
const FIREWALL_ARN = /^arn:aws[a-z-]*:network-firewall:[a-z0-9-]+:\d{12}:firewall\/[A-Za-z0-9-]{1,128}$/;
const ASSOCIATION_ARN =
  /^arn:aws[a-z-]*:network-firewall:[a-z0-9-]+:\d{12}:vpc-endpoint-association\/[A-Za-z0-9-]{1,128}$/;
const OPERATION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const VPC_ENDPOINT_ID = /^vpce-[0-9a-f]{8,17}$/;
const AVAILABILITY_ZONE = /^[a-z0-9-]{3,64}$/;

export function firewallArn(value: string | undefined, flag = '--firewall-arn'): string {
  if (value === undefined || value === '')
    throw new UsageError(
      flag,
      undefined,
      'is required',
      `e.g. ${flag} arn:aws:network-firewall:us-east-1:123456789012:firewall/my-firewall`,
    );
  if (!FIREWALL_ARN.test(value)) {
    throw new UsageError(
      flag,
      value,
      'is not a Network Firewall firewall ARN',
      'expected arn:aws:network-firewall:REGION:ACCOUNT:firewall/NAME',
    );
  }
  return value;
}

export function operationId(value: string, flag = '--flow-operation-id'): string {
  if (!OPERATION_ID.test(value)) {
    throw new UsageError(
      flag,
      value,
      'is not a flow operation id',
      'expected a UUID as returned by start-flow-capture or `nfw-flows operations`',
    );
  }
  return value.toLowerCase();
}

export function associationArn(value: string): string {
  if (!ASSOCIATION_ARN.test(value)) {
    throw new UsageError(
      '--vpc-endpoint-association-arn',
      value,
      'is not a VPC endpoint association ARN',
      'expected arn:aws:network-firewall:REGION:ACCOUNT:vpc-endpoint-association/NAME',
    );
  }
  return value;
}

export function vpcEndpointId(value: string): string {
  if (!VPC_ENDPOINT_ID.test(value))
    throw new UsageError(
      '--vpc-endpoint-id',
      value,
      'is not a VPC endpoint id',
      'expected vpce-0123456789abcdef0',
    );
  return value;
}

export function availabilityZone(value: string): string {
  if (!AVAILABILITY_ZONE.test(value))
    throw new UsageError('--availability-zone', value, 'is not an availability zone name', 'e.g. us-east-1a');
  return value;
}

/** An integer flag within [min, max]. */
export function integer(
  flag: string,
  value: string | undefined,
  min: number,
  max: number,
  hint?: string,
): number | undefined {
  if (value === undefined) return undefined;
  const n = /^[+]?\d+$/.test(value.trim()) ? Number(value.trim()) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    const range =
      max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer from ${min} to ${max}`;
    throw new UsageError(flag, value, `must be ${range}`, hint);
  }
  return n;
}

const DURATION_UNITS = ['d', 'h', 'm', 's', 'ms'] as const;
const UNIT_MS: Record<(typeof DURATION_UNITS)[number], number> = {
  d: 86_400_000,
  h: 3_600_000,
  m: 60_000,
  s: 1000,
  ms: 1,
};

/**
 * A duration, returned in milliseconds: a number of seconds (`90`), or amounts with units in
 * decreasing order (`90s`, `15m`, `1h30m`, `1d`, `500ms`). `wholeSeconds` refuses fractions and `ms`
 * where the value is a cadence counted in seconds.
 */
export function durationMs(
  flag: string,
  value: string | undefined,
  { wholeSeconds = false }: { wholeSeconds?: boolean } = {},
): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  const amount = wholeSeconds ? '\\d+' : '\\d+(?:\\.\\d+)?';
  const refuse = (reason: string): never => {
    throw new UsageError(flag, value, reason, 'e.g. 300, 90s, 15m, 1h30m');
  };
  if (new RegExp(`^${amount}$`).test(text)) return Math.round(Number(text) * 1000);
  const units = wholeSeconds ? DURATION_UNITS.filter((u) => u !== 'ms') : DURATION_UNITS;
  const parts = [...text.matchAll(new RegExp(`(${amount})(ms|d|h|m|s)`, 'g'))];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text) refuse('is not a duration');
  let ms = 0;
  let last = -1;
  for (const [, n, unit] of parts) {
    const rank = (units as readonly string[]).indexOf(unit!);
    if (rank < 0) refuse('is not a duration');
    if (rank <= last) refuse('lists its units out of order or twice');
    last = rank;
    ms += Number(n) * UNIT_MS[unit as keyof typeof UNIT_MS];
  }
  return Math.round(ms);
}

export function format(
  value: string | undefined,
  out: string | undefined,
  partitioned: boolean,
): OutputFormat {
  if (value !== undefined) {
    const f = value.toLowerCase();
    if (!(OUTPUT_FORMATS as readonly string[]).includes(f)) {
      throw new UsageError('--format', value, 'is not a known format', `one of ${OUTPUT_FORMATS.join(', ')}`);
    }
    return f as OutputFormat;
  }
  if (partitioned) return 'parquet';
  if (out === undefined || out === '-') {
    throw new UsageError('--format', undefined, 'is required when writing to stdout', 'e.g. --format ndjson');
  }
  const ext = path.extname(out).toLowerCase();
  const inferred = EXTENSIONS[ext];
  if (!inferred) {
    throw new UsageError(
      '--format',
      undefined,
      `cannot be inferred from the --out extension "${ext || '(none)'}"`,
      `pass --format (${OUTPUT_FORMATS.join(', ')}) or name the file .arrow, .arrows, .parquet, .ndjson or .csv`,
    );
  }
  return inferred;
}

/** The output path: '-' for stdout, otherwise absolute; refuses to overwrite without --force. */
export function outputPath(value: string | undefined, force: boolean, flag = '--out'): string {
  if (value === undefined || value === '')
    throw new UsageError(flag, undefined, 'is required', 'a file path, or - for stdout');
  if (value === '-') return '-';
  if (isS3Url(value)) return s3OutputUrl(flag, value);
  const abs = path.resolve(value);
  const dir = path.dirname(abs);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new UsageError(flag, value, `directory ${dir} does not exist`, 'create it first');
  }
  if (existsSync(abs) && !force)
    throw new UsageError(flag, value, 'already exists', 'pass --force to overwrite it');
  return abs;
}

/** An input file: '-' for stdin, otherwise it must be readable now. */
export function inputPath(value: string): string {
  if (value === '-') return '-';
  const abs = path.resolve(value);
  if (!existsSync(abs))
    throw new UsageError(
      '--input',
      value,
      'does not exist',
      'a saved ListFlowOperationResults response, or - for stdin',
    );
  // A FIFO or `<(zcat ...)` (a /dev/fd pipe) is read once, as a stream, like stdin.
  const stat = statSync(abs);
  if (!stat.isFile() && !stat.isFIFO() && !stat.isCharacterDevice() && !stat.isSocket())
    throw new UsageError(
      '--input',
      value,
      'is not a file',
      'a saved ListFlowOperationResults response, or - for stdin',
    );
  return abs;
}

/** `--endpoint-url`: an http(s) URL, as the AWS CLI takes it. */
export function endpointUrl(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError('--endpoint-url', value, 'is not a URL', 'e.g. http://127.0.0.1:4566');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(
      '--endpoint-url',
      value,
      'must be an http or https URL',
      'e.g. https://network-firewall.us-east-1.amazonaws.com',
    );
  }
  return value;
}

export function region(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!/^[a-z]{2}(-[a-z0-9]+)+-\d+$/.test(value))
    throw new UsageError('--region', value, 'is not an AWS region name', 'e.g. us-east-1');
  return value;
}

/** Commander collector for repeatable flags. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/**
 * `--group-by` keys: comma-separated, where a bare number after an address key with a prefix is that
 * key's IPv6 prefix (`source/24,64,destinationPort` -> `source/24,64`, `destinationPort`), as `--key`
 * and `--mask` write it. No key name is a number, so this is unambiguous.
 */
export function splitKeys(values: string[] | undefined): string[] {
  const keys: string[] = [];
  for (const part of splitList(values)) {
    const last = keys.length - 1;
    if (/^\d{1,3}$/.test(part) && last >= 0 && /\/\d{1,3}$/.test(keys[last]!)) keys[last] += `,${part}`;
    else keys.push(part);
  }
  return keys;
}

/** Comma-separated lists, also accepted repeated: `--group-by a,b --group-by c`. */
export function splitList(values: string[] | undefined): string[] {
  return (values ?? [])
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v !== '');
}
