import { and, desc, eq, lt, or, sql } from 'drizzle-orm';
import { z } from 'zod';
import { psaTicket, tenant } from '../../../db/schema/index.ts';
import { authorize } from '../authz.ts';
import type { Ctx } from '../context.ts';
import { listCursor, pageInput } from '../pagination.ts';

export const listPsaTicketsInput = pageInput.extend({
  eventId: z.uuid().optional().describe('Only the tickets this event is part of'),
});

const view = (t: typeof psaTicket.$inferSelect & { tenantName: string | null }) => ({
  id: t.id,
  kind: t.kind,
  number: t.number,
  url: t.url,
  status: t.status,
  closed: t.closed,
  statusReadAt: t.statusReadAt?.toISOString() ?? null,
  tenantId: t.tenantId,
  tenantName: t.tenantName,
  eventId: t.eventId,
  eventCount: t.eventIds.length,
  pendingCount: t.pendingEventIds.length,
  isFlood: t.isFlood,
  isTest: t.isTest,
  failedAttachments: t.failedAttachments,
  createdAt: t.createdAt.toISOString(),
});

/** Tickets Tenantwatch filed, newest first; with `eventId`, the ticket(s) of one event (for the event page). */
export async function listPsaTickets({ ctx, input }: { ctx: Ctx; input: z.input<typeof listPsaTicketsInput> }) {
  authorize(ctx, 'event.read');
  const q = listPsaTicketsInput.parse(input);
  const cursor = listCursor(ctx, `psa-tickets:${q.eventId ?? ''}`, z.tuple([z.string(), z.uuid()]));
  const after = cursor.decode(q.cursor);
  const rows = await ctx.db
    .select({ t: psaTicket, tenantName: tenant.name })
    .from(psaTicket)
    .leftJoin(tenant, eq(tenant.id, psaTicket.tenantId))
    .where(
      and(
        eq(psaTicket.mspId, ctx.msp),
        q.eventId ? sql`${q.eventId}::uuid = any(${psaTicket.eventIds})` : undefined,
        after ? or(lt(psaTicket.createdAt, new Date(after[0])), and(eq(psaTicket.createdAt, new Date(after[0])), lt(psaTicket.id, after[1]))) : undefined,
      ),
    )
    .orderBy(desc(psaTicket.createdAt), desc(psaTicket.id))
    .limit(q.limit + 1);
  const items = rows.slice(0, q.limit).map((r) => view({ ...r.t, tenantName: r.tenantName }));
  const last = rows.length > q.limit ? rows[q.limit - 1]!.t : undefined;
  return { items, nextCursor: last ? cursor.encode([last.createdAt.toISOString(), last.id]) : null };
}
