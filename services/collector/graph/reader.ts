import { Client, GraphError, RetryHandlerOptions } from '@microsoft/microsoft-graph-client';
import { CollectError, parseRetryAfter } from '../../microsoft/errors.ts';

/**
 * The Graph feeds the collector reads, with the time field each is windowed on: the time a
 * record became visible where Graph has one (a risk detection is found after the activity it
 * is about), otherwise the event time.
 */
export const GRAPH_FEEDS = {
  'graph.signIns': { path: '/auditLogs/signIns', timeField: 'createdDateTime', pageSize: 1000, permission: 'AuditLog.Read.All' },
  'graph.directoryAudits': { path: '/auditLogs/directoryAudits', timeField: 'activityDateTime', pageSize: 1000, permission: 'AuditLog.Read.All' },
  'graph.alerts_v2': { path: '/security/alerts_v2', timeField: 'createdDateTime', pageSize: 1000, permission: 'SecurityAlert.Read.All' },
  'graph.riskDetections': { path: '/identityProtection/riskDetections', timeField: 'detectedDateTime', pageSize: 500, permission: 'IdentityRiskEvent.Read.All' },
  'graph.riskyUsers': { path: '/identityProtection/riskyUsers', timeField: 'riskLastUpdatedDateTime', pageSize: 500, permission: 'IdentityRiskyUser.Read.All' },
} as const;
export type GraphFeed = keyof typeof GRAPH_FEEDS;

export type GraphReader = {
  /** Every record of `feed` with its time field in [start, end], page by page. */
  readWindow(feed: GraphFeed, start: Date, end: Date, onPage: (records: unknown[]) => Promise<void>): Promise<void>;
  /** Users in the directory (`/users/$count`, an advanced query: needs `ConsistencyLevel: eventual`). */
  countUsers(): Promise<number>;
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The SDK's retry middleware would wait out any Retry-After (up to 180 s) inside the call,
 * holding a worker while the tenant is throttled. Short waits are fine; longer ones end the
 * call so the tenant's schedule does the waiting.
 */
const MAX_INLINE_WAIT_SECONDS = 5;
const retryOptions = new RetryHandlerOptions(1, 2, (_delay, _attempt, _request, _options, response) => {
  // The SDK passes its configured delay, not the server's: read Retry-After from the response.
  const retryAfter = parseRetryAfter(response.headers.get('retry-after'));
  return retryAfter === undefined || retryAfter <= MAX_INLINE_WAIT_SECONDS;
});

/**
 * Graph through @microsoft/microsoft-graph-client, whose middleware already retries 429/503
 * honouring Retry-After. What it gives up on (or a page that fails to parse) is retried here a
 * few times, then reported as a CollectError in plain words.
 */
export function createGraphReader(options: { baseUrl: string; token: (fresh?: boolean) => Promise<string> }): GraphReader {
  let fresh = false;
  // The SDK wraps whatever the auth provider throws; keep our own error to report it as it is.
  let authFailure: CollectError | undefined;
  const client = Client.initWithMiddleware({
    authProvider: {
      getAccessToken: async () => {
        try {
          const token = await options.token(fresh);
          fresh = false;
          authFailure = undefined;
          return token;
        } catch (err) {
          authFailure = err instanceof CollectError ? err : undefined;
          throw err;
        }
      },
    },
    baseUrl: `${options.baseUrl}/`,
    defaultVersion: 'v1.0',
    customHosts: new Set([new URL(options.baseUrl).hostname]),
  });

  async function getPage(url: string, build: boolean, feed: GraphFeed, start: Date, end: Date): Promise<{ value?: unknown[]; '@odata.nextLink'?: string }> {
    const spec = GRAPH_FEEDS[feed];
    let last: CollectError | undefined;
    for (let attempt = 1; attempt <= 4; attempt++) {
      try {
        const request = build
          ? client
              .api(spec.path)
              .filter(`${spec.timeField} ge ${start.toISOString()} and ${spec.timeField} le ${end.toISOString()}`)
              .top(spec.pageSize)
              .middlewareOptions([retryOptions])
          : client.api(url).middlewareOptions([retryOptions]);
        return (await request.get()) as { value?: unknown[]; '@odata.nextLink'?: string };
      } catch (err) {
        if (authFailure) throw authFailure;
        last = describeGraphError(err, spec.permission);
        if (last.kind === 'auth' && attempt === 1) fresh = true;
        else if (last.kind !== 'transient' && !(last.kind === 'throttled' && (last.retryAfterSeconds ?? 0) <= MAX_INLINE_WAIT_SECONDS)) throw last;
        await sleep(last.kind === 'throttled' ? (last.retryAfterSeconds ?? 1) * 1000 : 250 * 2 ** (attempt - 1));
      }
    }
    throw last ?? new CollectError('No attempt was made.', 'transient');
  }

  return {
    async countUsers() {
      try {
        const answer: unknown = await client.api('/users/$count').header('ConsistencyLevel', 'eventual').middlewareOptions([retryOptions]).get();
        const count = Number(typeof answer === 'string' ? answer.trim() : answer);
        if (!Number.isInteger(count) || count < 0) throw new CollectError(`Microsoft Graph answered the user count with ${JSON.stringify(answer).slice(0, 40)}.`, 'transient');
        return count;
      } catch (err) {
        if (authFailure) throw authFailure;
        throw describeGraphError(err, 'Directory.Read.All');
      }
    },
    async readWindow(feed, start, end, onPage) {
      let page = await getPage('', true, feed, start, end);
      for (;;) {
        await onPage(page.value ?? []);
        const next = page['@odata.nextLink'];
        if (!next) return;
        page = await getPage(next, false, feed, start, end);
      }
    },
  };
}

/** Graph errors (both `innerError` spellings) in the words the tenant page shows. */
export function describeGraphError(err: unknown, permission: string): CollectError {
  if (err instanceof GraphError) {
    const status = err.statusCode;
    const retryAfter = parseRetryAfter(err.headers?.get('retry-after'));
    if (status === 429) return new CollectError('Microsoft Graph is throttling this tenant.', 'throttled', retryAfter);
    if (status === 401) return new CollectError('Microsoft Graph refused the token (admin consent may have been revoked).', 'auth');
    if (status === 403) {
      return new CollectError(
        `Microsoft Graph denied access: the app needs the ${permission} permission with admin consent${err.code ? ` (${err.code})` : ''}.`,
        'permission',
      );
    }
    if (status >= 500 || status === -1) return new CollectError(`Microsoft Graph had a server error (${status}).`, 'transient', retryAfter);
    return new CollectError(`Microsoft Graph refused the request (${status} ${err.code ?? ''}): ${err.message.slice(0, 200)}`, 'gone');
  }
  if (err instanceof CollectError) return err;
  // Parse errors of a truncated page and network failures land here: worth another try.
  return new CollectError(`Could not read from Microsoft Graph: ${err instanceof Error ? err.message.slice(0, 200) : String(err)}`, 'transient');
}
