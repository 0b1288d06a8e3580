import { and, desc, eq, lt, or, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { DELIVERY_STATUSES, delivery } from '../../../db/schema/index.ts';
import { authorize } from '../authz.ts';
import type { Ctx } from '../context.ts';
import { listCursor, pageInput } from '../pagination.ts';
import type { DeliveryPayload } from '../../notify/outbox.ts';

export const listDeliveriesInput = pageInput.extend({
  event: z.uuid().optional(),
  trigger: z.uuid().optional(),
  status: z.enum(DELIVERY_STATUSES).optional(),
});

const cursorShape = z.tuple([z.iso.datetime({ offset: true }), z.uuid()]);

/**
 * The delivery history, newest first: per event (the event page), per trigger (the editor), or
 * by status (what failed). Failed and dead deliveries carry their last error.
 */
export async function listDeliveries({ ctx, input }: { ctx: Ctx; input: z.input<typeof listDeliveriesInput> }) {
  authorize(ctx, 'trigger.read');
  const data = listDeliveriesInput.parse(input);
  const pages = listCursor(ctx, `deliveries:${data.event ?? ''}:${data.trigger ?? ''}:${data.status ?? ''}`, cursorShape);
  const after = pages.decode(data.cursor);
  const where: (SQL | undefined)[] = [eq(delivery.mspId, ctx.msp)];
  if (data.event) where.push(eq(delivery.eventId, data.event));
  if (data.trigger) where.push(eq(delivery.triggerId, data.trigger));
  if (data.status) where.push(eq(delivery.status, data.status));
  if (after) where.push(or(lt(delivery.createdAt, new Date(after[0])), and(eq(delivery.createdAt, new Date(after[0])), lt(delivery.id, after[1]))));
  const rows = await ctx.db
    .select()
    .from(delivery)
    .where(and(...where))
    .orderBy(desc(delivery.createdAt), desc(delivery.id))
    .limit(data.limit + 1);
  const page = rows.slice(0, data.limit);
  const last = page.at(-1);
  return { items: page.map(toDeliveryView), nextCursor: rows.length > data.limit && last ? pages.encode([last.createdAt.toISOString(), last.id]) : null };
}

function toDeliveryView(d: typeof delivery.$inferSelect) {
  const payload = d.payload as unknown as DeliveryPayload;
  return {
    id: d.id,
    triggerId: d.triggerId,
    triggerName: payload.triggerName ?? null,
    kind: d.kind,
    status: d.status,
    isTest: d.isTest,
    eventId: d.eventId,
    productEventId: d.productEventId,
    /** Who or where: the recipients of a mail, the host of a web request. */
    destination: destinationOf(d.kind, payload.settings ?? {}),
    attempts: d.attempts,
    lastError: d.lastError,
    response: d.response,
    gathered: d.gatherKey !== null,
    createdAt: d.createdAt.toISOString(),
    nextAttemptAt: d.status === 'pending' || d.status === 'failed' ? d.nextAttemptAt.toISOString() : null,
    deliveredAt: d.deliveredAt?.toISOString() ?? null,
  };
}

function destinationOf(kind: string, settings: Record<string, unknown>): string {
  if (kind === 'email') return Array.isArray(settings.to) ? (settings.to as unknown[]).map(String).join(', ') : '';
  // A remediation goes to the event's tenant: the action's name says where it went.
  if (kind === 'remediation') return typeof settings.action === 'string' ? settings.action : '';
  const url = settings.url ?? settings.webhookUrl;
  if (typeof url !== 'string') return kind === 'slack' ? 'Slack' : kind === 'teams' ? 'Microsoft Teams' : '';
  try {
    return new URL(url).host;
  } catch {
    return '';
  }
}
