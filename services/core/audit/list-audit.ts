import { and, desc, eq, gte, inArray, like, lt, or, sql, type SQL } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import { z } from 'zod';
import { apiToken, appUser, auditLog } from '../../../db/schema/index.ts';
import { authorize } from '../authz.ts';
import type { Ctx } from '../context.ts';
import { listCursor, pageInput } from '../pagination.ts';

/** A date alone means the start of that day (UTC); `to` with a date alone includes that day. */
const when = z.union([z.iso.date(), z.iso.datetime({ offset: true })]);

export const listAuditInput = pageInput.extend({
  /** A user: their own actions, in the web app or with any of their API tokens. */
  actor: z.uuid().optional(),
  /** An action (`tenant.create`), or a family ending in a dot (`tenant.`). */
  action: z
    .string()
    .trim()
    .max(100)
    .regex(/^[a-z0-9_.-]+$/i, 'expected an action such as tenant.create, or a family such as tenant.')
    .optional(),
  from: when.optional(),
  to: when.optional(),
});
export type ListAuditInput = z.input<typeof listAuditInput>;

const cursorShape = z.tuple([z.iso.datetime({ offset: true, precision: 6 }), z.uuid()]);

const tokenUser = alias(appUser, 'token_user');
/** created_at at full precision, so the cursor names exactly the last row served. */
const exactTime = sql<string>`to_char(${auditLog.createdAt} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

const endOf = (value: string) => (/^\d{4}-\d{2}-\d{2}$/.test(value) ? new Date(Date.parse(`${value}T00:00:00Z`) + 86_400_000) : new Date(value));

/**
 * The MSP's audit log, newest first, keyset-paged: who (the user, or the user behind an API
 * token, or Tenantwatch itself), what, on which object, when and from which address.
 * @example await listAudit({ ctx, input: { action: 'tenant.', from: '2026-11-01' } })
 */
export async function listAudit({ ctx, input }: { ctx: Ctx; input: ListAuditInput }) {
  authorize(ctx, 'audit.read');
  const data = listAuditInput.parse(input);
  const pages = listCursor(ctx, 'audit:created', cursorShape);
  const after = pages.decode(data.cursor);
  const conditions: (SQL | undefined)[] = [eq(auditLog.mspId, ctx.msp)];
  if (data.actor) {
    const tokens = ctx.db
      .select({ id: apiToken.id })
      .from(apiToken)
      .where(and(eq(apiToken.mspId, ctx.msp), eq(apiToken.userId, data.actor)));
    conditions.push(
      or(and(eq(auditLog.actorType, 'user'), eq(auditLog.actorId, data.actor)), and(eq(auditLog.actorType, 'token'), inArray(auditLog.actorId, tokens))),
    );
  }
  if (data.action)
    conditions.push(data.action.endsWith('.') ? like(auditLog.action, `${data.action.replace(/[_%\\]/g, '\\$&')}%`) : eq(auditLog.action, data.action));
  if (data.from) conditions.push(gte(auditLog.createdAt, new Date(data.from)));
  if (data.to) conditions.push(lt(auditLog.createdAt, endOf(data.to)));
  if (after) {
    conditions.push(
      or(sql`${auditLog.createdAt} < ${after[0]}::timestamptz`, and(sql`${auditLog.createdAt} = ${after[0]}::timestamptz`, lt(auditLog.id, after[1]))),
    );
  }
  const rows = await ctx.db
    .select({
      id: auditLog.id,
      at: exactTime,
      action: auditLog.action,
      actorType: auditLog.actorType,
      actorId: auditLog.actorId,
      targetType: auditLog.targetType,
      targetId: auditLog.targetId,
      details: auditLog.details,
      ip: auditLog.ip,
      userId: sql<string | null>`coalesce(${appUser.id}, ${tokenUser.id})`,
      userEmail: sql<string | null>`coalesce(${appUser.email}, ${tokenUser.email})`,
      userName: sql<string | null>`coalesce(${appUser.name}, ${tokenUser.name})`,
      tokenName: apiToken.name,
    })
    .from(auditLog)
    .leftJoin(appUser, and(eq(auditLog.actorType, 'user'), eq(appUser.id, auditLog.actorId), eq(appUser.mspId, ctx.msp)))
    .leftJoin(apiToken, and(eq(auditLog.actorType, 'token'), eq(apiToken.id, auditLog.actorId), eq(apiToken.mspId, ctx.msp)))
    .leftJoin(tokenUser, and(eq(tokenUser.id, apiToken.userId), eq(tokenUser.mspId, ctx.msp)))
    .where(and(...conditions))
    .orderBy(desc(auditLog.createdAt), desc(auditLog.id))
    .limit(data.limit + 1);
  const page = rows.slice(0, data.limit);
  const last = page.at(-1);
  return {
    items: page.map((r) => ({
      id: r.id,
      at: r.at,
      action: r.action,
      actor: {
        type: r.actorType,
        userId: r.userId,
        email: r.userEmail,
        name: r.userName,
        /** The API token's name when the action came through one. */
        token: r.actorType === 'token' ? (r.tokenName ?? null) : null,
      },
      target: r.targetType ? { type: r.targetType, id: r.targetId } : null,
      details: r.details ?? null,
      ip: r.ip,
    })),
    nextCursor: data.limit < rows.length && last ? pages.encode([last.at, last.id]) : null,
  };
}
