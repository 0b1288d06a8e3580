import { and, eq, ne } from 'drizzle-orm';
import { z } from 'zod';
import { securityEvent } from '../../../db/schema/index.ts';
import { ConflictError } from '../../errors.ts';
import { reevaluateScores } from '../../notify/score-triggers.ts';
import { writeAudit } from '../audit/write-audit.ts';
import { authorize } from '../authz.ts';
import type { Ctx } from '../context.ts';
import { findEvent, getEvent } from './get-event.ts';

export const ignoreEventInput = z.object({ reason: z.string().trim().max(2000).optional() });
export type IgnoreEventInput = z.input<typeof ignoreEventInput>;

/**
 * Ignores an event by hand: status ignored, who and when, and the optional reason; audited.
 * Ignoring an ignored event changes nothing (the first who and when stay).
 * @example await ignoreEvent({ ctx, id, input: { reason: 'Megan is travelling' } })
 */
export async function ignoreEvent({ ctx, id, input = {} }: { ctx: Ctx; id: string; input?: IgnoreEventInput }) {
  authorize(ctx, 'event.triage');
  const { reason } = ignoreEventInput.parse(input);
  const { event } = await findEvent(ctx, id);
  const by = ctx.actor.type === 'user' ? ctx.actor.id : ctx.actor.type === 'token' ? ctx.actor.userId : null;
  await ctx.db.transaction(async (tx) => {
    const changed = await tx
      .update(securityEvent)
      .set({ status: 'ignored', ignoredAt: new Date(), ignoredBy: by, ignoreReason: reason || null, whitelistRuleId: null })
      .where(and(eq(securityEvent.id, event.id), eq(securityEvent.mspId, ctx.msp), ne(securityEvent.status, 'ignored')))
      .returning({ id: securityEvent.id, status: securityEvent.status });
    if (changed.length > 0) {
      await reevaluateScores(tx, { mspId: ctx.msp, eventIds: [event.id] });
      await writeAudit(tx, ctx, 'event.ignore', { type: 'event', id: event.id }, { from: event.status, ...(reason ? { reason } : {}) });
    }
  });
  return getEvent({ ctx, id: event.id });
}

/**
 * Puts an ignored event back in the Report table as open; audited. Unignoring an event that is
 * not ignored changes nothing. When another open event of the same tenant, detection and key
 * exists (the detection kept raising while this one was ignored), the two would be one open
 * case twice: 409 naming the open event, which is the one to work.
 */
export async function unignoreEvent({ ctx, id }: { ctx: Ctx; id: string }) {
  authorize(ctx, 'event.triage');
  const { event } = await findEvent(ctx, id);
  if (event.status !== 'ignored') return getEvent({ ctx, id: event.id });
  await ctx.db.transaction(async (tx) => {
    const [open] = await tx
      .select({ id: securityEvent.id })
      .from(securityEvent)
      .where(
        and(
          eq(securityEvent.tenantId, event.tenantId),
          eq(securityEvent.detectionId, event.detectionId),
          eq(securityEvent.dedupKey, event.dedupKey),
          eq(securityEvent.status, 'open'),
          ne(securityEvent.id, event.id),
        ),
      )
      .limit(1);
    if (open) throw openDuplicate(open.id);
    try {
      const changed = await tx
        .update(securityEvent)
        .set({ status: 'open', ignoredAt: null, ignoredBy: null, ignoreReason: null, whitelistRuleId: null })
        .where(and(eq(securityEvent.id, event.id), eq(securityEvent.mspId, ctx.msp), eq(securityEvent.status, 'ignored')))
        .returning({ id: securityEvent.id });
      if (changed.length > 0) {
        await reevaluateScores(tx, { mspId: ctx.msp, eventIds: [event.id] });
        await writeAudit(
          tx,
          ctx,
          'event.unignore',
          { type: 'event', id: event.id },
          {
            ignoredAt: event.ignoredAt?.toISOString() ?? null,
            ...(event.whitelistRuleId ? { whitelistRuleId: event.whitelistRuleId } : {}),
          },
        );
      }
    } catch (error) {
      // The detection engine opened one between our check and the update.
      if (isUniqueViolation(error)) throw openDuplicate(null);
      throw error;
    }
  });
  return getEvent({ ctx, id: event.id });
}

function openDuplicate(openId: string | null): ConflictError {
  const which = openId ? `Another open event (${openId})` : 'Another open event';
  return new ConflictError(`${which} already tracks the same detection and entity in this tenant; work that event instead.`);
}

function isUniqueViolation(error: unknown): boolean {
  for (let e: unknown = error; e && typeof e === 'object'; e = (e as { cause?: unknown }).cause) {
    if ((e as { code?: unknown }).code === '23505') return true;
  }
  return false;
}
