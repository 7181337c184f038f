/**
 * The Network Firewall client, configured the way the AWS CLI is: --region, --profile and
 * --endpoint-url override the SDK's own resolution (AWS_REGION, AWS_PROFILE, AWS_ENDPOINT_URL,
 * ~/.aws/config), and credentials come from the SDK's default provider chain. Nothing here reads or
 * stores secrets.
 */
import type { NetworkFirewallClient, NetworkFirewallClientConfig } from '@aws-sdk/client-network-firewall';

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
 * The SDK, imported on first use: loading it is most of the CLI's start-up (about 0.3 s), which an
 * export of a saved file (`--input`) never needs.
 */
export function loadSdk(): Promise<Sdk> {
  sdk ??= import('@aws-sdk/client-network-firewall');
  return sdk;
}

export async function createClient(flags: ClientFlags): Promise<NetworkFirewallClient> {
  const { NetworkFirewallClient } = await loadSdk();
  const config: NetworkFirewallClientConfig = {};
  if (flags.region !== undefined) config.region = flags.region;
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
  return new NetworkFirewallClient(config);
}
