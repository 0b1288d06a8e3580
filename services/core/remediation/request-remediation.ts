import { and, eq, inArray, sql } from 'drizzle-orm';
import { z } from 'zod';
import { ENTITY_KINDS, eventEntity, remediationRequest } from '../../../db/schema/index.ts';
import { ConflictError, ValidationError } from '../../errors.ts';
import { ACTION_NAMES, ACTIONS } from '../../remediation/actions/index.ts';
import { writeAudit } from '../audit/write-audit.ts';
import { authorize } from '../authz.ts';
import type { Ctx } from '../context.ts';
import { findEvent } from '../event/get-event.ts';
import { effectivePolicy } from './policy.ts';
import type { RemediationQueue } from './queue.ts';
import { getRemediationView } from './remediation-view.ts';
import { notifyApprovers } from './notify-approvers.ts';

/** How long a request waits for an approver before it expires. */
export const APPROVAL_TTL_MS = 24 * 60 * 60 * 1000;

export const requestRemediationInput = z.object({
  action: z.enum(ACTION_NAMES),
  /** The target; omitted, the event's primary entity the action applies to. */
  entity: z.object({ kind: z.enum(ENTITY_KINDS), key: z.string().trim().min(1).max(2000) }).optional(),
});
export type RequestRemediationInput = z.input<typeof requestRemediationInput>;

export const actorUserId = (ctx: Pick<Ctx, 'actor'>): string | null =>
  ctx.actor.type === 'user' ? ctx.actor.id : ctx.actor.type === 'token' ? ctx.actor.userId : null;

/** Requests still in progress for the same target (asking twice would run it twice). */
const ACTIVE = ['pending_approval', 'approved', 'running'] as const;

/**
 * Asks for a remediation action on one of an event's entities. Under the tenant's approval
 * policy it either waits for an approver (`pending_approval`, expiring after a day) or is
 * approved at once and handed to the workers. Audited.
 * @example await requestRemediation({ ctx, eventId, input: { action: 'block-sign-in' }, queue })
 */
export async function requestRemediation({
  ctx,
  eventId,
  input,
  queue,
  origin,
  idempotencyKey,
}: {
  ctx: Ctx;
  eventId: string;
  input: RequestRemediationInput;
  queue?: RemediationQueue;
  origin?: Record<string, unknown>;
  /** A trigger's delivery key: asking again with it returns the request the first call made. */
  idempotencyKey?: string;
}) {
  authorize(ctx, 'remediation.request');
  const data = requestRemediationInput.parse(input);
  const action = ACTIONS[data.action];
  const { event } = await findEvent(ctx, eventId);
  const entities = await ctx.db
    .select({ kind: eventEntity.kind, key: eventEntity.key, remediations: eventEntity.remediations, isPrimary: eventEntity.isPrimary })
    .from(eventEntity)
    .where(eq(eventEntity.eventId, event.id));
  const offering = entities.filter((e) => e.remediations.includes(data.action));
  const entity = data.entity
    ? entities.find((e) => e.kind === data.entity!.kind && e.key.toLowerCase() === data.entity!.key.toLowerCase())
    : (offering.find((e) => e.isPrimary) ?? offering[0]);
  if (!entity) {
    throw new ValidationError(data.entity ? 'That entity is not part of this event.' : `${action.title} does not apply to any entity of this event.`, [
      { path: data.entity ? 'entity' : 'action', message: 'not applicable' },
    ]);
  }
  if (!entity.remediations.includes(data.action)) {
    throw new ValidationError(`${action.title} is not offered for this ${entity.kind.replace('_', ' ')}.`, [
      { path: 'action', message: 'not offered for this entity' },
    ]);
  }
  const target = { kind: entity.kind, key: entity.key };
  const policy = await effectivePolicy(ctx.db, ctx.msp, event.tenantId, data.action);
  const now = new Date();
  const { id, created } = await ctx.db.transaction(async (tx) => {
    // One request at a time per tenant, action and target, also under concurrent clicks.
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`remediation:${event.tenantId}:${data.action}:${target.kind}:${target.key.toLowerCase()}`}))`);
    if (idempotencyKey) {
      const [earlier] = await tx
        .select({ id: remediationRequest.id })
        .from(remediationRequest)
        .where(and(eq(remediationRequest.mspId, ctx.msp), sql`${remediationRequest.origin}->>'idempotencyKey' = ${idempotencyKey}`))
        .limit(1);
      if (earlier) return { id: earlier.id, created: false };
    }
    const [active] = await tx
      .select({ id: remediationRequest.id, status: remediationRequest.status })
      .from(remediationRequest)
      .where(
        and(
          eq(remediationRequest.mspId, ctx.msp),
          eq(remediationRequest.tenantId, event.tenantId),
          eq(remediationRequest.action, data.action),
          sql`${remediationRequest.entity}->>'kind' = ${target.kind}`,
          sql`lower(${remediationRequest.entity}->>'key') = ${target.key.toLowerCase()}`,
          inArray(remediationRequest.status, [...ACTIVE]),
        ),
      )
      .limit(1);
    if (active) throw new ConflictError(`${action.title} is already requested for ${target.key} (${active.status.replace('_', ' ')}): action ${active.id}.`);
    const [row] = await tx
      .insert(remediationRequest)
      .values({
        mspId: ctx.msp,
        tenantId: event.tenantId,
        eventId: event.id,
        action: data.action,
        entity: target,
        status: policy.requireApproval ? 'pending_approval' : 'approved',
        requestedBy: actorUserId(ctx),
        requestedAt: now,
        ...(policy.requireApproval
          ? { expiresAt: new Date(now.getTime() + APPROVAL_TTL_MS) }
          : { decidedAt: now, decisionNote: 'Runs without approval under the policy.' }),
        ...(origin || idempotencyKey ? { origin: { ...origin, ...(idempotencyKey ? { idempotencyKey } : {}) } } : {}),
      })
      .returning({ id: remediationRequest.id });
    await writeAudit(
      tx,
      ctx,
      'remediation.request',
      { type: 'remediation', id: row!.id },
      {
        action: data.action,
        entity: target,
        eventId: event.id,
        tenantId: event.tenantId,
        requiresApproval: policy.requireApproval,
        ...(origin ? { origin } : {}),
      },
    );
    if (policy.requireApproval)
      await notifyApprovers(tx, {
        mspId: ctx.msp,
        tenantId: event.tenantId,
        eventId: event.id,
        requestId: row!.id,
        actionTitle: action.title,
        target,
        eventTitle: event.title,
        requestedBy: actorUserId(ctx),
        triggerName: triggerNameOf(origin),
        expiresAt: new Date(now.getTime() + APPROVAL_TTL_MS),
      });
    return { id: row!.id, created: true };
  });
  if (created && !policy.requireApproval) await queue?.send(id);
  return getRemediationView(ctx, id);
}

function triggerNameOf(origin: Record<string, unknown> | undefined): string | null {
  const t = origin?.trigger as { name?: unknown } | undefined;
  return typeof t?.name === 'string' ? t.name : null;
}
