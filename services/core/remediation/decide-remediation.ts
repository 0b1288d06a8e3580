import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { remediationRequest } from '../../../db/schema/index.ts';
import { ConflictError, ForbiddenError, NotFoundError } from '../../errors.ts';
import type { ActionName } from '../../remediation/actions/index.ts';
import { writeAudit } from '../audit/write-audit.ts';
import { authorize } from '../authz.ts';
import type { Ctx } from '../context.ts';
import { effectivePolicy } from './policy.ts';
import type { RemediationQueue } from './queue.ts';
import { getRemediationView } from './remediation-view.ts';
import { actorUserId } from './request-remediation.ts';

export const decideInput = z.object({ comment: z.string().trim().max(2000).optional() });
export type DecideInput = z.input<typeof decideInput>;

async function pending(ctx: Ctx, id: string) {
  if (!z.uuid().safeParse(id).success) throw new NotFoundError('Action not found.');
  const [row] = await ctx.db
    .select()
    .from(remediationRequest)
    .where(and(eq(remediationRequest.id, id), eq(remediationRequest.mspId, ctx.msp)))
    .limit(1);
  if (!row) throw new NotFoundError('Action not found.');
  if (row.status !== 'pending_approval') throw new ConflictError(`This action is not waiting for approval: it is ${row.status.replace('_', ' ')}.`);
  if (row.expiresAt && row.expiresAt <= new Date()) {
    await expireOne(ctx, row.id);
    throw new ConflictError('This request expired before anyone decided: request it again if it is still needed.');
  }
  return row;
}

async function expireOne(ctx: Ctx, id: string): Promise<void> {
  await ctx.db.transaction(async (tx) => {
    const changed = await tx
      .update(remediationRequest)
      .set({ status: 'expired', decidedAt: new Date(), decisionNote: 'Nobody approved or rejected it in time.' })
      .where(and(eq(remediationRequest.id, id), eq(remediationRequest.status, 'pending_approval')))
      .returning({ id: remediationRequest.id });
    if (changed.length > 0) await writeAudit(tx, { msp: ctx.msp, actor: { type: 'system', role: 'owner' } }, 'remediation.expire', { type: 'remediation', id });
  });
}

async function decide(ctx: Ctx, id: string, input: DecideInput, approve: boolean, queue?: RemediationQueue) {
  authorize(ctx, 'remediation.approve');
  const { comment } = decideInput.parse(input);
  const row = await pending(ctx, id);
  const me = actorUserId(ctx);
  if (approve && me && row.requestedBy === me) {
    const policy = await effectivePolicy(ctx.db, ctx.msp, row.tenantId, row.action as ActionName);
    if (!policy.allowSelfApproval)
      throw new ForbiddenError('You requested this action, so another admin must approve it (the approval policy does not allow approving your own requests).');
  }
  await ctx.db.transaction(async (tx) => {
    const changed = await tx
      .update(remediationRequest)
      .set({ status: approve ? 'approved' : 'rejected', decidedBy: me, decidedAt: new Date(), decisionNote: comment || null })
      .where(and(eq(remediationRequest.id, row.id), eq(remediationRequest.status, 'pending_approval')))
      .returning({ id: remediationRequest.id });
    if (changed.length === 0) throw new ConflictError('Someone else decided this request a moment ago.');
    await writeAudit(
      tx,
      ctx,
      approve ? 'remediation.approve' : 'remediation.reject',
      { type: 'remediation', id: row.id },
      { action: row.action, entity: row.entity, ...(comment ? { comment } : {}) },
    );
  });
  if (approve) await queue?.send(row.id);
  return getRemediationView(ctx, row.id);
}

/** Approves a pending action (admins and owners; not one's own unless the policy allows it) and hands it to the workers. Audited. */
export const approveRemediation = ({ ctx, id, input = {}, queue }: { ctx: Ctx; id: string; input?: DecideInput; queue?: RemediationQueue }) =>
  decide(ctx, id, input, true, queue);

/** Rejects a pending action with an optional comment; it never runs. Audited. */
export const rejectRemediation = ({ ctx, id, input = {} }: { ctx: Ctx; id: string; input?: DecideInput }) => decide(ctx, id, input, false);
