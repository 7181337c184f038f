/**
 * The Network Firewall client, configured the way the AWS CLI is: --region, --profile and
 * --endpoint-url override the SDK's own resolution (AWS_REGION, AWS_PROFILE, AWS_ENDPOINT_URL,
 * ~/.aws/config), and credentials come from the SDK's default provider chain. The JS SDK reads only
 * AWS_REGION; the AWS CLI and boto3 read AWS_DEFAULT_REGION, so it is honoured too, below AWS_REGION
 * (as AWS CLI v2 orders them) and above the profile's region. Nothing here reads or stores secrets.
 */
import type { NetworkFirewallClient, NetworkFirewallClientConfig } from '@aws-sdk/client-network-firewall';
import { UsageError } from './usage-error.js';

export interface ClientFlags {
  region?: string;
  profile?: string;
  endpointUrl?: string;
  /** --cli-connect-timeout in ms (0: none; default 60 s, as the AWS CLI). */
  connectTimeoutMs?: number;
  /** --cli-read-timeout in ms (0: none; default 60 s, as the AWS CLI). */
  readTimeoutMs?: number;
}

/** The AWS CLI's default connect and read timeouts. */
export const DEFAULT_TIMEOUT_MS = 60_000;

type Sdk = typeof import('@aws-sdk/client-network-firewall');
let sdk: Promise<Sdk> | undefined;

/**
 * The SDK, imported on first use: loading it is most of the CLI's start-up, which an export of a
 * saved file (`--input`) never needs.
 */
export function loadSdk(): Promise<Sdk> {
  sdk ??= import('@aws-sdk/client-network-firewall');
  return sdk;
}

/** The region to give the SDK, or undefined to let it resolve one (AWS_REGION, then the profile). */
export function regionOf(flags: ClientFlags, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (flags.region !== undefined) return flags.region;
  if (env.AWS_REGION) return undefined;
  const fallback = env.AWS_DEFAULT_REGION;
  if (!fallback) return undefined;
  if (!REGION.test(fallback))
    throw new UsageError('AWS_DEFAULT_REGION', fallback, 'is not an AWS region name', 'e.g. us-east-1');
  return fallback;
}

const REGION = /^[a-z]{2}(-[a-z0-9]+)+-\d+$/;

export async function createClient(flags: ClientFlags): Promise<NetworkFirewallClient> {
  const { NetworkFirewallClient } = await loadSdk();
  const config: NetworkFirewallClientConfig = {};
  const region = regionOf(flags);
  if (region !== undefined) config.region = region;
  if (flags.profile !== undefined) config.profile = flags.profile;
  if (flags.endpointUrl !== undefined) config.endpoint = flags.endpointUrl;
  // The SDK's NodeHttpHandler has no timeouts by default: a server that never answers would hang the
  // export. The read timeout bounds both the wait for the answer and each silence within its body;
  // without throwOnRequestTimeout the former would only log a warning.
  const connect = flags.connectTimeoutMs ?? DEFAULT_TIMEOUT_MS;
  const read = flags.readTimeoutMs ?? DEFAULT_TIMEOUT_MS;
  config.requestHandler = {
    ...(connect > 0 ? { connectionTimeout: connect } : {}),
    ...(read > 0 ? { requestTimeout: read, socketTimeout: read, throwOnRequestTimeout: true } : {}),
  };
  const client = new NetworkFirewallClient(config);
  await preflight(client);
  return client;
}

/**
 * Resolve the region and the credentials now, before the caller creates any output or checkpoint: a
 * configuration error (no region, no credentials, a broken profile) then leaves nothing behind. The
 * SDK memoizes both, so the first request reuses what was resolved here.
 */
async function preflight(client: NetworkFirewallClient): Promise<void> {
  const config = client.config as { region?: unknown; credentials?: unknown };
  for (const provider of [config.region, config.credentials]) {
    if (typeof provider === 'function') await (provider as () => Promise<unknown>)();
  }
}
