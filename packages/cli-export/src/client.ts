/**
 * The Network Firewall client, configured the way the AWS CLI is: --region, --profile and
 * --endpoint-url override the SDK's own resolution (AWS_REGION, AWS_PROFILE, AWS_ENDPOINT_URL,
 * ~/.aws/config), and credentials come from the SDK's default provider chain. Nothing here reads or
 * stores secrets.
 */
import { NetworkFirewallClient, type NetworkFirewallClientConfig } from '@aws-sdk/client-network-firewall';

export interface ClientFlags {
  region?: string;
  profile?: string;
  endpointUrl?: string;
}

export function createClient(flags: ClientFlags): NetworkFirewallClient {
  const config: NetworkFirewallClientConfig = {};
  if (flags.region !== undefined) config.region = flags.region;
  if (flags.profile !== undefined) config.profile = flags.profile;
  if (flags.endpointUrl !== undefined) config.endpoint = flags.endpointUrl;
  return new NetworkFirewallClient(config);
}
