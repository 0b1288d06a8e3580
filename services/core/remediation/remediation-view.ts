import { and, desc, eq, inArray, lt, or, sql, type SQL } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import { z } from 'zod';
import { appUser, REMEDIATION_STATUSES, remediationRequest, securityEvent, tenant } from '../../../db/schema/index.ts';
import { NotFoundError } from '../../errors.ts';
import { ACTIONS, type ActionName } from '../../remediation/actions/index.ts';
import type { Ctx } from '../context.ts';
import { listCursor, pageInput } from '../pagination.ts';
import { userRiskScore } from '../../notify/risk-score.ts';

const requester = alias(appUser, 'requester');
const decider = alias(appUser, 'decider');
const exactTime = sql<string>`to_char(${remediationRequest.requestedAt} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

const columns = {
  request: remediationRequest,
  tenantName: tenant.name,
  eventTitle: securityEvent.title,
  eventSeverity: securityEvent.severity,
  eventDetection: securityEvent.detectionId,
  eventUser: securityEvent.userName,
  requesterName: requester.name,
  requesterEmail: requester.email,
  deciderName: decider.name,
  deciderEmail: decider.email,
  at: exactTime,
};

function query(ctx: Pick<Ctx, 'db'>) {
  return ctx.db
    .select(columns)
    .from(remediationRequest)
    .innerJoin(tenant, eq(tenant.id, remediationRequest.tenantId))
    .leftJoin(securityEvent, eq(securityEvent.id, remediationRequest.eventId))
    .leftJoin(requester, eq(requester.id, remediationRequest.requestedBy))
    .leftJoin(decider, eq(decider.id, remediationRequest.decidedBy));
}

type Row = Awaited<ReturnType<ReturnType<typeof query>['execute']>>[number];

const person = (id: string | null, name: string | null, email: string | null) => (id ? { id, name: name || email || '', email: email ?? '' } : null);

/** What the history, the approvals queue and the event page show of one action. */
function toView(row: Row, risk: { score: number; band: string; openEvents: number } | null) {
  const r = row.request;
  const action = ACTIONS[r.action as ActionName];
  return {
    id: r.id,
    action: r.action,
    actionTitle: action?.title ?? r.action,
    actionDescription: action?.description ?? '',
    restrictsAccess: action?.restrictsAccess ?? false,
    entity: r.entity as { kind: string; key: string },
    status: r.status,
    tenant: { id: r.tenantId, name: row.tenantName },
    event: r.eventId
      ? { id: r.eventId, title: row.eventTitle ?? '', severity: row.eventSeverity ?? 'informational', detectionId: row.eventDetection ?? '' }
      : null,
    requestedBy: person(r.requestedBy, row.requesterName, row.requesterEmail),
    requestedAt: r.requestedAt.toISOString(),
    origin: r.origin ?? null,
    decidedBy: person(r.decidedBy, row.deciderName, row.deciderEmail),
    decidedAt: r.decidedAt?.toISOString() ?? null,
    decisionNote: r.decisionNote,
    expiresAt: r.expiresAt?.toISOString() ?? null,
    result: r.result ?? null,
    error: r.error,
    completedAt: r.completedAt?.toISOString() ?? null,
    before: r.before ?? null,
    undoOf: r.undoOf,
    undoneAt: r.undoneAt?.toISOString() ?? null,
    canUndo: r.status === 'succeeded' && !r.undoOf && !r.undoneAt && !!action?.undo && (r.result as { alreadyDone?: boolean } | null)?.alreadyDone !== true,
    hasTemporaryPassword: r.secretEnc !== null,
    userRisk: risk,
  };
}
export type RemediationView = ReturnType<typeof toView>;

async function withRisk(ctx: Pick<Ctx, 'db'>, rows: Row[]) {
  const cache = new Map<string, { score: number; band: string; openEvents: number }>();
  const views: RemediationView[] = [];
  for (const row of rows) {
    const entity = row.request.entity as { kind?: string; key?: string };
    const userName = entity.kind === 'user' || entity.kind === 'mailbox' ? entity.key : row.eventUser;
    let risk = null;
    if (userName) {
      const key = `${row.request.tenantId}|${userName.toLowerCase()}`;
      risk = cache.get(key) ?? (await userRiskScore(ctx.db, row.request.tenantId, userName));
      cache.set(key, risk);
    }
    views.push(toView(row, risk));
  }
  return views;
}

export async function getRemediationView(ctx: Pick<Ctx, 'db' | 'msp'>, id: string): Promise<RemediationView> {
  if (!z.uuid().safeParse(id).success) throw new NotFoundError('Action not found.');
  const rows = await query(ctx)
    .where(and(eq(remediationRequest.id, id), eq(remediationRequest.mspId, ctx.msp)))
    .limit(1);
  if (!rows[0]) throw new NotFoundError('Action not found.');
  const [view] = await withRisk(ctx, rows);
  return view!;
}

export const listRemediationsInput = pageInput.extend({
  /** One status or several, comma-separated: `pending_approval`, `succeeded,failed`. */
  status: z
    .string()
    .optional()
    .transform((v) =>
      v
        ? v
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean)
        : [],
    )
    .pipe(z.array(z.enum(REMEDIATION_STATUSES))),
  tenant: z.uuid().optional(),
  event: z.uuid().optional(),
  action: z.string().max(60).optional(),
});
export type ListRemediationsInput = z.input<typeof listRemediationsInput>;

const cursorShape = z.tuple([z.iso.datetime({ offset: true, precision: 6 }), z.uuid()]);

/** Actions newest first: the history (any status) and the approvals queue (`status=pending_approval`). */
export async function queryRemediations(ctx: Ctx, input: ListRemediationsInput) {
  const data = listRemediationsInput.parse(input);
  const pages = listCursor(ctx, 'remediations:requested', cursorShape);
  const after = pages.decode(data.cursor);
  const conditions: (SQL | undefined)[] = [eq(remediationRequest.mspId, ctx.msp)];
  if (data.status.length > 0) conditions.push(inArray(remediationRequest.status, data.status));
  if (data.tenant) conditions.push(eq(remediationRequest.tenantId, data.tenant));
  if (data.event) conditions.push(eq(remediationRequest.eventId, data.event));
  if (data.action) conditions.push(eq(remediationRequest.action, data.action));
  if (after) {
    conditions.push(
      or(
        sql`${remediationRequest.requestedAt} < ${after[0]}::timestamptz`,
        and(sql`${remediationRequest.requestedAt} = ${after[0]}::timestamptz`, lt(remediationRequest.id, after[1])),
      ),
    );
  }
  const rows = await query(ctx)
    .where(and(...conditions))
    .orderBy(desc(remediationRequest.requestedAt), desc(remediationRequest.id))
    .limit(data.limit + 1);
  const page = rows.slice(0, data.limit);
  const last = page.at(-1);
  return { items: await withRisk(ctx, page), nextCursor: rows.length > data.limit && last ? pages.encode([last.at, last.request.id]) : null };
}
