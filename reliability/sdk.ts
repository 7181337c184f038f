/**
 * The real AWS SDK client for the campaign. The workspace root does not depend on the SDK (pnpm does not
 * hoist it), so it is loaded from where @nfw-flows/core resolves it: the very module instance that
 * `flowResults` pages with.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import type { flowResults } from '../packages/core/src/index.js';
import { fastRetryStrategy } from '../packages/fixtures/src/index.js';

export type NetworkFirewallClient = Parameters<typeof flowResults>[0];

interface SdkModule {
  NetworkFirewallClient: new (config: Record<string, unknown>) => NetworkFirewallClient;
}

let loaded: Promise<SdkModule> | undefined;

function loadSdk(): Promise<SdkModule> {
  const require = createRequire(new URL('../packages/core/package.json', import.meta.url));
  const entry = require.resolve('@aws-sdk/client-network-firewall');
  // require.resolve gives the CommonJS entry; import() of it gives the same named exports.
  loaded ??= import(pathToFileURL(entry).href) as Promise<SdkModule>;
  return loaded;
}

export interface ClientOptions {
  /** SDK attempts per request (standard-mode retry classes, 1 ms between attempts). */
  maxAttempts: number;
  /** Per-request timeout in ms: a stalled answer fails with a TimeoutError (retryable) after it. */
  requestTimeoutMs: number;
}

/** Fake credentials, distinctive enough to grep for in every output (they must never appear). */
export const FAKE_ACCESS_KEY_ID = 'AKIARELIABILITYFAKE7Q';
export const FAKE_SECRET_ACCESS_KEY = 'nfwReliabilitySecret/Do+Not+Leak+8f3c2a91';
export const FAKE_SESSION_TOKEN = 'nfwReliabilitySessionToken+5e1d7b2c+DoNotLeak';

export async function createClient(endpoint: string, options: ClientOptions): Promise<NetworkFirewallClient> {
  const sdk = await loadSdk();
  return new sdk.NetworkFirewallClient({
    region: 'us-east-1',
    endpoint,
    credentials: { accessKeyId: FAKE_ACCESS_KEY_ID, secretAccessKey: FAKE_SECRET_ACCESS_KEY },
    retryStrategy: fastRetryStrategy(options.maxAttempts, 1),
    // NodeHttpHandler options: without throwOnRequestTimeout the timeout only logs a warning.
    requestHandler: {
      requestTimeout: options.requestTimeoutMs,
      throwOnRequestTimeout: true,
      connectionTimeout: 1000,
    },
  });
}
