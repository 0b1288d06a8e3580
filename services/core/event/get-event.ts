import { and, asc, count, desc, eq, getTableColumns, gte, lte, ne, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { activity, appUser, eventActivity, eventEntity, securityEvent, tenant, whitelistRule } from '../../../db/schema/index.ts';
import { NotFoundError } from '../../errors.ts';
import { authorize } from '../authz.ts';
import type { Ctx } from '../context.ts';
import { toEventListItem } from './event-view.ts';

/** The event page shows this many activity records (the oldest first) and related events. */
export const EVENT_ACTIVITY_LIMIT = 200;
export const RELATED_EVENTS_LIMIT = 20;
const RELATED_WINDOW_MS = 7 * 86_400_000;

/** The event row of the caller's MSP, with its tenant's name; 404 for another MSP's id or a malformed one. */
export async function findEvent(ctx: Pick<Ctx, 'msp' | 'db'>, id: string) {
  if (!z.uuid().safeParse(id).success) throw new NotFoundError('Event not found.');
  const [row] = await ctx.db
    .select({ event: getTableColumns(securityEvent), tenantName: tenant.name, tenantIsDemo: tenant.isDemo })
    .from(securityEvent)
    .innerJoin(tenant, eq(tenant.id, securityEvent.tenantId))
    .where(and(eq(securityEvent.id, id), eq(securityEvent.mspId, ctx.msp)))
    .limit(1);
  if (!row) throw new NotFoundError('Event not found.');
  return row;
}

/**
 * Everything the event page shows: the event, who or which whitelist rule ignored it, the
 * activity records behind it (normalised and raw), related events (same user or IP within 7
 * days), and the values a "create rule from this event" form starts from.
 */
export async function getEvent({ ctx, id }: { ctx: Ctx; id: string }) {
  authorize(ctx, 'event.read');
  const { event, tenantName, tenantIsDemo } = await findEvent(ctx, id);
  const [ignore, activities, related, criteria] = await Promise.all([
    ignoreDetails(ctx, event),
    eventActivities(ctx, event.id),
    relatedEvents(ctx, event),
    ruleCriteria(ctx, event),
  ]);
  return {
    ...toEventListItem(event, tenantName, tenantIsDemo),
    howToReact: event.howToReact,
    fields: event.fields,
    dedupKey: event.dedupKey,
    ignoreReason: event.ignoreReason,
    ignore,
    activities: activities.items,
    activityTotal: activities.total,
    related,
    whitelistCriteria: criteria,
  };
}

type EventRow = typeof securityEvent.$inferSelect;

async function ignoreDetails(ctx: Ctx, event: EventRow) {
  if (event.status !== 'ignored') return null;
  const by = event.ignoredBy
    ? ((
        await ctx.db
          .select({ id: appUser.id, name: appUser.name, email: appUser.email })
          .from(appUser)
          .where(and(eq(appUser.id, event.ignoredBy), eq(appUser.mspId, ctx.msp)))
          .limit(1)
      )[0] ?? null)
    : null;
  let rule: { id: string; name: string | null; reason: string | null } | null = null;
  if (event.whitelistRuleId) {
    const [found] = await ctx.db
      .select({ id: whitelistRule.id, name: whitelistRule.name, reason: whitelistRule.reason })
      .from(whitelistRule)
      .where(and(eq(whitelistRule.id, event.whitelistRuleId), eq(whitelistRule.mspId, ctx.msp)))
      .limit(1);
    // A deleted rule keeps its id on the event; its name is gone with it.
    rule = found ?? { id: event.whitelistRuleId, name: null, reason: null };
  }
  return { at: event.ignoredAt?.toISOString() ?? null, reason: event.ignoreReason, by, rule };
}

async function eventActivities(ctx: Ctx, eventId: string) {
  const scope = and(eq(eventActivity.eventId, eventId), eq(activity.mspId, ctx.msp));
  const [rows, [total]] = await Promise.all([
    ctx.db
      .select({
        id: activity.id,
        source: activity.source,
        recordId: activity.recordId,
        occurredAt: activity.occurredAt,
        ingestedAt: activity.ingestedAt,
        workload: activity.workload,
        operation: activity.operation,
        recordType: activity.recordType,
        actorId: activity.actorId,
        actorUpn: activity.actorUpn,
        clientIp: activity.clientIp,
        userAgent: activity.userAgent,
        result: activity.result,
        target: activity.target,
        raw: activity.raw,
      })
      .from(eventActivity)
      .innerJoin(activity, eq(activity.id, eventActivity.activityId))
      .where(scope)
      .orderBy(asc(activity.occurredAt), asc(activity.id))
      .limit(EVENT_ACTIVITY_LIMIT),
    ctx.db.select({ n: count() }).from(eventActivity).innerJoin(activity, eq(activity.id, eventActivity.activityId)).where(scope),
  ]);
  return {
    items: rows.map((r) => ({ ...r, occurredAt: r.occurredAt.toISOString(), ingestedAt: r.ingestedAt.toISOString() })),
    total: total?.n ?? 0,
  };
}

/**
 * Other events of the MSP about the same user or the same IP address, within 7 days either side.
 * One query per key, each read newest first from its (msp, key, last seen) index and merged here:
 * with the two keys OR-ed, the planner tended to walk the MSP's whole time index from today back.
 */
async function relatedEvents(ctx: Ctx, event: EventRow) {
  const keys: SQL[] = [];
  if (event.userName) keys.push(eq(securityEvent.userName, event.userName));
  if (event.networkAddress) keys.push(eq(securityEvent.networkAddress, event.networkAddress));
  const lists = await Promise.all(
    keys.map((same) =>
      ctx.db
        .select({ event: getTableColumns(securityEvent), tenantName: tenant.name, tenantIsDemo: tenant.isDemo })
        .from(securityEvent)
        .innerJoin(tenant, eq(tenant.id, securityEvent.tenantId))
        .where(
          and(
            eq(securityEvent.mspId, ctx.msp),
            same,
            ne(securityEvent.id, event.id),
            gte(securityEvent.lastSeenAt, new Date(event.lastSeenAt.getTime() - RELATED_WINDOW_MS)),
            lte(securityEvent.firstSeenAt, new Date(event.lastSeenAt.getTime() + RELATED_WINDOW_MS)),
          ),
        )
        .orderBy(desc(securityEvent.lastSeenAt), desc(securityEvent.id))
        .limit(RELATED_EVENTS_LIMIT),
    ),
  );
  const byId = new Map(lists.flat().map((r) => [r.event.id, r]));
  // Newest first, then id descending, as the SQL ordered each list (ids compare as their text).
  const rows = [...byId.values()]
    .sort((a, b) => b.event.lastSeenAt.getTime() - a.event.lastSeenAt.getTime() || (a.event.id < b.event.id ? 1 : a.event.id > b.event.id ? -1 : 0))
    .slice(0, RELATED_EVENTS_LIMIT);
  return rows.map(({ event: r, tenantName, tenantIsDemo }) => ({
    ...toEventListItem(r, tenantName, tenantIsDemo),
    sameUser: event.userName !== null && r.userName === event.userName,
    sameIp: event.networkAddress !== null && r.networkAddress === event.networkAddress,
  }));
}

/** The event's own value for each criterion of a whitelist rule (null: the event has none). */
async function ruleCriteria(ctx: Ctx, event: EventRow) {
  const entities = await ctx.db
    .select({
      kind: eventEntity.kind,
      key: eventEntity.key,
      isPrimary: eventEntity.isPrimary,
      countryCode: sql<string | null>`${eventEntity.snapshot} #>> '{location,countryCode}'`,
    })
    .from(eventEntity)
    .where(and(eq(eventEntity.eventId, event.id), eq(eventEntity.mspId, ctx.msp)))
    .orderBy(desc(eventEntity.isPrimary), asc(eventEntity.key));
  const ip = entities.find((e) => e.kind === 'ip' && e.key === event.networkAddress) ?? entities.find((e) => e.kind === 'ip');
  const app = entities.find((e) => e.kind === 'app');
  const country = typeof event.fields.country === 'string' ? event.fields.country : null;
  return {
    tenantId: event.tenantId,
    detectionId: event.detectionId,
    userName: event.userName,
    ipAddress: event.networkAddress,
    countryCode: ip?.countryCode ?? country,
    appId: app?.key ?? null,
  };
}
