/**
 * Raw commander flags -> typed plans, validated once up front (before any request or file is created).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { FlowFilter } from '@aws-sdk/client-network-firewall';
import {
  type FileProvenance,
  isNfwError,
  parseAddress,
  parsePortRange,
  parseProtocol,
  type RetryOptions,
  type TopTalkersOptions,
} from '@nfw-flows/core';
import { type ClientFlags, DEFAULT_TIMEOUT_MS } from './client.js';
import { type Aggregate, groupAggregate, type Metric, parseMask, topAggregate } from './export/aggregate.js';
import type { ApiReadOptions, ApiSource, ExportPlan, FileSource } from './export/export-plan.js';
import type { Scope } from './export/jobs.js';
import { PARQUET_COMPRESSIONS, type ParquetCompression } from './export/serializer.js';
import { checkFlowFilters, parseFlowFilters } from './flow-filters.js';
import * as o from './options.js';
import { checkNotLocked } from './output/output-lock.js';
import * as targets from './output/output-targets.js';
import { type JobIdentity, partialDirectory } from './spool/checkpoint.js';
import { UsageError } from './usage-error.js';

type Flags = Record<string, unknown>;

/** setTimeout's limit. */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** The library's default largest backoff (retry.maxDelayMs). */
const DEFAULT_MAX_DELAY_MS = 20_000;

const str = (flags: Flags, key: string): string | undefined => {
  const v = flags[key];
  return typeof v === 'string' ? v : undefined;
};
const list = (flags: Flags, key: string): string[] => {
  const v = flags[key];
  return Array.isArray(v) ? (v as string[]) : typeof v === 'string' ? [v] : [];
};
const bool = (flags: Flags, key: string): boolean => flags[key] === true;

export function clientFlags(flags: Flags): ClientFlags {
  const c: ClientFlags = {};
  const region = o.region(str(flags, 'region'));
  if (region !== undefined) c.region = region;
  // The SDK takes an empty AWS_REGION as a region and fails later with an unrelated error.
  else if (process.env.AWS_REGION === '')
    throw new UsageError('AWS_REGION', '', 'is set but empty', 'unset it, or set a region such as us-east-1');
  const profile = str(flags, 'profile');
  if (profile !== undefined) {
    if (profile === '')
      throw new UsageError('--profile', profile, 'is empty', 'a profile name from ~/.aws/config');
    c.profile = profile;
  }
  const endpoint = o.endpointUrl(str(flags, 'endpointUrl'));
  if (endpoint !== undefined) c.endpointUrl = endpoint;
  // Checked and bounded by retryOptions, which every API plan runs.
  const connect = o.durationMs('--cli-connect-timeout', str(flags, 'cliConnectTimeout'));
  if (connect !== undefined) c.connectTimeoutMs = Math.min(connect, MAX_TIMER_MS);
  const readTimeout = o.durationMs('--cli-read-timeout', str(flags, 'cliReadTimeout'));
  if (readTimeout !== undefined) c.readTimeoutMs = Math.min(readTimeout, MAX_TIMER_MS);
  return c;
}

export function scopes(flags: Flags): Scope[] {
  const azs = list(flags, 'availabilityZone').map(o.availabilityZone);
  const assocs = list(flags, 'vpcEndpointAssociationArn').map(o.associationArn);
  const vpces = list(flags, 'vpcEndpointId').map(o.vpcEndpointId);
  const out: Scope[] = azs.map((availabilityZone) => ({ availabilityZone }));
  if (assocs.length > 0) {
    if (vpces.length !== 0 && vpces.length !== assocs.length) {
      throw new UsageError(
        '--vpc-endpoint-id',
        vpces.join(','),
        `${vpces.length} given for ${assocs.length} --vpc-endpoint-association-arn`,
        'give one per association, in the same order, or none',
      );
    }
    assocs.forEach((vpcEndpointAssociationArn, i) => {
      out.push({ vpcEndpointAssociationArn, ...(vpces[i] === undefined ? {} : { vpcEndpointId: vpces[i] }) });
    });
  } else {
    for (const vpcEndpointId of vpces) out.push({ vpcEndpointId });
  }
  return out.length > 0 ? out : [{}];
}

export function readOptions(flags: Flags): ApiReadOptions {
  const r: ApiReadOptions = { wait: flags.wait !== false, strict: bool(flags, 'strict') };
  const pageSize = o.integer(
    '--page-size',
    str(flags, 'pageSize'),
    1,
    100,
    'ListFlowOperationResults returns at most 100 flows per page',
  );
  if (pageSize !== undefined) r.pageSize = pageSize;
  const maxItems = o.integer('--max-items', str(flags, 'maxItems'), 1, Number.MAX_SAFE_INTEGER);
  if (maxItems !== undefined) r.maxItems = maxItems;
  const token = str(flags, 'startingToken');
  if (token !== undefined) {
    if (token === '')
      throw new UsageError('--starting-token', token, 'is empty', 'the NextToken printed by a previous run');
    r.startingToken = token;
  }
  const waitTimeout = o.durationMs('--wait-timeout', str(flags, 'waitTimeout'));
  if (waitTimeout !== undefined) r.waitTimeoutMs = waitTimeout;
  const poll = o.durationMs('--poll-interval', str(flags, 'pollInterval'));
  if (poll !== undefined) r.pollIntervalMs = poll;
  r.retry = retryOptions(flags);
  return r;
}

/**
 * --stall-timeout and the backoff, plus the attempt timeout: one API call (the SDK's own attempts
 * included) that runs longer than twice the connect and read timeouts is abandoned and retried, so a
 * server that drips its answer cannot hold the export (the read timeout only measures silences).
 */
function retryOptions(flags: Flags): RetryOptions {
  const ms = (flag: string, key: string): number | undefined => {
    const value = o.durationMs(flag, str(flags, key));
    if (value !== undefined && value > MAX_TIMER_MS)
      throw new UsageError(flag, str(flags, key), 'is too long', 'at most 24 days');
    return value;
  };
  const retry: RetryOptions = {};
  const stall = ms('--stall-timeout', 'stallTimeout');
  if (stall !== undefined) retry.stallTimeoutMs = stall;
  const base = ms('--retry-base-delay', 'retryBaseDelay');
  if (base !== undefined) retry.baseDelayMs = base;
  const max = ms('--retry-max-delay', 'retryMaxDelay');
  if (max !== undefined) retry.maxDelayMs = max;
  if ((max ?? DEFAULT_MAX_DELAY_MS) < (base ?? 0))
    throw new UsageError('--retry-max-delay', str(flags, 'retryMaxDelay'), 'is below --retry-base-delay');
  const connect = ms('--cli-connect-timeout', 'cliConnectTimeout') ?? DEFAULT_TIMEOUT_MS;
  const read = ms('--cli-read-timeout', 'cliReadTimeout') ?? DEFAULT_TIMEOUT_MS;
  if (connect > 0 && read > 0) retry.attemptTimeoutMs = Math.min(2 * (connect + read), MAX_TIMER_MS);
  return retry;
}

function aggregate(flags: Flags): Aggregate | null {
  const groupKeys = o.splitKeys(list(flags, 'groupBy'));
  const top = str(flags, 'top');
  const mask = parseMask(str(flags, 'mask'));
  if (groupKeys.length > 0 && top !== undefined)
    throw new UsageError(
      '--top',
      top,
      'cannot be combined with --group-by',
      'export one aggregate at a time',
    );
  if (groupKeys.length > 0) return groupAggregate(groupKeys, mask);
  if (top !== undefined) {
    const n = o.integer('--top', top, 0, 1_000_000, 'number of rows, 0 = all')!;
    return topAggregate({
      n,
      by: metric(str(flags, 'by')),
      key: str(flags, 'key') ?? 'source',
      ...(mask === undefined ? {} : { mask }),
    });
  }
  if (mask !== undefined)
    throw new UsageError('--mask', str(flags, 'mask'), 'applies to --group-by or --top only');
  return null;
}

export function metric(value: string | undefined): Metric {
  const v = value ?? 'bytes';
  if (v !== 'bytes' && v !== 'packets' && v !== 'flows')
    throw new UsageError('--by', value, 'is not a metric', 'one of bytes, packets, flows');
  return v;
}

function compression(flags: Flags, format: o.OutputFormat): ParquetCompression | undefined {
  const c = str(flags, 'compression');
  if (c === undefined) return undefined;
  if (format !== 'parquet') throw new UsageError('--compression', c, 'applies to parquet output only');
  if (!(PARQUET_COMPRESSIONS as readonly string[]).includes(c)) {
    throw new UsageError(
      '--compression',
      c,
      'is not a Parquet codec',
      `one of ${PARQUET_COMPRESSIONS.join(', ')}`,
    );
  }
  return c as ParquetCompression;
}

/** The jobs named on the command line (explicit ids), or null for --all-operations. */
function explicitJobs(flags: Flags, firewallArns: string[], scopeList: Scope[]): JobIdentity[] | null {
  const ids = list(flags, 'flowOperationId').map((id) => o.operationId(id));
  const all = bool(flags, 'allOperations');
  if (all && ids.length > 0)
    throw new UsageError(
      '--all-operations',
      undefined,
      'cannot be combined with --flow-operation-id',
      'use one or the other',
    );
  if (all) return null;
  if (ids.length === 0)
    throw new UsageError(
      '--flow-operation-id',
      undefined,
      'is required',
      'pass an id from `nfw-flows operations`, or --all-operations, or --input FILE',
    );
  if (firewallArns.length > 1)
    throw new UsageError(
      '--firewall-arn',
      firewallArns.join(','),
      'several firewalls need --all-operations',
      'give one --firewall-arn with --flow-operation-id',
    );
  const seen = new Set<string>();
  const jobs: JobIdentity[] = [];
  for (const flowOperationId of ids) {
    for (const scope of scopeList) {
      const job: JobIdentity = { firewallArn: firewallArns[0]!, flowOperationId, ...scope };
      const key = JSON.stringify(job);
      if (seen.has(key)) continue;
      seen.add(key);
      jobs.push(job);
    }
  }
  return jobs;
}

export function firewallArns(flags: Flags): string[] {
  const arns = list(flags, 'firewallArn');
  // capture finds these firewalls itself (commands/fleet-capture.ts).
  if (arns.length === 0 && (bool(flags, 'allFirewalls') || list(flags, 'firewallName').length > 0)) return [];
  if (arns.length === 0) return [o.firewallArn(undefined)];
  return arns.map((a) => o.firewallArn(a));
}

/**
 * `--input`: the file, and the provenance of bare Flow records (`--query Flows` output) from
 * --firewall-arn, --flow-operation-id, --availability-zone (one each; a response must agree with them).
 */
function fileSource(flags: Flags, input: string): FileSource {
  const provenance: FileProvenance = {};
  for (const [flag, key, check] of [
    ['firewallArn', 'firewallArn', (v: string) => o.firewallArn(v)],
    ['flowOperationId', 'flowOperationId', undefined],
    ['availabilityZone', 'availabilityZone', undefined],
  ] as const) {
    const values = list(flags, flag);
    if (values.length === 0) continue;
    const name = `--${flag.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
    if (values.length > 1)
      throw new UsageError(name, values[1], 'is given twice', 'with --input, give each provenance flag once');
    const value = values[0]!;
    if (value === '') throw new UsageError(name, value, 'is empty');
    provenance[key] = check ? check(value) : value;
  }
  return { kind: 'file', input: o.inputPath(input), strict: bool(flags, 'strict'), provenance };
}

/** export / capture plan (capture fills `source.jobs` after StartFlowCapture). */
export function exportPlan(command: 'export' | 'capture', flags: Flags): ExportPlan {
  const input = str(flags, 'input');
  const partitioned = bool(flags, 'partitioned');
  const force = bool(flags, 'force');
  const resume = bool(flags, 'resume');
  const outRaw = str(flags, 'out');
  if (outRaw === undefined || outRaw === '') o.outputPath(outRaw, false);
  const format = o.format(str(flags, 'format'), outRaw, partitioned);
  // Before anything else about the target: what --force may replace, and whether a run holds it.
  if (partitioned) targets.checkPartitionedTarget(outRaw!, force);
  else targets.checkFileTarget('--out', outRaw!);
  if (outRaw !== '-') {
    checkNotLocked(outRaw!, path.resolve(outRaw!));
    if (!partitioned) targets.checkStatusFile(outRaw!, force);
  }
  if (input === undefined && outRaw !== '-' && !force && !resume) {
    // An interrupted export (possibly killed past its commit point, its file already in place).
    const partial = partialDirectory(path.resolve(outRaw!));
    if (existsSync(partial))
      throw new UsageError(
        '--out',
        outRaw,
        `an interrupted export of it is kept in ${partial}`,
        'pass --resume to continue it, or --force to discard it',
      );
  }
  const out = o.outputPath(outRaw, force || resume);
  const agg = aggregate(flags);
  let source: ApiSource | FileSource;
  if (input !== undefined) {
    for (const flag of ['allOperations', 'startingToken', 'pageSize', 'maxItems']) {
      if (flags[flag] !== undefined) {
        throw new UsageError(
          '--input',
          input,
          `cannot be combined with --${flag.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`,
          'read either a saved response or the API',
        );
      }
    }
    if (resume)
      throw new UsageError(
        '--resume',
        undefined,
        'applies to API exports',
        'just run the --input export again',
      );
    if (partitioned) throw new UsageError('--partitioned', undefined, 'applies to API exports');
    source = fileSource(flags, input);
  } else {
    const arns = firewallArns(flags);
    const scopeList = scopes(flags);
    const read = readOptions(flags);
    const jobs = command === 'capture' ? [] : explicitJobs(flags, arns, scopeList);
    if (read.startingToken !== undefined && (jobs === null || jobs.length > 1)) {
      throw new UsageError(
        '--starting-token',
        read.startingToken,
        'applies to one operation in one scope',
        'export the operations separately',
      );
    }
    source = { kind: 'api', jobs, firewallArns: arns, scopes: scopeList, read };
  }
  if (out === '-') {
    if (resume)
      throw new UsageError('--resume', undefined, 'needs an --out file', 'stdout cannot be resumed');
    if (partitioned) throw new UsageError('--partitioned', undefined, 'needs an --out directory');
  }
  if (partitioned && agg !== null)
    throw new UsageError('--partitioned', undefined, 'cannot be combined with --group-by or --top');
  const rejectsRaw = str(flags, 'rejects');
  if (rejectsRaw !== undefined && rejectsRaw !== '') targets.checkFileTarget('--rejects', rejectsRaw);
  const rejects =
    rejectsRaw === undefined ? undefined : o.outputPath(rejectsRaw, force || resume, '--rejects');
  if (rejects === '-')
    throw new UsageError('--rejects', rejectsRaw, 'must be a file', 'stdout is reserved for data');
  if (rejects !== undefined)
    targets.checkRejectsPath(rejectsRaw!, rejects, {
      out,
      partitioned,
      input: source.kind === 'file' ? source.input : undefined,
    });
  const concurrency = o.integer('--concurrency', str(flags, 'concurrency'), 1, 64) ?? 4;
  return {
    command,
    clientFlags: source.kind === 'api' ? clientFlags(flags) : {},
    source,
    out,
    format,
    force,
    rejects,
    resume,
    quiet: bool(flags, 'quiet'),
    partitioned,
    concurrency,
    aggregate: agg,
    compression: compression(flags, format),
  };
}

function flagError(flag: string, value: string, error: unknown): never {
  if (isNfwError(error)) throw new UsageError(flag, value, error.message);
  throw error;
}

/** capture's FlowFilters from the filter flags, --filters-json or the AWS CLI's --flow-filters. */
export function captureFilters(flags: Flags): { filters: FlowFilter[]; minimumFlowAge: number } {
  const ownAge = str(flags, 'minimumFlowAge');
  const awsAge = str(flags, 'minimumFlowAgeInSeconds');
  if (ownAge !== undefined && awsAge !== undefined)
    throw new UsageError(
      '--minimum-flow-age-in-seconds',
      awsAge,
      'cannot be combined with --minimum-flow-age',
      'they are the same setting: pass one',
    );
  const minimumFlowAge =
    o.integer(
      awsAge !== undefined ? '--minimum-flow-age-in-seconds' : '--minimum-flow-age',
      awsAge ?? ownAge,
      0,
      86_400,
      'seconds; AWS recommends at least 60',
    ) ?? 60;
  const json = str(flags, 'filtersJson');
  const awsFilters = list(flags, 'flowFilters');
  const sources = list(flags, 'source');
  const destinations = list(flags, 'destination');
  const sourcePort = str(flags, 'sourcePort');
  const destinationPort = str(flags, 'destinationPort');
  const protocols = list(flags, 'protocol');
  const any =
    sources.length + destinations.length + protocols.length > 0 ||
    sourcePort !== undefined ||
    destinationPort !== undefined;
  if (awsFilters.length > 0) {
    if (any || json !== undefined)
      throw new UsageError(
        '--flow-filters',
        awsFilters.join(' '),
        `cannot be combined with ${json !== undefined ? '--filters-json' : 'the filter flags'}`,
        'put every filter in --flow-filters',
      );
    return { filters: parseFlowFilters(awsFilters), minimumFlowAge };
  }
  if (json !== undefined) {
    if (any)
      throw new UsageError(
        '--filters-json',
        json,
        'cannot be combined with the filter flags',
        'put every filter in the JSON',
      );
    let text = json;
    if (json.startsWith('file://')) {
      try {
        text = readFileSync(json.slice(7), 'utf8');
      } catch (error) {
        throw new UsageError(
          '--filters-json',
          json,
          `cannot be read (${(error as NodeJS.ErrnoException).code})`,
        );
      }
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new UsageError(
        '--filters-json',
        json,
        'is not valid JSON',
        'e.g. [{"DestinationPort":"443","Protocols":["6"]}]',
      );
    }
    if (!Array.isArray(parsed)) {
      throw new UsageError(
        '--filters-json',
        json,
        'must be a JSON array of 1 to 20 FlowFilter objects',
        'e.g. [{"DestinationPort":"443"}]',
      );
    }
    return { filters: checkFlowFilters(parsed, '--filters-json', json), minimumFlowAge };
  }
  if (!any) {
    throw new UsageError(
      '--source',
      undefined,
      'capture needs at least one filter',
      'pass --source, --destination, --source-port, --destination-port, --protocol, --filters-json or --flow-filters',
    );
  }
  const addr = (flag: string, v: string) => {
    try {
      const a = parseAddress(v, flag);
      return `${a.address}/${a.prefixLength}`;
    } catch (error) {
      return flagError(flag, v, error);
    }
  };
  const port = (flag: string, v: string | undefined) => {
    if (v === undefined) return undefined;
    try {
      const p = parsePortRange(v, flag);
      return p.any ? 'ANY' : p.from === p.to ? String(p.from) : `${p.from}:${p.to}`;
    } catch (error) {
      return flagError(flag, v, error);
    }
  };
  const protocolNumbers = protocols.map((v) => {
    try {
      return String(parseProtocol(v, '--protocol').number);
    } catch (error) {
      return flagError('--protocol', v, error);
    }
  });
  const src = sources.length > 0 ? sources.map((s) => addr('--source', s)) : [undefined];
  const dst = destinations.length > 0 ? destinations.map((d) => addr('--destination', d)) : [undefined];
  const sp = port('--source-port', sourcePort);
  const dp = port('--destination-port', destinationPort);
  const filters: FlowFilter[] = [];
  for (const s of src) {
    for (const d of dst) {
      const f: FlowFilter = {};
      if (s !== undefined) f.SourceAddress = { AddressDefinition: s };
      if (d !== undefined) f.DestinationAddress = { AddressDefinition: d };
      if (sp !== undefined) f.SourcePort = sp;
      if (dp !== undefined) f.DestinationPort = dp;
      if (protocolNumbers.length > 0) f.Protocols = protocolNumbers;
      filters.push(f);
    }
  }
  if (filters.length > 20) {
    throw new UsageError(
      '--source',
      sources.join(','),
      `${sources.length} sources x ${destinations.length} destinations make ${filters.length} filters; AWS allows 20`,
      'use CIDRs that cover several addresses',
    );
  }
  return { filters, minimumFlowAge };
}

export interface TopPlan {
  source: ApiSource | FileSource;
  clientFlags: ClientFlags;
  options: TopTalkersOptions;
  json: boolean;
  quiet: boolean;
}

export function topPlan(flags: Flags): TopPlan {
  const n = o.integer('-n', str(flags, 'n'), 0, 1_000_000, 'rows to print, 0 = all') ?? 10;
  const mask = parseMask(str(flags, 'mask'));
  const agg = topAggregate({
    n,
    by: metric(str(flags, 'by')),
    key: str(flags, 'key') ?? 'source',
    ...(mask === undefined ? {} : { mask }),
  });
  const options = (agg as { kind: 'top'; options: TopTalkersOptions }).options;
  const input = str(flags, 'input');
  let source: ApiSource | FileSource;
  if (input !== undefined) {
    if (flags.allOperations !== undefined)
      throw new UsageError('--input', input, 'cannot be combined with --all-operations');
    source = fileSource(flags, input);
  } else {
    const arns = firewallArns(flags);
    const scopeList = scopes(flags);
    const read = readOptions(flags);
    source = {
      kind: 'api',
      jobs: explicitJobs(flags, arns, scopeList),
      firewallArns: arns,
      scopes: scopeList,
      read,
    };
  }
  return {
    source,
    clientFlags: source.kind === 'api' ? clientFlags(flags) : {},
    options,
    json: bool(flags, 'json'),
    quiet: bool(flags, 'quiet'),
  };
}
