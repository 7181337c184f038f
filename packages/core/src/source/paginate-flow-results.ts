/**
 * ListFlowOperationResults pages on the caller's client, with the semantics of the SDK's
 * `paginateListFlowOperationResults` (smithy `createPaginator`) but without its
 * `client instanceof NetworkFirewallClient` check: a client from the user's own copy of the SDK (another
 * version, or the same version installed twice) is not an instance of the class this package resolves,
 * and it pages just as well through its own `send`.
 */
import type {
  ListFlowOperationResultsCommandInput,
  ListFlowOperationResultsCommandOutput,
} from '@aws-sdk/client-network-firewall';

/** What pagination needs of a client: the SDK client's `send`. */
export interface SendingClient {
  send(command: unknown, options?: { abortSignal?: AbortSignal }): Promise<unknown>;
}

export interface PaginateFlowResultsConfig {
  client: SendingClient;
  /** The command class (the SDK's ListFlowOperationResultsCommand). */
  Command: new (
    input: ListFlowOperationResultsCommandInput,
  ) => unknown;
  pageSize?: number;
  startingToken?: string;
  /** As the SDK paginator's: may decorate or replace each page's command before it is sent. */
  withCommand?: (command: unknown) => unknown;
}

/**
 * Pages until a response has no NextToken. As the SDK paginator does, it writes NextToken and MaxResults
 * into `input` (the caller gives a fresh object) and sends one command per page. A response whose
 * NextToken equals the token it was asked with would repeat that page forever: it throws, as the AWS
 * CLI does ("The same next token was received twice"), rather than loop or stop as if complete.
 */
export async function* paginateFlowResults(
  config: PaginateFlowResultsConfig,
  input: ListFlowOperationResultsCommandInput,
  options: { abortSignal?: AbortSignal } = {},
): AsyncGenerator<ListFlowOperationResultsCommandOutput, undefined, undefined> {
  let token = config.startingToken ?? input.NextToken;
  for (;;) {
    input.NextToken = token;
    input.MaxResults = input.MaxResults ?? config.pageSize;
    let command = new config.Command(input);
    if (config.withCommand !== undefined) command = config.withCommand(command) ?? command;
    const page = (await config.client.send(command, options)) as ListFlowOperationResultsCommandOutput;
    yield page;
    const next = page.NextToken;
    if (!next) return undefined;
    if (next === token) throw new RepeatedTokenError(next);
    token = next;
  }
}

/** The service answered a NextToken with the same NextToken. */
export class RepeatedTokenError extends Error {
  readonly nextToken: string;
  constructor(nextToken: string) {
    super('the service returned the same NextToken twice: paging on would repeat one page forever');
    this.name = 'RepeatedTokenError';
    this.nextToken = nextToken;
  }
}
