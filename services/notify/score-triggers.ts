/**
 * Score triggers: "when a user's risk score enters this band (or above), do these actions".
 *
 * Evaluated in the transaction that changes a user's open events: the one storing new events
 * (`enqueueForEvents`) and the ones ignoring, unignoring or resolving events (`reevaluateScores`).
 * Each trigger keeps one row per user (`trigger_score_state`) saying whether the score was in the
 * band when last seen; the row is locked before the score is read, so two transactions storing
 * events for one user evaluate one after the other and only the first sees the crossing.
 *
 * A crossing is: the score is in the band now, and it was not before, either by the state row or
 * by the score the user had without the events this transaction stored. The second test covers a
 * fall below the band that no evaluation saw (events closed by a path that does not call
 * `reevaluateScores`): the next event that lifts the score back in still fires.
 */
import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.ts';
import { securityEvent, triggerScoreState, type RiskBandName } from '../../db/schema/index.ts';
import { loadFilterableEvents } from '../detection/filterable-events.ts';
import { eventValues, type FieldValue } from './event-values.ts';
import { deliveryRow, insertDeliveries } from './outbox.ts';
import { atOrAbove, contributingEvents, riskBand, userRiskScoreChange } from './risk-score.ts';
import { inScope, loadEnabledTriggers, type LoadedTrigger } from './triggers.ts';

type UserKey = { tenantId: string; userName: string };

/**
 * Evaluates the MSP's score triggers for the users of the events given (new events: `isNew`; or
 * events whose status just changed). Call in the transaction that changed them.
 * @returns the number of delivery rows written.
 */
export async function evaluateScoreTriggers(tx: DbOrTx, input: { mspId: string; eventIds: readonly string[]; isNew: boolean }): Promise<number> {
  if (input.eventIds.length === 0) return 0;
  const triggers = (await loadEnabledTriggers(tx, input.mspId, 'score')).filter((t) => t.actions.length > 0 && t.scoreBand);
  if (triggers.length === 0) return 0;
  const events = await tx
    .select({ id: securityEvent.id, tenantId: securityEvent.tenantId, userName: securityEvent.userName, status: securityEvent.status })
    .from(securityEvent)
    .where(and(eq(securityEvent.mspId, input.mspId), inArray(securityEvent.id, [...input.eventIds])));
  // Users in a fixed order, so two transactions lock their state rows in the same order.
  const users = new Map<string, UserKey & { eventIds: string[] }>();
  for (const e of events) {
    if (!e.userName) continue;
    const userName = e.userName.toLowerCase();
    const key = `${e.tenantId}\u0000${userName}`;
    const u = users.get(key) ?? users.set(key, { tenantId: e.tenantId, userName, eventIds: [] }).get(key)!;
    if (!input.isNew || e.status === 'open') u.eventIds.push(e.id);
  }
  let written = 0;
  for (const key of [...users.keys()].sort()) {
    const user = users.get(key)!;
    const covering = triggers.filter((t) => inScope(t, user.tenantId));
    if (covering.length === 0) continue;
    written += await evaluateUser(tx, covering, user, input.isNew ? user.eventIds : []);
  }
  return written;
}

/** After events' status changed (ignored, unignored, resolved): re-arms, or fires on a re-entry. */
export async function reevaluateScores(tx: DbOrTx, input: { mspId: string; eventIds: readonly string[] }): Promise<number> {
  return evaluateScoreTriggers(tx, { ...input, isNew: false });
}

async function evaluateUser(tx: DbOrTx, triggers: LoadedTrigger[], user: UserKey, newEventIds: readonly string[]): Promise<number> {
  const ids = triggers.map((t) => t.id);
  await tx
    .insert(triggerScoreState)
    .values(ids.map((triggerId) => ({ triggerId, tenantId: user.tenantId, userName: user.userName, inBand: false, score: 0 })))
    .onConflictDoNothing();
  const states = await tx
    .select()
    .from(triggerScoreState)
    .where(and(inArray(triggerScoreState.triggerId, ids), eq(triggerScoreState.tenantId, user.tenantId), eq(triggerScoreState.userName, user.userName)))
    .orderBy(asc(triggerScoreState.triggerId))
    .for('update');
  // Read after the lock: a transaction that held it has committed, and its events count.
  const score = await userRiskScoreChange(tx, user.tenantId, user.userName, newEventIds);
  const rows = [];
  const now = new Date();
  let contributing: Awaited<ReturnType<typeof contributingEvents>> | null = null;
  let values: Record<string, FieldValue> | null = null;
  let eventId: string | null = null;
  for (const t of triggers) {
    const state = states.find((s) => s.triggerId === t.id);
    if (!state) continue;
    const band = t.scoreBand as RiskBandName;
    const inBand = atOrAbove(score.band, band);
    const wasOut = !state.inBand || !atOrAbove(riskBand(score.before), band);
    const fires = inBand && wasOut;
    await tx
      .update(triggerScoreState)
      .set({ inBand, score: score.score, updatedAt: now, ...(fires ? { crossings: sql`${triggerScoreState.crossings} + 1` } : {}) })
      .where(and(eq(triggerScoreState.triggerId, t.id), eq(triggerScoreState.tenantId, user.tenantId), eq(triggerScoreState.userName, user.userName)));
    if (!fires) continue;
    if (!contributing) {
      contributing = await contributingEvents(tx, user.tenantId, user.userName);
      // The event the delivery stands for (its page, its ticket, its remediation target): the
      // newest event that moved the score, else the user's heaviest open event.
      eventId = newEventIds.at(-1) ?? contributing[0]?.id ?? null;
      if (!eventId) break;
      const [event] = await loadFilterableEvents(tx, [eventId]);
      values = {
        ...(event ? eventValues(event) : {}),
        'Score.UserName': user.userName,
        'Score.Value': score.score,
        'Score.Band': score.band,
        'Score.Events': contributing.map((e) => `${e.title} (${e.severity})`),
        'Score.EventCount': score.openEvents,
      };
    }
    for (const action of t.actions)
      rows.push(
        await deliveryRow(tx, t, action, {
          eventId: eventId!,
          values: values!,
          eventPath: `/events/${eventId}`,
          key: `score:${t.id}:${eventId}:${state.crossings + 1}`,
          now,
        }),
      );
  }
  return insertDeliveries(tx, rows);
}
