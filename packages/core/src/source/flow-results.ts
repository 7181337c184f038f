import type { NetworkFirewallClient } from '@aws-sdk/client-network-firewall';
import { FlowResultsStream, type SourceItem, type SourceState } from './flow-results-stream.js';
import {
  type ApiOptions,
  checkClient,
  type FlowResultsInput,
  type FlowResultsOptions,
  normalizeApiOptions,
  normalizeInput,
  pageItems,
} from './pages.js';

export {
  type FlowResultsInput,
  type FlowResultsOptions,
  normalizeOnInvalid,
  normalizeSignal,
} from './pages.js';

/**
 * Flow operation results from the API as a Readable (object mode) of FlowRecord: the records of
 * `pages()` (pages.ts), one after another, on the caller's client, from any copy of the SDK
 * (credentials, region, endpoint, HTTP timeouts and the SDK's retries are theirs; transient faults past
 * those are retried per `options.retry`). See FlowResultsStream for the events.
 */
export function flowResults(
  client: NetworkFirewallClient,
  input: FlowResultsInput,
  options: FlowResultsOptions = {},
): FlowResultsStream {
  checkClient(client);
  const request = normalizeInput(input);
  const opts = normalizeApiOptions(options);
  return new FlowResultsStream((state) => recordItems(client, request, opts, state), {
    onInvalid: opts.onInvalid,
    highWaterMark: opts.pageSize ?? 100,
    signal: opts.signal,
  });
}

/** The paging loop's pages as the stream's items: the page's records, then its end. */
async function* recordItems(
  client: NetworkFirewallClient,
  input: FlowResultsInput,
  opts: ApiOptions,
  state: SourceState,
): AsyncGenerator<SourceItem> {
  for await (const item of pageItems(client, input, opts, state)) {
    if (item.type !== 'page') {
      yield item;
      continue;
    }
    const { page, failures } = item;
    if (page.flows.length > 0)
      yield { type: 'records', records: page.records, rejects: page.rejects, failures };
    yield {
      type: 'page',
      info: {
        index: page.index,
        flowCount: page.flows.length,
        nextToken: page.nextToken,
        status: page.status,
        statusMessage: page.statusMessage,
        context: page.context,
      },
    };
  }
}
