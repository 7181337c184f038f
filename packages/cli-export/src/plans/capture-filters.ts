/** capture's FlowFilters and minimum flow age, from the filter flags, --filters-json or --flow-filters. */
import { readFileSync } from 'node:fs';
import type { FlowFilter } from '@aws-sdk/client-network-firewall';
import { isNfwError, parseAddress, parsePortRange, parseProtocol } from '@nfw-flows/core';
import { checkFlowFilters, parseFlowFilters } from '../flow-filters.js';
import * as o from '../options.js';
import { UsageError } from '../usage-error.js';
import { type Flags, listFlag, stringFlag } from './flag-values.js';

/** What StartFlowCapture is asked to capture. */
export interface CaptureFilters {
  filters: FlowFilter[];
  minimumFlowAge: number;
}

/** AWS allows this many FlowFilters per capture. */
const MAX_FILTERS = 20;

export function captureFilters(flags: Flags): CaptureFilters {
  const minimumFlowAge = minimumFlowAgeFlag(flags);
  const json = stringFlag(flags, 'filtersJson');
  const awsFilters = listFlag(flags, 'flowFilters');
  const filterFlags = filterFlagValues(flags);
  if (awsFilters.length > 0) {
    if (filterFlags.given || json !== undefined)
      throw new UsageError(
        '--flow-filters',
        awsFilters.join(' '),
        `cannot be combined with ${json !== undefined ? '--filters-json' : 'the filter flags'}`,
        'put every filter in --flow-filters',
      );
    return { filters: parseFlowFilters(awsFilters), minimumFlowAge };
  }
  if (json !== undefined) {
    if (filterFlags.given)
      throw new UsageError(
        '--filters-json',
        json,
        'cannot be combined with the filter flags',
        'put every filter in the JSON',
      );
    return { filters: filtersFromJson(json), minimumFlowAge };
  }
  return { filters: filtersFromFlags(filterFlags), minimumFlowAge };
}

/** --minimum-flow-age, or the AWS CLI's --minimum-flow-age-in-seconds; 60 as AWS recommends. */
function minimumFlowAgeFlag(flags: Flags): number {
  const ownAge = stringFlag(flags, 'minimumFlowAge');
  const awsAge = stringFlag(flags, 'minimumFlowAgeInSeconds');
  if (ownAge !== undefined && awsAge !== undefined)
    throw new UsageError(
      '--minimum-flow-age-in-seconds',
      awsAge,
      'cannot be combined with --minimum-flow-age',
      'they are the same setting: pass one',
    );
  return (
    o.integer(
      awsAge !== undefined ? '--minimum-flow-age-in-seconds' : '--minimum-flow-age',
      awsAge ?? ownAge,
      0,
      86_400,
      'seconds; AWS recommends at least 60',
    ) ?? 60
  );
}

/** --filters-json: a JSON array of FlowFilter objects, inline or file://path. */
function filtersFromJson(json: string): FlowFilter[] {
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
  return checkFlowFilters(parsed, '--filters-json', json);
}

interface FilterFlagValues {
  sources: string[];
  destinations: string[];
  sourcePort: string | undefined;
  destinationPort: string | undefined;
  protocols: string[];
  /** True when any filter flag was given. */
  given: boolean;
}

function filterFlagValues(flags: Flags): FilterFlagValues {
  const sources = listFlag(flags, 'source');
  const destinations = listFlag(flags, 'destination');
  const sourcePort = stringFlag(flags, 'sourcePort');
  const destinationPort = stringFlag(flags, 'destinationPort');
  const protocols = listFlag(flags, 'protocol');
  const given =
    sources.length + destinations.length + protocols.length > 0 ||
    sourcePort !== undefined ||
    destinationPort !== undefined;
  return { sources, destinations, sourcePort, destinationPort, protocols, given };
}

/** One filter per source and destination pair, each with the ports and protocols. */
function filtersFromFlags(values: FilterFlagValues): FlowFilter[] {
  const { sources, destinations, protocols } = values;
  if (!values.given) {
    throw new UsageError(
      '--source',
      undefined,
      'capture needs at least one filter',
      'pass --source, --destination, --source-port, --destination-port, --protocol, --filters-json or --flow-filters',
    );
  }
  const protocolNumbers = protocols.map(protocolNumber);
  const src = sources.length > 0 ? sources.map((s) => addressDefinition('--source', s)) : [undefined];
  const dst =
    destinations.length > 0 ? destinations.map((d) => addressDefinition('--destination', d)) : [undefined];
  const sp = portDefinition('--source-port', values.sourcePort);
  const dp = portDefinition('--destination-port', values.destinationPort);
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
  if (filters.length > MAX_FILTERS) {
    throw new UsageError(
      '--source',
      sources.join(','),
      `${sources.length} sources x ${destinations.length} destinations make ${filters.length} filters; AWS allows ${MAX_FILTERS}`,
      'use CIDRs that cover several addresses',
    );
  }
  return filters;
}

/** A core parse error of a flag's value as a usage error (exit 2) naming the flag. */
function flagError(flag: string, value: string, error: unknown): never {
  if (isNfwError(error)) throw new UsageError(flag, value, error.message);
  throw error;
}

/** An address or CIDR as the `address/prefix` AddressDefinition. */
function addressDefinition(flag: string, value: string): string {
  try {
    const a = parseAddress(value, flag);
    return `${a.address}/${a.prefixLength}`;
  } catch (error) {
    return flagError(flag, value, error);
  }
}

/** A port or range as the API writes it: `443`, `1990:1994` or `ANY`. */
function portDefinition(flag: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  try {
    const p = parsePortRange(value, flag);
    return p.any ? 'ANY' : p.from === p.to ? String(p.from) : `${p.from}:${p.to}`;
  } catch (error) {
    return flagError(flag, value, error);
  }
}

/** A protocol number or keyword as its IANA number. */
function protocolNumber(value: string): string {
  try {
    return String(parseProtocol(value, '--protocol').number);
  } catch (error) {
    return flagError('--protocol', value, error);
  }
}
