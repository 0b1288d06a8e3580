/**
 * What an expression matches in one tenant over a recent stretch of time, without storing
 * anything: over its security events (`tenantwatch rules test`, the Report table's filter) or over
 * its activity records as a custom detection would see them (`POST /custom-detections/test`,
 * `tenantwatch rules test --activity`).
 */
import { and, desc, eq, gte, lt, lte, or } from 'drizzle-orm';
import { z } from 'zod';
import { activity, securityEvent } from '../../../db/schema/index.ts';
import { activityEvent, detectionRecordOf } from '../../detection/activity-event.ts';
import { compileToPredicate, compileToSql, FilterError, parseFilter, type ParsedFilter } from '../../language/index.ts';
import { ValidationError } from '../../errors.ts';
import { authorize } from '../authz.ts';
import type { Ctx } from '../context.ts';
import { getTenant } from '../tenant/get-tenant.ts';
import { parseCustomExpression } from './custom-detection-input.ts';

export const testExpressionInput = z.object({
  expression: z.string().min(1, 'expected an expression').max(10_000),
  tenantId: z.uuid({ message: "expected a tenant's id" }),
  /** How far back to look; fractions allowed (`0.5` is 12 hours). */
  days: z.number().positive().max(90).default(7),
  /** At most this many matches, newest first. */
  limit: z.number().int().min(1).max(1000).default(100),
});
export type TestExpressionInput = z.input<typeof testExpressionInput>;

/** Activity records read per statement, and at most in all (a busy tenant's month is millions). */
const PAGE = 1000;
export const MAX_SCANNED = 200_000;

async function prepare(ctx: Ctx, input: TestExpressionInput) {
  authorize(ctx, 'detection.read');
  const data = testExpressionInput.parse(input);
  const tenant = await getTenant({ ctx, id: data.tenantId });
  const to = new Date();
  const from = new Date(to.getTime() - data.days * 86_400_000);
  return { data, tenant: { id: tenant.id, name: tenant.name }, from, to };
}

/** The expression for the Report table, or a 400 with the first error and its position. */
function parseEventExpression(expression: string): ParsedFilter {
  try {
    return parseFilter(expression);
  } catch (err) {
    if (!(err instanceof FilterError)) throw err;
    const e = err.toJSON();
    throw new ValidationError(`${err.message}\n${err.excerpt}`, [
      { path: 'expression', message: e.message, line: e.line, column: e.column, offset: e.offset, length: e.length, excerpt: e.excerpt },
    ]);
  }
}

/** The tenant's security events the expression selects, newest first. */
export async function testEventExpression({ ctx, input }: { ctx: Ctx; input: TestExpressionInput }) {
  const filter = parseEventExpression(input.expression);
  const { data, tenant, from, to } = await prepare(ctx, input);
  const rows = await ctx.db
    .select({
      id: securityEvent.id,
      lastSeenAt: securityEvent.lastSeenAt,
      detectionId: securityEvent.detectionId,
      userName: securityEvent.userName,
      title: securityEvent.title,
      status: securityEvent.status,
    })
    .from(securityEvent)
    .where(and(eq(securityEvent.mspId, ctx.msp), eq(securityEvent.tenantId, tenant.id), gte(securityEvent.lastSeenAt, from), compileToSql(filter, { now: to })))
    .orderBy(desc(securityEvent.lastSeenAt))
    .limit(data.limit + 1);
  return { tenant, from: from.toISOString(), to: to.toISOString(), items: rows.slice(0, data.limit), truncated: rows.length > data.limit };
}

/**
 * The tenant's activity records a custom detection with this expression would match, newest
 * first, each with the Event fields it would raise. Reads at most `MAX_SCANNED` records
 * (`complete: false` when the stretch holds more).
 */
export async function testCustomDetection({ ctx, input }: { ctx: Ctx; input: TestExpressionInput }) {
  const filter = parseCustomExpression(input.expression);
  const { data, tenant, from, to } = await prepare(ctx, input);
  const matches = compileToPredicate(filter, { now: () => to.getTime() });
  const items = [];
  let scanned = 0;
  let after: { at: Date; id: string } | null = null;
  let complete = true;
  let truncated = false;
  for (;;) {
    if (scanned >= MAX_SCANNED) {
      complete = false;
      break;
    }
    const rows: (typeof activity.$inferSelect)[] = await ctx.db
      .select()
      .from(activity)
      .where(
        and(
          eq(activity.mspId, ctx.msp),
          eq(activity.tenantId, tenant.id),
          gte(activity.occurredAt, from),
          lte(activity.occurredAt, to),
          after ? or(lt(activity.occurredAt, after.at), and(eq(activity.occurredAt, after.at), lt(activity.id, after.id))) : undefined,
        ),
      )
      .orderBy(desc(activity.occurredAt), desc(activity.id))
      .limit(PAGE);
    for (const row of rows) {
      scanned += 1;
      const event = activityEvent(detectionRecordOf(row), { name: tenant.name });
      if (!matches(event)) continue;
      if (items.length === data.limit) {
        truncated = true;
        break;
      }
      items.push({
        activityId: row.id,
        occurredAt: row.occurredAt.toISOString(),
        source: row.source,
        workload: row.workload,
        operation: row.operation,
        eventType: event.eventType,
        operationResult: event.operationResult,
        userName: event.userName,
        networkAddress: event.networkAddress,
      });
    }
    if (truncated || rows.length < PAGE) break;
    const last = rows.at(-1)!;
    after = { at: last.occurredAt, id: last.id };
  }
  return { tenant, from: from.toISOString(), to: to.toISOString(), scanned, complete, items, truncated };
}
