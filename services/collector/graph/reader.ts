import type { GraphClient } from '../../microsoft/graph-client.ts';
import { CollectError } from '../../microsoft/errors.ts';

/**
 * The Graph feeds the collector reads, with the time field each is windowed on: the time a
 * record became visible where Graph has one (a risk detection is found after the activity it
 * is about), otherwise the event time.
 */
export const GRAPH_FEEDS = {
  'graph.signIns': { path: '/auditLogs/signIns', timeField: 'createdDateTime', pageSize: 1000, permission: 'AuditLog.Read.All' },
  'graph.directoryAudits': { path: '/auditLogs/directoryAudits', timeField: 'activityDateTime', pageSize: 1000, permission: 'AuditLog.Read.All' },
  'graph.alerts_v2': { path: '/security/alerts_v2', timeField: 'createdDateTime', pageSize: 1000, permission: 'SecurityAlert.Read.All' },
  'graph.riskDetections': {
    path: '/identityProtection/riskDetections',
    timeField: 'detectedDateTime',
    pageSize: 500,
    permission: 'IdentityRiskEvent.Read.All',
  },
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

type Page = { value?: unknown[]; '@odata.nextLink'?: string };

/**
 * How the collector's Graph client waits: short throttling in place, longer throttling ends the
 * call so the tenant's schedule (not a held worker) does the waiting. For `graphClientFor`.
 */
export const COLLECTOR_GRAPH_OPTIONS = { maxInlineWaitSeconds: 5, retryDelaySeconds: 1 } as const;

/**
 * Feeds read through the tenant's Graph client (services/microsoft/graph-client.ts), whose SDK
 * middleware already retries 429/503 honouring Retry-After and which renews a refused token
 * once. What it gives up on (or a page that fails to parse) is retried here a few times, then
 * thrown as the failure's CollectError.
 */
export function createGraphReader(graph: GraphClient): GraphReader {
  async function getPage(path: string, feed: GraphFeed, query?: Record<string, string | number>): Promise<Page> {
    const spec = GRAPH_FEEDS[feed];
    let last: CollectError | undefined;
    for (let attempt = 1; attempt <= 4; attempt++) {
      const answer = await graph.get<Page>(path, { permission: spec.permission, ...(query ? { query } : {}) });
      if (answer.ok) return answer.body;
      last = answer.failure.error;
      // A failed sign-in is reported as it is; the client has already renewed a refused token.
      if (answer.failure.status === 0) throw last;
      if (last.kind !== 'transient' && !(last.kind === 'throttled' && (last.retryAfterSeconds ?? 0) <= COLLECTOR_GRAPH_OPTIONS.maxInlineWaitSeconds))
        throw last;
      await sleep(last.kind === 'throttled' ? (last.retryAfterSeconds ?? 1) * 1000 : 250 * 2 ** (attempt - 1));
    }
    throw last ?? new CollectError('No attempt was made.', 'transient');
  }

  return {
    async countUsers() {
      const answer = await graph.get<unknown>('/users/$count', { headers: { ConsistencyLevel: 'eventual' }, permission: 'Directory.Read.All' });
      if (!answer.ok) throw answer.failure.error;
      const count = Number(typeof answer.body === 'string' ? answer.body.trim() : answer.body);
      if (!Number.isInteger(count) || count < 0)
        throw new CollectError(`Microsoft Graph answered the user count with ${JSON.stringify(answer.body).slice(0, 40)}.`, 'transient');
      return count;
    },
    async readWindow(feed, start, end, onPage) {
      const spec = GRAPH_FEEDS[feed];
      let page = await getPage(spec.path, feed, {
        $filter: `${spec.timeField} ge ${start.toISOString()} and ${spec.timeField} le ${end.toISOString()}`,
        $top: spec.pageSize,
      });
      for (;;) {
        await onPage(page.value ?? []);
        const next = page['@odata.nextLink'];
        if (!next) return;
        page = await getPage(next, feed);
      }
    },
  };
}
