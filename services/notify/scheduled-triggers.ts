/**
 * Scheduled triggers: a cron expression (five fields, read in the trigger's time zone) says when
 * the trigger's actions run; an email action sends the report of the events since the last run
 * (the weekly digest's report, over the trigger's condition and tenant scope), a web request,
 * Slack or Teams message fills its `{Report.*}` placeholders.
 *
 * Runs once per due time, whatever the number of workers: a run takes the trigger's row with
 * `FOR UPDATE SKIP LOCKED`, writes the deliveries (keyed by the due time) and moves `next_run_at`
 * on in the same transaction. After downtime the missed due times make one run (the next due
 * time is counted from now), whose report covers the whole time since the last run.
 */
import cronParser from 'cron-parser';
import { and, asc, eq, inArray, lte, sql, type SQL } from 'drizzle-orm';
import type { Db, DbOrTx } from '../../db/client.ts';
import { type delivery, securityEvent, tenantGroupMember, trigger, triggerAction } from '../../db/schema/index.ts';
import { compileToSql, parseFilter } from '../language/index.ts';
import { renderDigest, summarise, type RenderedPayload, type Summary } from './digest.ts';
import { insertDeliveries, resolveSettings, type DeliveryPayload } from './outbox.ts';

type TriggerRow = typeof trigger.$inferSelect;

/** Why a cron expression or time zone cannot be used, in plain words; null when both are fine. */
export function scheduleProblem(cron: string, timeZone: string): string | null {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
  } catch {
    return `"${timeZone}" is not a time zone (use an IANA name such as UTC or Europe/Amsterdam)`;
  }
  const fields = cron.trim().split(/\s+/);
  if (fields.length !== 5) return `a schedule has five fields (minute hour day-of-month month day-of-week), e.g. "0 7 * * 1"; this one has ${fields.length}`;
  try {
    cronParser.parseExpression(cron, { tz: timeZone }).next();
    return null;
  } catch (e) {
    return `the schedule "${cron}" is not a cron expression: ${e instanceof Error ? e.message : String(e)}`;
  }
}

/** The first due time of a schedule strictly after `after`. */
export function nextDueTime(cron: string, timeZone: string, after: Date): Date {
  return cronParser.parseExpression(cron, { tz: timeZone, currentDate: after }).next().toDate();
}

function previousDueTime(cron: string, timeZone: string, before: Date): Date {
  return cronParser.parseExpression(cron, { tz: timeZone, currentDate: before }).prev().toDate();
}

/**
 * Runs every scheduled trigger that is due at `now`, each in its own transaction.
 * @returns the number of triggers run.
 */
export async function runDueScheduledTriggers(db: Db, now: Date = new Date()): Promise<number> {
  let ran = 0;
  // Bounded: a trigger run moves its own due time past `now`, so each is taken once.
  for (let i = 0; i < 1000; i++) {
    const done = await db.transaction(async (tx) => {
      const [due] = await tx
        .select()
        .from(trigger)
        .where(and(eq(trigger.kind, 'schedule'), eq(trigger.enabled, true), lte(trigger.nextRunAt, now)))
        .orderBy(asc(trigger.nextRunAt))
        .limit(1)
        .for('update', { skipLocked: true });
      if (!due) return false;
      await runScheduledTrigger(tx, due, now);
      return true;
    });
    if (!done) break;
    ran++;
  }
  return ran;
}

async function runScheduledTrigger(tx: DbOrTx, t: TriggerRow, now: Date): Promise<void> {
  const cron = t.cron ?? '';
  const timeZone = t.timeZone ?? 'UTC';
  if (scheduleProblem(cron, timeZone) !== null) {
    // Saved before a check that refuses it now (or a time zone dropped from the system): stop, never loop.
    await tx.update(trigger).set({ nextRunAt: null }).where(eq(trigger.id, t.id));
    return;
  }
  // Late (the workers were down): the run stands for the latest due time passed, once.
  const latest = previousDueTime(cron, timeZone, new Date(now.getTime() + 1));
  const dueAt = latest > t.nextRunAt! ? latest : t.nextRunAt!;
  const from = reportStart(t, dueAt);
  await tx
    .update(trigger)
    .set({ lastRunAt: dueAt, nextRunAt: nextDueTime(cron, timeZone, now > dueAt ? now : dueAt) })
    .where(eq(trigger.id, t.id));
  await insertDeliveries(tx, await reportDeliveries(tx, t, { from, to: dueAt, key: `schedule:${t.id}:${dueAt.toISOString()}`, isTest: false }));
}

/**
 * The outbox rows of one run: the report of [from, to) for each action. Also "Send test" from the
 * editor (`isTest`), which reports the time since the last run without moving the schedule.
 */
export async function reportDeliveries(tx: DbOrTx, t: TriggerRow, run: { from: Date; to: Date; key: string; isTest: boolean }) {
  const { from, to } = run;
  const summary = await summarise(tx, await reportScope(tx, t, to), from, to);
  const period = `${from.toISOString().slice(0, 16).replace('T', ' ')} to ${to.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  const mail = renderDigest(t.name, '', summary, { name: run.isTest ? 'Test: Tenantwatch report' : 'Tenantwatch report', period });
  const actions = await tx.select().from(triggerAction).where(eq(triggerAction.triggerId, t.id)).orderBy(asc(triggerAction.position));
  const rows: (typeof delivery.$inferInsert)[] = [];
  for (const action of actions) {
    const settings = await resolveSettings(tx, t.mspId, action);
    const base = {
      mspId: t.mspId,
      triggerId: t.id,
      triggerActionId: action.id,
      kind: action.kind,
      isTest: run.isTest,
      idempotencyKey: `${run.key}:${action.id}`,
    };
    if (action.kind === 'email') {
      const recipients = Array.isArray(settings.to) ? (settings.to as string[]) : [];
      if (recipients.length === 0) continue;
      const payload: RenderedPayload = { rendered: { to: recipients, ...mail, linkPath: '/' } };
      rows.push({ ...base, payload: payload as unknown as Record<string, unknown> });
    } else if (action.kind === 'webhook' || action.kind === 'slack' || action.kind === 'teams') {
      const payload: DeliveryPayload = { settings, values: reportValues(from, to, summary, mail.text), eventPath: null, triggerName: t.name };
      rows.push({ ...base, payload: payload as unknown as Record<string, unknown> });
    }
    // Tickets and remediation act on an event; the editor refuses them on a schedule.
  }
  return rows;
}

/** Where a schedule's next report starts: its last run, or the due time before `at`. */
export function reportStart(t: TriggerRow, at: Date): Date {
  return t.lastRunAt ?? previousDueTime(t.cron ?? '0 0 * * *', t.timeZone ?? 'UTC', at);
}

function reportValues(from: Date, to: Date, s: Summary, text: string) {
  return { 'Report.From': from.toISOString(), 'Report.To': to.toISOString(), 'Report.Total': s.total, 'Report.Open': s.open, 'Report.Text': text };
}

/** The events a report covers: the MSP's, in the trigger's tenant scope, matching its condition. */
async function reportScope(tx: DbOrTx, t: TriggerRow, now: Date): Promise<SQL | undefined> {
  const parts: (SQL | undefined)[] = [eq(securityEvent.mspId, t.mspId)];
  const named = t.tenantIds ?? [];
  const groups = t.tenantGroupIds ?? [];
  if (named.length > 0 || groups.length > 0) {
    const members = groups.length
      ? (await tx.select({ tenantId: tenantGroupMember.tenantId }).from(tenantGroupMember).where(inArray(tenantGroupMember.groupId, groups))).map(
          (m) => m.tenantId,
        )
      : [];
    const tenants = [...new Set([...named, ...members])];
    parts.push(tenants.length ? inArray(securityEvent.tenantId, tenants) : sql`false`);
  }
  if (t.condition.trim()) {
    try {
      parts.push(compileToSql(parseFilter(t.condition), { now }));
    } catch {
      // A condition that no longer parses matches nothing, as for event triggers.
      parts.push(sql`false`);
    }
  }
  return and(...parts);
}
