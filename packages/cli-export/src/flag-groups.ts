/**
 * The flag groups several commands share, with their help texts (AWS CLI names where the concept is
 * the same), and the examples block of the help.
 */
import { type Command, Option } from 'commander';
import { collect } from './options.js';

/** Placeholders of the help examples. */
export const EXAMPLE_ARN = 'arn:aws:network-firewall:us-east-1:123456789012:firewall/prod';
export const EXAMPLE_OPERATION_ID = '6c8d1f9e-2b1a-4c3d-9e8f-0a1b2c3d4e5f';

/** The firewall, scope and (with `operations`) operation flags. */
export function apiFlags(cmd: Command, opts: { operations: boolean }): Command {
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

/** The AWS CLI's endpoint, region, profile and timeout flags. */
export function awsFlags(cmd: Command): Command {
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

/** Paging, waiting and retry flags of a read of flow operation results. */
export function pagingFlags(cmd: Command): Command {
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

/** The output file, format, resume and aggregate flags of `export` and `capture`. */
export function outputFlags(cmd: Command): Command {
  return cmd
    .option('--out <path>', 'output file, - for stdout, or a directory with --partitioned')
    .option('--format <format>', 'arrow, arrows, parquet, ndjson or csv (default: from the --out extension)')
    .option(
      '--partitioned',
      'write a directory of Hive-style partitions firewall=/availability_zone=/flow_operation_id=',
    )
    .option(
      '--max-file-size <size>',
      'with --partitioned: start a new part file once one reaches this size, e.g. 256MiB, 1GB (default 512MiB)',
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

/** The `Examples:` block of a help text. */
export function examples(lines: string[]): string {
  return `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`;
}
