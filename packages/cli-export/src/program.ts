/**
 * The commander definitions of `nfw-flows`: commands, flags and help with examples. Actions turn raw
 * flags into typed plans (src/plans/) and run them.
 */
import { createRequire } from 'node:module';
import { Command, Option } from 'commander';
import { registerDiffCommand } from './commands/diff.js';
import { tableDdlCommand } from './commands/table-ddl.js';
import {
  apiFlags,
  awsFlags,
  EXAMPLE_ARN,
  EXAMPLE_OPERATION_ID,
  examples,
  outputFlags,
  pagingFlags,
} from './flag-groups.js';
import { collect } from './options.js';

export type Action = (command: string, flags: Record<string, unknown>) => Promise<void>;

export function buildProgram(action: Action): Command {
  const program = new Command('nfw-flows');
  program
    .description('Export AWS Network Firewall flow captures to Arrow, Parquet, NDJSON and CSV')
    .version(`nfw-flows ${VERSION}`, '--version')
    .showHelpAfterError(false)
    .addHelpText(
      'after',
      `\nCredentials and region come from the AWS SDK's default chain (AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL,\n~/.aws/config, SSO, roles). Exit codes: 0 done, 1 failed, 2 usage error, 3 done but incomplete data\n(COMPLETED_WITH_ERRORS or rejected records), 130 interrupted.${examples(
        [
          `nfw-flows capture --firewall-arn ${EXAMPLE_ARN} --availability-zone us-east-1a --destination-port 443 --out flows.parquet`,
          `nfw-flows operations --firewall-arn ${EXAMPLE_ARN} --availability-zone us-east-1a`,
          `nfw-flows export --firewall-arn ${EXAMPLE_ARN} --flow-operation-id ${EXAMPLE_OPERATION_ID} --availability-zone us-east-1a --out flows.arrow`,
          `nfw-flows top --input results.json --key source/24,64 -n 10`,
        ],
      )}`,
    );
  for (const cmd of [
    exportCommand(action),
    captureCommand(action),
    operationsCommand(action),
    topCommand(action),
    tableDdlCommand(action),
  ]) {
    cmd.allowExcessArguments(false);
    program.addCommand(cmd);
  }
  registerDiffCommand(program, action);
  return program;
}

/** `nfw-flows export`: the flows of flow operations, from the API or a saved response, to a file. */
function exportCommand(action: Action): Command {
  const exportCmd = new Command('export')
    .description('export the flows of flow operations (from the API or a saved response) to a file')
    .option(
      '--input <file>',
      'read a saved ListFlowOperationResults response (JSON, JSON lines, gzip, a FIFO) instead of the API; - for stdin. Bare Flow records (--query Flows output) take their provenance from --firewall-arn, --flow-operation-id, --availability-zone',
    );
  apiFlags(exportCmd, { operations: true });
  awsFlags(exportCmd);
  pagingFlags(exportCmd);
  outputFlags(exportCmd);
  exportCmd
    .addHelpText(
      'after',
      examples([
        `nfw-flows export --firewall-arn ${EXAMPLE_ARN} --flow-operation-id ${EXAMPLE_OPERATION_ID} --availability-zone us-east-1a --out flows.parquet`,
        `nfw-flows export --firewall-arn ${EXAMPLE_ARN} --flow-operation-id ${EXAMPLE_OPERATION_ID} --availability-zone us-east-1a --out - --format ndjson | jq .`,
        `nfw-flows export --firewall-arn ${EXAMPLE_ARN} --all-operations --availability-zone us-east-1a --availability-zone us-east-1b --partitioned --out flows/`,
        `nfw-flows export --input results.json --out flows.csv --rejects rejects.ndjson`,
        `nfw-flows export --input results.json --group-by source/24,64,destinationPort --out by-subnet.parquet`,
        `nfw-flows export --input results.json --top 100 --by packets --key destination/24,64 --out top-destinations.csv`,
        `nfw-flows export ... --out flows.parquet --resume   # continue after a failure or Ctrl-C`,
      ]),
    )
    .action(async (flags: Record<string, unknown>) => action('export', flags));
  return exportCmd;
}

/** `nfw-flows capture`: StartFlowCapture with filters, then the export of its flows. */
function captureCommand(action: Action): Command {
  const captureCmd = new Command('capture')
    .description(
      'start flow captures (StartFlowCapture), wait for them, and export their flows; without a scope flag, every Availability Zone of each firewall',
    )
    .option('--source <cidr>', 'filter: source address or CIDR (repeatable)', collect)
    .option('--destination <cidr>', 'filter: destination address or CIDR (repeatable)', collect)
    .option('--source-port <port>', 'filter: source port, range A:B, or ANY')
    .option('--destination-port <port>', 'filter: destination port, range A:B, or ANY')
    .option(
      '--protocol <protocol>',
      'filter: IANA protocol number or keyword, e.g. 6 or TCP (repeatable)',
      collect,
    )
    .option('--minimum-flow-age <seconds>', 'ignore flows younger than this (default 60, as AWS recommends)')
    .option('--minimum-flow-age-in-seconds <seconds>', 'the AWS CLI name of --minimum-flow-age')
    .option('--filters-json <json>', 'FlowFilters as JSON, or file://path (instead of the filter flags)')
    .option(
      '--flow-filters <filter...>',
      'the AWS CLI parameter: shorthand (one filter per value), JSON, or file://path',
    );
  apiFlags(captureCmd, { operations: false });
  captureCmd
    .option('--firewall-name <name>', 'a firewall by name, where an ARN works (repeatable)', collect)
    .option('--all-firewalls', 'every firewall of the region (ListFirewalls)')
    .option(
      '--vpc-endpoint-associations',
      'without a scope flag: capture each VPC endpoint association instead of each Availability Zone',
    );
  awsFlags(captureCmd);
  pagingFlags(captureCmd);
  outputFlags(captureCmd);
  captureCmd
    .option(
      '--every <duration>',
      'repeat the capture on this cadence (e.g. 30s, 5m, 1h) into --partitioned --out DIR, one capture_time= partition per round',
    )
    .option('--count <n>', 'with --every: stop after N rounds (default: until Ctrl-C)')
    .option(
      '--diff',
      "with --every: write each round's diff against the previous good round under DIR/_diff/",
    )
    .addHelpText(
      'after',
      examples([
        `nfw-flows capture --firewall-arn ${EXAMPLE_ARN} --availability-zone us-east-1a --destination-port 443 --protocol TCP --out flows.parquet`,
        `nfw-flows capture --firewall-arn ${EXAMPLE_ARN} --availability-zone us-east-1a --source 10.0.0.0/16 --out - --format ndjson`,
        `nfw-flows capture --firewall-arn ${EXAMPLE_ARN} --availability-zone us-east-1a --filters-json file://filters.json --out flows.arrow`,
        `nfw-flows capture --firewall-arn ${EXAMPLE_ARN} --availability-zone us-east-1a --flow-filters DestinationAddress={AddressDefinition=10.0.0.0/8},Protocols=6,17 --out flows.parquet`,
        `nfw-flows capture --firewall-arn ${EXAMPLE_ARN} --destination-port 443 --out flows.parquet   # every Availability Zone`,
        'nfw-flows capture --all-firewalls --source 0.0.0.0/0 --partitioned --out fleet/',
        'nfw-flows capture --firewall-name prod --vpc-endpoint-associations --protocol TCP --out assoc.parquet',
        `nfw-flows capture --firewall-arn ${EXAMPLE_ARN} --source 0.0.0.0/0 --every 5m --count 12 --diff --partitioned --out series/   # an hour, every zone`,
      ]),
    )
    .action(async (flags: Record<string, unknown>) => action('capture', flags));
  return captureCmd;
}

/** `nfw-flows operations`: ListFlowOperations as a table or JSON. */
function operationsCommand(action: Action): Command {
  const operationsCmd = new Command('operations').description(
    'list the flow operations of a firewall (ListFlowOperations)',
  );
  apiFlags(operationsCmd, { operations: false });
  awsFlags(operationsCmd);
  operationsCmd
    .addOption(
      new Option('--flow-operation-type <type>', 'only this type').choices(['FLOW_CAPTURE', 'FLOW_FLUSH']),
    )
    .option('--json', 'print JSON (an array of operations) instead of a table')
    .addHelpText(
      'after',
      examples([
        `nfw-flows operations --firewall-arn ${EXAMPLE_ARN} --availability-zone us-east-1a`,
        `nfw-flows operations --firewall-arn ${EXAMPLE_ARN} --availability-zone us-east-1a --json | jq -r '.[].FlowOperationId'`,
      ]),
    )
    .action(async (flags: Record<string, unknown>) => action('operations', flags));
  return operationsCmd;
}

/** `nfw-flows top`: the top talkers of an operation or a saved response. */
function topCommand(action: Action): Command {
  const topCmd = new Command('top')
    .description('print the top talkers of a flow operation (or a saved response) as a table')
    .option(
      '--input <file>',
      'read a saved ListFlowOperationResults response (e.g. the AWS CLI output, or --query Flows output) instead of the API; - for stdin',
    );
  apiFlags(topCmd, { operations: true });
  awsFlags(topCmd);
  pagingFlags(topCmd);
  topCmd
    .option('-n, --n <n>', 'rows to print (0 = all)', '10')
    .option('--by <metric>', 'bytes, packets or flows', 'bytes')
    .option(
      '--key <key>',
      'source, destination, ip, pair, sourcePort, destinationPort or protocol; addresses roll up with /prefix, e.g. source/24,64 (IPv4 /24, IPv6 /64)',
      'source',
    )
    .option('--mask <prefix>', 'roll addresses up to this prefix, e.g. 24 or 24,64')
    .option('--strict', 'fail on the first invalid record instead of rejecting it')
    .option('--json', 'print JSON rows instead of a table')
    .option('--quiet', 'no progress on stderr')
    .addHelpText(
      'after',
      examples([
        `nfw-flows top --firewall-arn ${EXAMPLE_ARN} --flow-operation-id ${EXAMPLE_OPERATION_ID} --availability-zone us-east-1a --key source/24,64`,
        'nfw-flows top --input results.json --key destination/24,64 --by packets -n 20',
        'nfw-flows top --input results.json --key pair --by flows',
        'nfw-flows top --input results.json --key destinationPort --json',
      ]),
    )
    .action(async (flags: Record<string, unknown>) => action('top', flags));
  return topCmd;
}

// src/ and dist/ are both one level below the package root.
export const VERSION: string = (createRequire(import.meta.url)('../package.json') as { version: string })
  .version;
