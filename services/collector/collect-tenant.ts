import { and, eq, inArray } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { type ActivitySource, tenant } from '../../db/schema/index.ts';
import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';
import { type Checkpoint, readCheckpoints, retryDelaySeconds, writeCheckpoint } from './checkpoints.ts';
import { COLLECTOR_GRAPH_OPTIONS, GRAPH_FEEDS, type GraphFeed, createGraphReader } from './graph/reader.ts';
import { ingestRecords, type IngestSummary } from './ingest.ts';
import { CONTENT_TYPES, type ContentBlob, type ContentType, createManagementClient } from './management-api/client.ts';
import { CollectError } from '../microsoft/errors.ts';
import { endpointsFor } from '../microsoft/endpoints.ts';
import { graphClientFor } from '../microsoft/graph-client.ts';
import type { TenantAuth, TokenProvider } from '../microsoft/token-provider.ts';

/** Every source collected for a tenant. */
export const COLLECTED_SOURCES = [...CONTENT_TYPES, ...(Object.keys(GRAPH_FEEDS) as GraphFeed[])] as const satisfies readonly ActivitySource[];
export type CollectedSource = (typeof COLLECTED_SOURCES)[number];

export type CollectorDeps = {
  db: Db;
  config: Pick<Config, 'microsoft' | 'collect'>;
  tokens: TokenProvider;
  log: Logger;
  /** The current time; tests move it. */
  now?: () => Date;
  /** Per-call timeout for Microsoft (slow answers count as failures). */
  timeoutMs?: number;
};

export type SourceResult =
  | { source: CollectedSource; status: 'collected'; received: number; inserted: number; duplicates: number; quarantined: number; insertedIds: string[] }
  | { source: CollectedSource; status: 'failed'; error: string; retryInSeconds: number }
  | { source: CollectedSource; status: 'not due' };

type TenantRow = typeof tenant.$inferSelect;

const DAY = 86_400_000;
/** The Management Activity API refuses windows longer than 24 h or starting over 7 days ago. */
const MAX_WINDOW_MS = DAY;
const API_HORIZON_MS = 7 * DAY - 10 * 60_000;
/** Sources of one tenant collected at once. */
const SOURCES_AT_ONCE = 3;

/**
 * One collection pass over a tenant's sources. Each source has its own checkpoint, backoff and
 * circuit breaker, so one failing source never stops the others. Nothing is lost: a window's
 * checkpoint advances only after its records are stored, and every window re-reads the overlap
 * before the checkpoint for records that arrive late; storing is idempotent, so a crash or a
 * repeat re-does work and never duplicates it.
 */
export async function collectTenant(
  deps: CollectorDeps,
  tenantId: string,
  options: { sources?: readonly CollectedSource[]; force?: boolean; since?: Date; onProgress?: (source: CollectedSource, windowEnd: Date) => void } = {},
): Promise<SourceResult[]> {
  const [row] = await deps.db.select().from(tenant).where(eq(tenant.id, tenantId)).limit(1);
  // Import-only tenants have nothing to collect from (dueTenants never picks them): no calls, no failures to report.
  if (!row || row.status === 'disabled' || row.importOnly) return [];
  const sources = options.sources ?? COLLECTED_SOURCES;
  // One read for every source's checkpoint: a pass costs few round trips when nothing is new.
  const checkpoints = new Map((await readCheckpoints(deps.db, row.id)).map((c) => [c.source, c]));
  const results: SourceResult[] = [];
  // A few sources at a time: Graph's report APIs allow 5 requests per 10 s per tenant.
  await inParallel(sources, SOURCES_AT_ONCE, async (source) => {
    results.push(await collectSource(deps, row, source, checkpoints.get(source), options));
  });
  await refreshUserCount(deps, row);
  if (row.status === 'pending' && results.some((r) => r.status === 'collected')) {
    await deps.db
      .update(tenant)
      .set({ status: 'active', updatedAt: new Date() })
      .where(and(eq(tenant.id, row.id), inArray(tenant.status, ['pending', 'error'])));
  }
  return results.sort((a, b) => sources.indexOf(a.source) - sources.indexOf(b.source));
}

async function collectSource(
  deps: CollectorDeps,
  row: TenantRow,
  source: CollectedSource,
  checkpoint: Checkpoint | undefined,
  options: { force?: boolean; since?: Date; onProgress?: (source: CollectedSource, windowEnd: Date) => void },
): Promise<SourceResult> {
  const now = deps.now?.() ?? new Date();
  if (!options.force && checkpoint?.nextAttemptAt && checkpoint.nextAttemptAt > now) return { source, status: 'not due' };

  const horizon = new Date(now.getTime() - Math.min(deps.config.collect.backfillDays * DAY, API_HORIZON_MS));
  const resumeFrom = checkpoint?.windowEnd ? new Date(checkpoint.windowEnd.getTime() - deps.config.collect.overlapMinutes * 60_000) : horizon;
  let start = new Date(Math.max(horizon.getTime(), Math.min(resumeFrom.getTime(), options.since?.getTime() ?? Infinity)));

  const total: IngestSummary = { received: 0, inserted: 0, duplicates: 0, quarantined: 0, insertedIds: [], rejected: [] };
  const auth: TenantAuth = row;
  try {
    const collectWindow = isContentType(source)
      ? await managementWindowCollector(deps, row, auth, source, checkpoint, total)
      : graphWindowCollector(deps, row, auth, source, total);
    const done = { lastAttemptAt: now, lastSuccessAt: now, lastError: null, consecutiveFailures: 0, nextAttemptAt: null };
    let finished = false;
    while (start < now) {
      const end = new Date(Math.min(start.getTime() + MAX_WINDOW_MS, now.getTime()));
      const cursor = await collectWindow(start, end);
      // Advance only after the window is stored; never move a checkpoint backwards. The last
      // window's write also records the success (one round trip in the usual single-window poll).
      const windowEnd = checkpoint?.windowEnd && checkpoint.windowEnd > end ? checkpoint.windowEnd : end;
      finished = end.getTime() >= now.getTime();
      await writeCheckpoint(deps.db, row.id, source, finished ? { windowEnd, cursor, ...done } : { windowEnd, cursor });
      options.onProgress?.(source, end);
      start = end;
    }
    if (!finished) await writeCheckpoint(deps.db, row.id, source, done);
    return {
      source,
      status: 'collected',
      received: total.received,
      inserted: total.inserted,
      duplicates: total.duplicates,
      quarantined: total.quarantined,
      insertedIds: total.insertedIds,
    };
  } catch (err) {
    const error = err instanceof CollectError ? err : new CollectError(`Unexpected error: ${(err as Error).message}`, 'transient');
    const failures = (checkpoint?.consecutiveFailures ?? 0) + 1;
    const delay = retryDelaySeconds(error.kind, failures, error.retryAfterSeconds);
    await writeCheckpoint(deps.db, row.id, source, {
      lastAttemptAt: now,
      lastError: error.message,
      lastErrorAt: now,
      consecutiveFailures: failures,
      nextAttemptAt: new Date(now.getTime() + delay * 1000),
    });
    deps.log.warn({ tenantId: row.id, source, error: error.message, kind: error.kind, retryInSeconds: delay }, 'collection failed');
    return { source, status: 'failed', error: error.message, retryInSeconds: delay };
  }
}

function isContentType(source: CollectedSource): source is ContentType {
  return (CONTENT_TYPES as readonly string[]).includes(source);
}

function addTo(total: IngestSummary, part: IngestSummary) {
  total.insertedIds.push(...part.insertedIds);
  total.received += part.received;
  total.inserted += part.inserted;
  total.duplicates += part.duplicates;
  total.quarantined += part.quarantined;
}

/**
 * Management Activity API: list the blobs created in the window, fetch each one not already
 * fetched (their ids within the overlap are kept in the checkpoint's cursor), store the records.
 */
async function managementWindowCollector(
  deps: CollectorDeps,
  row: TenantRow,
  auth: TenantAuth,
  contentType: ContentType,
  checkpoint: Checkpoint | undefined,
  total: IngestSummary,
) {
  const client = createManagementClient({
    baseUrl: endpointsFor(deps.config, row).managementUrl,
    tenantGuid: row.tenantGuid,
    publisherId: deps.config.microsoft.publisherId,
    token: (fresh) => deps.tokens.getToken(auth, 'manage', { fresh }),
    timeoutMs: deps.timeoutMs,
  });
  const seen = new Map<string, number>(parseSeen(checkpoint?.cursor));
  let subscribed = false;
  return async (start: Date, end: Date): Promise<string> => {
    let blobs: ContentBlob[];
    try {
      blobs = await client.listContent(contentType, start, end);
    } catch (err) {
      // First collection of a tenant: start the subscription, then list again.
      if (err instanceof CollectError && /No subscription/.test(err.message) && !subscribed) {
        await client.startSubscription(contentType);
        subscribed = true;
        blobs = await client.listContent(contentType, start, end);
      } else throw err;
    }
    // Blobs are small (a few records each) and many: fetch several at once and store their
    // records in batches, one statement per batch rather than one per blob. A blob counts as
    // seen only once its records are stored.
    let batch: unknown[] = [];
    let batchBlobs: ContentBlob[] = [];
    const store = async () => {
      if (batchBlobs.length === 0) return;
      const records = batch;
      const stored = batchBlobs;
      batch = [];
      batchBlobs = [];
      addTo(total, await ingestRecords(deps.db, { mspId: row.mspId, tenantId: row.id }, contentType, records));
      for (const blob of stored) seen.set(blob.contentId, Date.parse(blob.contentCreated.endsWith('Z') ? blob.contentCreated : `${blob.contentCreated}Z`));
    };
    await inParallel(
      blobs.filter((blob) => !seen.has(blob.contentId)),
      BLOBS_AT_ONCE,
      async (blob) => {
        let records: unknown[];
        try {
          records = await client.fetchContent(blob);
        } catch (err) {
          if (err instanceof CollectError && err.kind === 'gone') {
            deps.log.warn({ tenantId: row.id, contentId: blob.contentId, error: err.message }, 'content blob no longer available');
            return;
          }
          throw err;
        }
        for (const record of records) batch.push(record);
        batchBlobs.push(blob);
        if (batch.length >= STORE_BATCH) await store();
      },
    );
    await store();
    // Keep only ids the next pass can list again (inside its overlap).
    const keepAfter = end.getTime() - deps.config.collect.overlapMinutes * 60_000 - 60_000;
    for (const [id, created] of seen) if (!(created >= keepAfter)) seen.delete(id);
    return JSON.stringify({ seen: [...seen] });
  };
}

/** Content blobs fetched at once per content type (the API allows 2,000 calls a minute per tenant). */
const BLOBS_AT_ONCE = 2;
/** Records stored per statement when blobs are collected. */
const STORE_BATCH = 1_000;

/**
 * Runs `work` over the items, `limit` at a time. The first failure stops new work from
 * starting; it is thrown once the work already started has settled.
 */
async function inParallel<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (!failure && next < items.length) {
        const item = items[next++]!;
        try {
          await work(item);
        } catch (error) {
          failure ??= { error };
        }
      }
    }),
  );
  if (failure) throw failure.error;
}

function parseSeen(cursor: string | null | undefined): [string, number][] {
  if (!cursor) return [];
  try {
    const parsed = JSON.parse(cursor) as { seen?: [string, number][] };
    return Array.isArray(parsed.seen) ? parsed.seen : [];
  } catch {
    return [];
  }
}

function graphWindowCollector(deps: CollectorDeps, row: TenantRow, auth: TenantAuth, feed: GraphFeed, total: IngestSummary) {
  const reader = createGraphReader(graphClientFor(deps, auth, COLLECTOR_GRAPH_OPTIONS));
  return async (start: Date, end: Date): Promise<string | null> => {
    await reader.readWindow(feed, start, end, async (records) => {
      addTo(total, await ingestRecords(deps.db, { mspId: row.mspId, tenantId: row.id }, feed, records));
    });
    return null;
  };
}

/** How often the directory's user count is read again (it changes slowly). */
const USER_COUNT_EVERY_MS = DAY;

/**
 * Reads the directory's user count about once a day for detection's small-tenant thresholds.
 * A failure (a tenant without Directory.Read.All) keeps the last count and is tried again the
 * next day: the count sharpens detection, its absence never stops collection.
 */
async function refreshUserCount(deps: CollectorDeps, row: TenantRow): Promise<void> {
  const now = deps.now?.() ?? new Date();
  if (row.userCountAt && now.getTime() - row.userCountAt.getTime() < USER_COUNT_EVERY_MS) return;
  let userCount = row.userCount;
  try {
    userCount = await createGraphReader(graphClientFor(deps, row, COLLECTOR_GRAPH_OPTIONS)).countUsers();
  } catch (err) {
    deps.log.warn({ tenantId: row.id, error: err instanceof Error ? err.message : String(err) }, 'could not read the directory user count');
  }
  await deps.db.update(tenant).set({ userCount, userCountAt: now }).where(eq(tenant.id, row.id));
}
