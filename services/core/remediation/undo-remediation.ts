import { and, eq, inArray } from 'drizzle-orm';
import { z } from 'zod';
import { remediationRequest } from '../../../db/schema/index.ts';
import { ConflictError, NotFoundError } from '../../errors.ts';
import { ACTIONS, type ActionName } from '../../remediation/actions/index.ts';
import { writeAudit } from '../audit/write-audit.ts';
import { authorize } from '../authz.ts';
import type { Ctx } from '../context.ts';
import type { RemediationQueue } from './queue.ts';
import { getRemediationView } from './remediation-view.ts';
import { actorUserId } from './request-remediation.ts';

/**
 * Undoes a succeeded action by putting back the state recorded before it (unblock the user,
 * enable the rule, restore the forwarding). The undo is an action of its own in the history,
 * run at once: it gives access back rather than taking it. Audited.
 */
export async function undoRemediation({ ctx, id, queue }: { ctx: Ctx; id: string; queue?: RemediationQueue }) {
  authorize(ctx, 'remediation.request');
  if (!z.uuid().safeParse(id).success) throw new NotFoundError('Action not found.');
  const [row] = await ctx.db
    .select()
    .from(remediationRequest)
    .where(and(eq(remediationRequest.id, id), eq(remediationRequest.mspId, ctx.msp)))
    .limit(1);
  if (!row) throw new NotFoundError('Action not found.');
  const action = ACTIONS[row.action as ActionName];
  if (!action?.undo) throw new ConflictError(`${action?.title ?? row.action} cannot be undone from Tenantwatch.`);
  if (row.undoOf) throw new ConflictError('This is an undo already.');
  if (row.status !== 'succeeded') throw new ConflictError(`Only an action that succeeded can be undone; this one is ${row.status.replace('_', ' ')}.`);
  if (row.undoneAt) throw new ConflictError('This action was undone already.');
  if ((row.result as { alreadyDone?: boolean } | null)?.alreadyDone)
    throw new ConflictError('This action changed nothing (the target was already in that state), so there is nothing to undo.');
  const now = new Date();
  const undoId = await ctx.db.transaction(async (tx) => {
    const [running] = await tx
      .select({ id: remediationRequest.id })
      .from(remediationRequest)
      .where(and(eq(remediationRequest.undoOf, row.id), inArray(remediationRequest.status, ['approved', 'running', 'succeeded'])))
      .limit(1);
    if (running) throw new ConflictError(`An undo of this action exists already: action ${running.id}.`);
    const [created] = await tx
      .insert(remediationRequest)
      .values({
        mspId: ctx.msp,
        tenantId: row.tenantId,
        eventId: row.eventId,
        action: row.action,
        entity: row.entity,
        status: 'approved',
        requestedBy: actorUserId(ctx),
        requestedAt: now,
        decidedAt: now,
        decisionNote: 'An undo runs without approval.',
        undoOf: row.id,
        before: row.before,
      })
      .returning({ id: remediationRequest.id });
    await writeAudit(tx, ctx, 'remediation.undo', { type: 'remediation', id: row.id }, { action: row.action, entity: row.entity, undoId: created!.id });
    return created!.id;
  });
  await queue?.send(undoId);
  return getRemediationView(ctx, undoId);
}
