/**
 * The commander definitions of `nfw-flows`: commands, flags (AWS CLI names where the concept is the
 * same), help with examples. Actions turn raw flags into typed plans (plans.ts) and run them.
 */
import { createRequire } from 'node:module';
import { Command, Option } from 'commander';
import { registerDiffCommand } from './commands/diff.js';
import { collect } from './options.js';

const ARN = 'arn:aws:network-firewall:us-east-1:123456789012:firewall/prod';
const OP = '6c8d1f9e-2b1a-4c3d-9e8f-0a1b2c3d4e5f';

export type Action = (command: string, flags: Record<string, unknown>) => Promise<void>;

function apiFlags(cmd: Command, opts: { operations: boolean }): Command {
  cmd
    .option('--firewall-arn <arn>', 'ARN of the firewall (repeatable with --all-operations)', collect)
    .option(
      '--availability-zone <az>',
      'scope: Availability Zone of the firewall endpoint (repeatable)',
      collect,
    )
    .option(
      '--vpc-endpoint-id <id>',
      'scope: VPC endpoint id (repeatable, paired with --vpc-endpoint-association-arn)',
      collect,
    )
    .option(
      '--vpc-endpoint-association-arn <arn>',
      'scope: VPC endpoint association ARN (repeatable)',
      collect,
    );
  if (opts.operations) {
    cmd
      .option('--flow-operation-id <id>', 'flow operation to read (repeatable)', collect)
      .option('--all-operations', 'every completed flow capture of the firewall(s) in the scope(s)');
  }
  return cmd;
}

function awsFlags(cmd: Command): Command {
  return cmd
    .option('--endpoint-url <url>', 'override the service endpoint (also AWS_ENDPOINT_URL)')
    .option('--region <region>', 'AWS region (default: AWS_REGION, AWS_DEFAULT_REGION or the profile)')
    .option('--profile <name>', 'profile from ~/.aws/config and ~/.aws/credentials (default: AWS_PROFILE)')
    .option(
      '--cli-connect-timeout <seconds>',
      'give up connecting after this long, 0 = never (as the AWS CLI; e.g. 60, 500ms)',
      '60',
    )
    .option(
      '--cli-read-timeout <seconds>',
      'give up on an answer silent for this long, 0 = never (as the AWS CLI; e.g. 60, 500ms)',
      '60',
    );
}

function pagingFlags(cmd: Command): Command {
  return cmd
    .option('--starting-token <token>', 'NextToken to start from (one operation only)')
    .option('--page-size <n>', 'flows per API call, 1..100 (MaxResults)')
    .option('--max-items <n>', 'stop after this many flows per operation')
    .option('--wait', 'wait while the operation is IN_PROGRESS (default)')
    .option('--no-wait', 'fail instead of waiting for an IN_PROGRESS operation')
    .option('--wait-timeout <duration>', 'give up waiting after this long (e.g. 600, 10m)', '10m')
    .addOption(new Option('--poll-interval <duration>', 'first DescribeFlowOperation poll delay').hideHelp())
    .option(
      '--stall-timeout <duration>',
      'retry throttling, 5xx, resets and timeouts until no page arrived for this long (e.g. 300, 5m; 0 = never retry)',
      '5m',
    )
    .addOption(new Option('--retry-base-delay <duration>', 'first retry backoff cap').hideHelp())
    .addOption(new Option('--retry-max-delay <duration>', 'largest retry backoff cap').hideHelp());
}

function outputFlags(cmd: Command): Command {
  return cmd
    .option('--out <path>', 'output file, - for stdout, or a directory with --partitioned')
    .option('--format <format>', 'arrow, arrows, parquet, ndjson or csv (default: from the --out extension)')
    .option(
      '--partitioned',
      'write a directory of Hive-style partitions firewall=/availability_zone=/flow_operation_id=',
    )
    .option('--compression <codec>', 'Parquet compression: zstd (default), snappy, gzip, brotli, lz4, none')
    .option('--force', 'overwrite existing outputs; discard an interrupted export of the same target')
    .option('--resume', 'continue an interrupted export of the same --out from its checkpoint')
    .option('--rejects <path>', 'write rejected records (with their reason) as NDJSON')
    .option('--strict', 'fail on the first invalid record instead of rejecting it')
    .option('--concurrency <n>', 'operations exported at once', '4')
    .option(
      '--group-by <keys>',
      'export aggregated rows grouped by keys, e.g. source/24,64,destinationPort (sources rolled up to IPv4 /24 and IPv6 /64, then port)',
      collect,
    )
    .option('--top <n>', 'export the top N talkers instead of raw flows')
    .option('--by <metric>', 'ranking metric for --top: bytes, packets or flows', 'bytes')
    .option(
      '--key <key>',
      'key for --top: source, destination, ip, pair, sourcePort, destinationPort or protocol; addresses roll up with /prefix, e.g. source/24,64 (IPv4 /24, IPv6 /64)',
      'source',
    )
    .option('--mask <prefix>', 'roll addresses up to this prefix, e.g. 24 or 24,64')
    .option('--quiet', 'no progress and no summary on stderr (errors are still printed)');
}

function examples(lines: string[]): string {
  return `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`;
}

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
          `nfw-flows capture --firewall-arn ${ARN} --availability-zone us-east-1a --destination-port 443 --out flows.parquet`,
          `nfw-flows operations --firewall-arn ${ARN} --availability-zone us-east-1a`,
          `nfw-flows export --firewall-arn ${ARN} --flow-operation-id ${OP} --availability-zone us-east-1a --out flows.arrow`,
          `nfw-flows top --input results.json --key source/24,64 -n 10`,
        ],
      )}`,
    );

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
        `nfw-flows export --firewall-arn ${ARN} --flow-operation-id ${OP} --availability-zone us-east-1a --out flows.parquet`,
        `nfw-flows export --firewall-arn ${ARN} --flow-operation-id ${OP} --availability-zone us-east-1a --out - --format ndjson | jq .`,
        `nfw-flows export --firewall-arn ${ARN} --all-operations --availability-zone us-east-1a --availability-zone us-east-1b --partitioned --out flows/`,
        `nfw-flows export --input results.json --out flows.csv --rejects rejects.ndjson`,
        `nfw-flows export --input results.json --group-by source/24,64,destinationPort --out by-subnet.parquet`,
        `nfw-flows export --input results.json --top 100 --by packets --key destination/24,64 --out top-destinations.csv`,
        `nfw-flows export ... --out flows.parquet --resume   # continue after a failure or Ctrl-C`,
      ]),
    )
    .action(async (flags: Record<string, unknown>) => action('export', flags));

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
    .addHelpText(
      'after',
      examples([
        `nfw-flows capture --firewall-arn ${ARN} --availability-zone us-east-1a --destination-port 443 --protocol TCP --out flows.parquet`,
        `nfw-flows capture --firewall-arn ${ARN} --availability-zone us-east-1a --source 10.0.0.0/16 --out - --format ndjson`,
        `nfw-flows capture --firewall-arn ${ARN} --availability-zone us-east-1a --filters-json file://filters.json --out flows.arrow`,
        `nfw-flows capture --firewall-arn ${ARN} --availability-zone us-east-1a --flow-filters DestinationAddress={AddressDefinition=10.0.0.0/8},Protocols=6,17 --out flows.parquet`,
        `nfw-flows capture --firewall-arn ${ARN} --destination-port 443 --out flows.parquet   # every Availability Zone`,
        'nfw-flows capture --all-firewalls --source 0.0.0.0/0 --partitioned --out fleet/',
        'nfw-flows capture --firewall-name prod --vpc-endpoint-associations --protocol TCP --out assoc.parquet',
      ]),
    )
    .action(async (flags: Record<string, unknown>) => action('capture', flags));

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
        `nfw-flows operations --firewall-arn ${ARN} --availability-zone us-east-1a`,
        `nfw-flows operations --firewall-arn ${ARN} --availability-zone us-east-1a --json | jq -r '.[].FlowOperationId'`,
      ]),
    )
    .action(async (flags: Record<string, unknown>) => action('operations', flags));

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
        `nfw-flows top --firewall-arn ${ARN} --flow-operation-id ${OP} --availability-zone us-east-1a --key source/24,64`,
        'nfw-flows top --input results.json --key destination/24,64 --by packets -n 20',
        'nfw-flows top --input results.json --key pair --by flows',
        'nfw-flows top --input results.json --key destinationPort --json',
      ]),
    )
    .action(async (flags: Record<string, unknown>) => action('top', flags));

  for (const cmd of [exportCmd, captureCmd, operationsCmd, topCmd]) {
    cmd.allowExcessArguments(false);
    program.addCommand(cmd);
  }
  registerDiffCommand(program, action, { aws: awsFlags, paging: pagingFlags });
  return program;
}

// src/ and dist/ are both one level below the package root.
export const VERSION: string = (createRequire(import.meta.url)('../package.json') as { version: string })
  .version;
