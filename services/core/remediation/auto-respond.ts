/**
 * Automated responses: a trigger's "Run remediation" action. The outbox sender hands each of its
 * delivery rows here; the action is requested as Tenantwatch itself (no person asked), under the
 * tenant's approval policy, so it either runs at once or waits in the Approvals queue.
 */
import { and, asc, desc, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../../db/client.ts';
import { ENTITY_KINDS, eventEntity, type delivery } from '../../../db/schema/index.ts';
import type { SecretBox } from '../../crypto.ts';
import { AppError, ConflictError } from '../../errors.ts';
import type { DeliveryOutcome } from '../../notify/channels/types.ts';
import { ACTION_NAMES, ACTIONS } from '../../remediation/actions/index.ts';
import type { Ctx } from '../context.ts';
import type { RemediationQueue } from './queue.ts';
import { requestRemediation } from './request-remediation.ts';

/** The action's settings in the trigger editor: which action, and on which of the event's entities. */
export const remediationActionSettings = z.object({
  action: z.enum(ACTION_NAMES, 'choose a remediation action'),
  /** Null: the event's primary entity the action applies to. A kind: the event's (primary first) entity of that kind. */
  entityKind: z.enum(ENTITY_KINDS).nullable().default(null),
});
export type RemediationActionSettings = z.output<typeof remediationActionSettings>;

type Row = Pick<typeof delivery.$inferSelect, 'mspId' | 'eventId' | 'triggerId' | 'idempotencyKey' | 'payload' | 'isTest'>;

/**
 * The responder the sender calls for `remediation` rows. A retried row asks again with the same
 * idempotency key, and requestRemediation answers with the request the first attempt made.
 */
export function createAutoResponder(deps: { db: Db; secrets: SecretBox; queue?: RemediationQueue }) {
  return async (row: Row): Promise<DeliveryOutcome> => {
    const payload = row.payload as { settings?: unknown; triggerName?: string };
    const parsed = remediationActionSettings.safeParse(payload.settings);
    if (!parsed.success) return { ok: false, retryable: false, error: `the remediation action's settings are not valid: ${parsed.error.issues[0]?.message}` };
    const settings = parsed.data;
    // A "Send test" from the editor must not lock anyone out: it only says what would run.
    if (row.isTest)
      return { ok: true, detail: `test: ${ACTIONS[settings.action].title} would be requested for the event's ${settings.entityKind ?? 'primary entity'}` };
    if (!row.eventId) return { ok: false, retryable: false, error: 'remediation runs on security events of a tenant; this event has none' };
    const ctx: Ctx = { msp: row.mspId, actor: { type: 'system', role: 'owner' }, db: deps.db, secrets: deps.secrets };
    try {
      const entity = settings.entityKind ? await entityOfKind(deps.db, row.eventId, settings.entityKind, settings.action) : undefined;
      const view = await requestRemediation({
        ctx,
        eventId: row.eventId,
        input: { action: settings.action, ...(entity ? { entity } : {}) },
        ...(deps.queue ? { queue: deps.queue } : {}),
        origin: { trigger: { id: row.triggerId, name: payload.triggerName ?? null } },
        idempotencyKey: row.idempotencyKey,
      });
      return { ok: true, detail: `${ACTIONS[settings.action].title}: action ${view.id} (${view.status.replace('_', ' ')})` };
    } catch (err) {
      // The same target already has a request in progress (a person or another trigger asked): nothing more to do.
      if (err instanceof ConflictError) return { ok: true, detail: err.message };
      if (err instanceof AppError) return { ok: false, retryable: err.status >= 429, error: err.message };
      return { ok: false, retryable: true, error: err instanceof Error ? err.message : String(err) };
    }
  };
}

async function entityOfKind(db: Db, eventId: string, kind: (typeof ENTITY_KINDS)[number], action: string) {
  const [row] = await db
    .select({ kind: eventEntity.kind, key: eventEntity.key })
    .from(eventEntity)
    .where(and(eq(eventEntity.eventId, eventId), eq(eventEntity.kind, kind), sql`${action} = any(${eventEntity.remediations})`))
    .orderBy(desc(eventEntity.isPrimary), asc(eventEntity.key))
    .limit(1);
  // None of that kind offers the action: requestRemediation says so in plain words.
  return row ?? { kind, key: '-' };
}
