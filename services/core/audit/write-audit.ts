import { auditLog } from '../../../db/schema/index.ts';
import type { DbOrTx } from '../../../db/client.ts';
import type { Ctx } from '../context.ts';

/** Records who did what; call it inside the transaction that makes the change. */
export async function writeAudit(
  tx: DbOrTx,
  ctx: Pick<Ctx, 'msp' | 'actor' | 'requestId' | 'ip'>,
  action: string,
  target: { type: string; id: string } | null,
  details?: Record<string, unknown>,
): Promise<void> {
  await tx.insert(auditLog).values({
    mspId: ctx.msp,
    actorType: ctx.actor.type,
    actorId: ctx.actor.type === 'system' ? null : ctx.actor.id,
    action,
    targetType: target?.type ?? null,
    targetId: target?.id ?? null,
    details: details ?? null,
    ip: ctx.ip ?? null,
    requestId: ctx.requestId ?? null,
  });
}
