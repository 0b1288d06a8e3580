import { randomUUID } from 'node:crypto';
import { and, asc, desc, eq, like } from 'drizzle-orm';
import { delivery, securityEvent, triggerAction } from '../../../db/schema/index.ts';
import { FIELDS, type FilterableEvent } from '../../language/index.ts';
import { eventValues } from '../../notify/event-values.ts';
import { insertDeliveries, resolveSettings, type DeliveryPayload } from '../../notify/outbox.ts';
import { contributingEvents, userRiskScore } from '../../notify/risk-score.ts';
import { reportDeliveries, reportStart } from '../../notify/scheduled-triggers.ts';
import { conditionPredicate } from '../../notify/triggers.ts';
import { loadFilterableEvents } from '../../detection/filterable-events.ts';
import { writeAudit } from '../audit/write-audit.ts';
import { authorize } from '../authz.ts';
import type { Ctx } from '../context.ts';
import { findTrigger } from './trigger-view.ts';
import { ValidationError } from '../../errors.ts';

/** Recent events searched for one the condition matches, to fill a test message with. */
const RECENT_EVENTS = 200;

/**
 * "Send test": every action of the trigger sends one message now, through the outbox like a real
 * match, filled with the newest event the condition matches (or example values when none does).
 * Returns the deliveries, to follow on the trigger's history.
 */
export async function testTrigger({ ctx, id }: { ctx: Ctx; id: string }) {
  authorize(ctx, 'trigger.write');
  const t = await findTrigger(ctx, id);
  const actions = await ctx.db.select().from(triggerAction).where(eq(triggerAction.triggerId, t.id)).orderBy(asc(triggerAction.position));
  if (actions.length === 0) throw new ValidationError('The trigger has no action to test.', [{ path: 'actions', message: 'none' }]);
  if (t.kind === 'schedule') return testSchedule(ctx, t, actions.length);
  const recent = await ctx.db
    .select({ id: securityEvent.id })
    .from(securityEvent)
    .where(eq(securityEvent.mspId, ctx.msp))
    .orderBy(desc(securityEvent.lastSeenAt))
    .limit(RECENT_EVENTS);
  // A score trigger's test speaks of the newest event's user, with that user's score now.
  const matches = t.kind === 'score' ? (e: FilterableEvent) => Boolean(e.userName) : conditionPredicate(t.condition);
  const found = (
    await loadFilterableEvents(
      ctx.db,
      recent.map((r) => r.id),
    )
  )
    .filter((e) => matches(e))
    .sort((a, b) => b.lastSeenAt.getTime() - a.lastSeenAt.getTime())[0];
  const event: FilterableEvent = found ?? exampleEvent();
  const run = randomUUID();
  const rows: (typeof delivery.$inferInsert)[] = [];
  const values = { ...eventValues(event), ...(t.kind === 'score' ? await scoreValues(ctx, found ?? null) : {}) };
  for (const action of actions) {
    const payload: DeliveryPayload = {
      settings: await resolveSettings(ctx.db, ctx.msp, action),
      values,
      eventPath: found ? `/events/${found.id}` : null,
      triggerName: t.name,
    };
    rows.push({
      mspId: ctx.msp,
      triggerId: t.id,
      triggerActionId: action.id,
      eventId: found?.id ?? null,
      kind: action.kind,
      isTest: true,
      idempotencyKey: `test:${run}:${action.id}`,
      payload: payload as unknown as Record<string, unknown>,
    });
  }
  await ctx.db.transaction(async (tx) => {
    await insertDeliveries(tx, rows);
    await writeAudit(tx, ctx, 'trigger.test', { type: 'trigger', id: t.id }, { event: found?.id ?? null, actions: actions.length });
  });
  const sent = await ctx.db
    .select()
    .from(delivery)
    .where(and(eq(delivery.triggerId, t.id), eq(delivery.isTest, true)))
    .orderBy(desc(delivery.createdAt))
    .limit(actions.length);
  return { eventId: found?.id ?? null, deliveryIds: sent.map((d) => d.id) };
}

/** The `{Score.*}` values of the event's user now (example values without an event). */
async function scoreValues(ctx: Ctx, event: (FilterableEvent & { tenantId: string }) | null) {
  if (!event?.userName)
    return {
      'Score.UserName': 'megan@contoso.com',
      'Score.Value': 55,
      'Score.Band': 'high',
      'Score.Events': ['Test message from Tenantwatch (high)'],
      'Score.EventCount': 3,
    };
  const score = await userRiskScore(ctx.db, event.tenantId, event.userName);
  const behind = await contributingEvents(ctx.db, event.tenantId, event.userName);
  return {
    'Score.UserName': event.userName.toLowerCase(),
    'Score.Value': score.score,
    'Score.Band': score.band,
    'Score.Events': behind.map((e) => `${e.title} (${e.severity})`),
    'Score.EventCount': score.openEvents,
  };
}

/** "Send test" of a schedule: the report of the time since its last run, now, without moving the schedule. */
async function testSchedule(ctx: Ctx, t: Awaited<ReturnType<typeof findTrigger>>, actionCount: number) {
  const now = new Date();
  const run = randomUUID();
  const ids = await ctx.db.transaction(async (tx) => {
    const rows = await reportDeliveries(tx, t, { from: reportStart(t, now), to: now, key: `test:${run}`, isTest: true });
    await insertDeliveries(tx, rows);
    await writeAudit(tx, ctx, 'trigger.test', { type: 'trigger', id: t.id }, { event: null, actions: actionCount });
    return (
      await tx
        .select({ id: delivery.id })
        .from(delivery)
        .where(and(eq(delivery.triggerId, t.id), like(delivery.idempotencyKey, `test:${run}:%`)))
    ).map((d) => d.id);
  });
  return { eventId: null, deliveryIds: ids };
}

/** An event made of the field reference's examples, for a test when no real event matches. */
function exampleEvent(): FilterableEvent {
  const first = (name: string) => FIELDS.find((f) => f.name === name)?.examples[0];
  const now = new Date();
  return {
    id: '00000000-0000-4000-8000-000000000000',
    title: 'Test message from Tenantwatch',
    description: 'This is a test of the trigger; no event caused it.',
    severity: 'medium',
    status: 'open',
    tenantName: String(first('Event.Tenant')),
    detectionId: String(first('Event.Detection')),
    eventType: String(first('Event.EventType')),
    operationResult: String(first('Event.OperationResult')),
    userName: String(first('Event.UserName')),
    networkAddress: String(first('Event.NetworkAddress')),
    firstSeenAt: now,
    lastSeenAt: now,
    createdAt: now,
    count: 1,
    fields: { userSource: 'Local' },
  };
}
