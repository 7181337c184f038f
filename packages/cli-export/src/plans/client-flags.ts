/** The flags that configure the SDK client: region, profile, endpoint and timeouts. */
import type { ClientFlags } from '../client.js';
import * as o from '../options.js';
import { UsageError } from '../usage-error.js';
import { type Flags, stringFlag } from './flag-values.js';
import { MAX_TIMER_MS } from './read-options.js';

export function clientFlags(flags: Flags): ClientFlags {
  const c: ClientFlags = {};
  const region = o.region(stringFlag(flags, 'region'));
  if (region !== undefined) c.region = region;
  // The SDK takes an empty AWS_REGION as a region and fails later with an unrelated error.
  else if (process.env.AWS_REGION === '')
    throw new UsageError('AWS_REGION', '', 'is set but empty', 'unset it, or set a region such as us-east-1');
  const profile = stringFlag(flags, 'profile');
  if (profile !== undefined) {
    if (profile === '')
      throw new UsageError('--profile', profile, 'is empty', 'a profile name from ~/.aws/config');
    c.profile = profile;
  }
  const endpoint = o.endpointUrl(stringFlag(flags, 'endpointUrl'));
  if (endpoint !== undefined) c.endpointUrl = endpoint;
  // Checked and bounded by retryOptions, which every API plan runs.
  const connect = o.durationMs('--cli-connect-timeout', stringFlag(flags, 'cliConnectTimeout'));
  if (connect !== undefined) c.connectTimeoutMs = Math.min(connect, MAX_TIMER_MS);
  const readTimeout = o.durationMs('--cli-read-timeout', stringFlag(flags, 'cliReadTimeout'));
  if (readTimeout !== undefined) c.readTimeoutMs = Math.min(readTimeout, MAX_TIMER_MS);
  return c;
}
