import { and, eq, isNotNull } from 'drizzle-orm';
import { z } from 'zod';
import { remediationRequest } from '../../../db/schema/index.ts';
import { ForbiddenError, NotFoundError } from '../../errors.ts';
import { writeAudit } from '../audit/write-audit.ts';
import { authorize } from '../authz.ts';
import type { Ctx } from '../context.ts';
import { actorUserId } from './request-remediation.ts';

/**
 * The temporary password a reset set, for the person who requested the reset, once: it is
 * deleted as it is read. Audited without the password.
 */
export async function revealTemporaryPassword({ ctx, id }: { ctx: Ctx; id: string }): Promise<{ temporaryPassword: string }> {
  authorize(ctx, 'remediation.request');
  if (!z.uuid().safeParse(id).success) throw new NotFoundError('Action not found.');
  const [row] = await ctx.db
    .select({ requestedBy: remediationRequest.requestedBy, secretEnc: remediationRequest.secretEnc })
    .from(remediationRequest)
    .where(and(eq(remediationRequest.id, id), eq(remediationRequest.mspId, ctx.msp)))
    .limit(1);
  if (!row) throw new NotFoundError('Action not found.');
  if (row.requestedBy !== actorUserId(ctx)) throw new ForbiddenError('Only the person who requested the reset sees the temporary password.');
  return ctx.db.transaction(async (tx) => {
    const [taken] = await tx
      .update(remediationRequest)
      .set({ secretEnc: null })
      .where(and(eq(remediationRequest.id, id), isNotNull(remediationRequest.secretEnc)))
      .returning({ id: remediationRequest.id, secretEnc: remediationRequest.secretEnc });
    // `returning` gives the new value; the sealed one was read above under the same condition.
    if (!taken || !row.secretEnc) throw new NotFoundError('The temporary password was shown already (it is shown once), or this action set none.');
    await writeAudit(tx, ctx, 'remediation.password_shown', { type: 'remediation', id });
    return { temporaryPassword: ctx.secrets.open(row.secretEnc) };
  });
}
