/** Where an `--input` read goes: the saved response and the provenance its bare records lack. */
import type { FileProvenance } from '@nfw-flows/core';
import type { FileSource } from '../commands/export.js';
import * as o from '../options.js';
import { UsageError } from '../usage-error.js';
import { booleanFlag, type Flags, flagName, listFlag } from './flag-values.js';

/**
 * `--input`: the file, and the provenance of bare Flow records (`--query Flows` output) from
 * --firewall-arn, --flow-operation-id, --availability-zone (one each; a response must agree with them).
 */
export function fileSource(flags: Flags, input: string): FileSource {
  const provenance: FileProvenance = {};
  for (const [key, check] of [
    ['firewallArn', (v: string) => o.firewallArn(v)],
    ['flowOperationId', undefined],
    ['availabilityZone', undefined],
  ] as const) {
    const values = listFlag(flags, key);
    if (values.length === 0) continue;
    const name = flagName(key);
    if (values.length > 1)
      throw new UsageError(name, values[1], 'is given twice', 'with --input, give each provenance flag once');
    const value = values[0]!;
    if (value === '') throw new UsageError(name, value, 'is empty');
    provenance[key] = check ? check(value) : value;
  }
  return { kind: 'file', input: o.inputPath(input), strict: booleanFlag(flags, 'strict'), provenance };
}
