import { and, asc, eq, gt, sql, type SQL } from 'drizzle-orm';
import { detectionProcessed, eventActivity, securityEvent, tenant } from '../../../db/schema/index.ts';
import { authorize } from '../authz.ts';
import type { Ctx } from '../context.ts';

/**
 * How far back each poll looks again. The detection engine stamps `processed_at` with its
 * transaction's start, so a batch that commits after a poll can carry a time before the position
 * that poll reached; re-reading this window (and skipping what was already sent) catches it.
 */
export const EVENT_FEED_OVERLAP_MS = 60_000;
/** At most this many changed events per poll. */
export const EVENT_FEED_LIMIT = 500;

/** One new or changed event, as the Report page needs it to decide what to fetch. */
export type EventChange = {
  id: string;
  tenantId: string;
  severity: string;
  status: string;
  count: number;
  lastSeenAt: string;
  createdAt: string;
  /** When detection wrote it (the feed's position), exact to the microsecond. */
  changedAt: string;
};

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/;
/** A time as exact ISO 8601 text (microseconds, UTC), the form of the feed's positions. */
const isoText = (expr: SQL) => sql<string>`to_char(${expr} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/** `…:05Z` and `…:05.1Z` as `…:05.000000Z` and `…:05.100000Z`, so positions compare as text. */
function normalise(iso: string): string {
  const [whole, fraction = ''] = iso.slice(0, -1).split('.');
  return `${whole}.${fraction.padEnd(6, '0')}Z`;
}

/**
 * The MSP's events as detection creates and updates them, for `GET /events/stream`. The feed
 * follows `detection_processed` (written in the same transaction as the events a batch raises or
 * joins), not `last_seen_at`: audit records often arrive long after they happened, and an event
 * raised from them is new to the admin even though its last-seen time is old.
 * @example
 *   const feed = await EventFeed.open(ctx, lastEventId);
 *   for (;;) { for (const change of await feed.poll()) send(change); await sleep(3000); }
 */
export class EventFeed {
  /** What was sent in the overlap window: event id → its (last seen, count, status). */
  readonly #sent = new Map<string, { signature: string; changedAt: number }>();
  #position: string;
  #backlog: EventChange[] = [];

  private constructor(
    private readonly ctx: Ctx,
    position: string,
  ) {
    this.#position = position;
  }

  /**
   * Starts after `since` (a previous message's id, e.g. from `Last-Event-ID`) or, without one,
   * now: the events already in the window count as sent, so a fresh page hears only what comes next.
   */
  static async open(ctx: Ctx, since?: string | null): Promise<EventFeed> {
    authorize(ctx, 'event.read');
    const resume = since && ISO_INSTANT.test(since) && !Number.isNaN(Date.parse(since)) ? normalise(since) : null;
    const [row] = await ctx.db.select({ now: isoText(sql`now()`) }).from(sql`(select 1) as one`);
    const feed = new EventFeed(ctx, resume ?? row!.now);
    // The window before the start was sent already (or, on a fresh page, is on the page already);
    // after a reconnect, what changed since the client's last message comes with the first poll.
    const recent = await feed.poll();
    if (resume) feed.#backlog = recent.filter((change) => change.changedAt > resume);
    return feed;
  }

  /** Where the feed is: the id of the last message, to resume from after a reconnect. */
  get position(): string {
    return this.#position;
  }

  /** The events created or updated since the last poll, oldest change first. */
  async poll(): Promise<EventChange[]> {
    const { ctx } = this;
    const backlog = this.#backlog;
    this.#backlog = [];
    const changedAt = sql<string>`max(${detectionProcessed.processedAt})`;
    const rows = await ctx.db
      .select({
        id: securityEvent.id,
        tenantId: securityEvent.tenantId,
        severity: securityEvent.severity,
        status: securityEvent.status,
        count: securityEvent.count,
        lastSeenAt: securityEvent.lastSeenAt,
        createdAt: securityEvent.createdAt,
        changedAt: isoText(changedAt),
      })
      .from(detectionProcessed)
      .innerJoin(tenant, eq(tenant.id, detectionProcessed.tenantId))
      .innerJoin(eventActivity, eq(eventActivity.activityId, detectionProcessed.activityId))
      .innerJoin(securityEvent, eq(securityEvent.id, eventActivity.eventId))
      .where(
        and(
          eq(tenant.mspId, ctx.msp),
          eq(securityEvent.mspId, ctx.msp),
          gt(detectionProcessed.processedAt, sql`${this.#position}::timestamptz - make_interval(secs => ${EVENT_FEED_OVERLAP_MS / 1000})`),
        ),
      )
      .groupBy(securityEvent.id)
      .orderBy(asc(changedAt), asc(securityEvent.id))
      .limit(EVENT_FEED_LIMIT);

    const changes: EventChange[] = [...backlog];
    for (const row of rows) {
      const lastSeenAt = row.lastSeenAt.toISOString();
      const signature = `${lastSeenAt}|${row.count}|${row.status}`;
      const changedMs = Date.parse(row.changedAt);
      if (this.#sent.get(row.id)?.signature !== signature) {
        changes.push({
          id: row.id,
          tenantId: row.tenantId,
          severity: row.severity,
          status: row.status,
          count: row.count,
          lastSeenAt,
          createdAt: row.createdAt.toISOString(),
          changedAt: row.changedAt,
        });
      }
      this.#sent.set(row.id, { signature, changedAt: changedMs });
      if (row.changedAt > this.#position) this.#position = row.changedAt;
    }
    // Keep only what the next window can show again.
    const oldest = Date.parse(this.#position) - 2 * EVENT_FEED_OVERLAP_MS;
    for (const [id, sent] of this.#sent) if (sent.changedAt < oldest) this.#sent.delete(id);
    return changes;
  }
}
