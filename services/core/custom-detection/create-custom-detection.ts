import { customDetection } from '../../../db/schema/index.ts';
import { writeAudit } from '../audit/write-audit.ts';
import { authorize } from '../authz.ts';
import type { Ctx } from '../context.ts';
import { getTenant } from '../tenant/get-tenant.ts';
import { createCustomDetectionInput, parseCustomExpression, type CreateCustomDetectionInput } from './custom-detection-input.ts';
import { toCustomDetectionView } from './custom-detection-view.ts';

/** The user an actor stands for: a token acts for the user who made it; the system for nobody. */
export function actorUserId(ctx: Ctx): string | null {
  return ctx.actor.type === 'user' ? ctx.actor.id : ctx.actor.type === 'token' ? ctx.actor.userId : null;
}

/**
 * Adds a custom detection for one tenant (`tenantId`) or every tenant of the MSP (null). It runs
 * over activity stored from now on, beside the built-in detections.
 * @example await createCustomDetection({ ctx, input: { title: 'Locked out', severity: 'medium', expression: "Event.EventType = 'LoginAttempt' AND Event.OperationResult = 'LockedOut'" } })
 */
export async function createCustomDetection({ ctx, input }: { ctx: Ctx; input: CreateCustomDetectionInput }) {
  authorize(ctx, 'custom-detection.write');
  const data = createCustomDetectionInput.parse(input);
  parseCustomExpression(data.expression);
  if (data.tenantId !== null) await getTenant({ ctx, id: data.tenantId });
  return ctx.db.transaction(async (tx) => {
    const [row] = await tx
      .insert(customDetection)
      .values({ ...data, mspId: ctx.msp, createdBy: actorUserId(ctx) })
      .returning();
    await writeAudit(
      tx,
      ctx,
      'custom-detection.create',
      { type: 'custom_detection', id: row!.id },
      { title: data.title, tenantId: data.tenantId, expression: data.expression },
    );
    return toCustomDetectionView(row!);
  });
}
