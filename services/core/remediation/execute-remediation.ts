import { and, eq, inArray, lte, sql } from 'drizzle-orm';
import { remediationRequest, tenant } from '../../../db/schema/index.ts';
import type { Db } from '../../../db/client.ts';
import type { SecretBox } from '../../crypto.ts';
import type { Logger } from '../../log.ts';
import type { MicrosoftAccess } from '../../microsoft/graph-client.ts';
import type { TokenProvider } from '../../microsoft/token-provider.ts';
import { RemediationError, type ActionName, type ActionOutcome, type ActionTarget, type JsonObject } from '../../remediation/actions/index.ts';
import { actionContextFor, executeAction, undoAction } from '../../remediation/execute.ts';
import { writeAudit } from '../audit/write-audit.ts';

export type RemediationDeps = {
  db: Db;
  secrets: SecretBox;
  log: Logger;
  access: MicrosoftAccess & { tokens: Pick<TokenProvider, 'getToken' | 'grantedRoles'> };
};

/** Runs of one action before a failure that could pass (throttling, an outage) is recorded as final. */
export const MAX_ATTEMPTS = 4;

const system = (msp: string) => ({ msp, actor: { type: 'system' as const, role: 'owner' as const } });

/**
 * Runs an approved action (the `remediation.execute` job). The row is the state machine:
 * `approved` → `running` → `succeeded` | `failed`; a job retried after a crash finds `running`
 * and runs the action again, which the actions make harmless (already blocked: nothing to do).
 * Any other status (rejected, expired, done) makes the job a no-op. A failure worth retrying is
 * thrown for the queue to retry until MAX_ATTEMPTS; then, or for any other failure, the row says
 * why in plain words.
 */
export async function executeRemediation(deps: RemediationDeps, id: string): Promise<{ status: string }> {
  const [claimed] = await deps.db
    .update(remediationRequest)
    .set({ status: 'running', attempts: sql`${remediationRequest.attempts} + 1` })
    .where(and(eq(remediationRequest.id, id), inArray(remediationRequest.status, ['approved', 'running'])))
    .returning();
  if (!claimed) {
    const [row] = await deps.db.select({ status: remediationRequest.status }).from(remediationRequest).where(eq(remediationRequest.id, id)).limit(1);
    return { status: row?.status ?? 'missing' };
  }
  const [tenantRow] = await deps.db.select().from(tenant).where(eq(tenant.id, claimed.tenantId)).limit(1);
  const name = claimed.action as ActionName;
  const target = claimed.entity as unknown as ActionTarget;
  try {
    if (!tenantRow) throw new RemediationError('The tenant was removed from Tenantwatch.', 'not-found');
    const ctx = actionContextFor(deps.access, tenantRow);
    let before: JsonObject;
    let outcome: ActionOutcome;
    if (claimed.undoOf) {
      before = (claimed.before ?? {}) as JsonObject;
      outcome = await undoAction(ctx, name, target, before);
    } else {
      ({ before, outcome } = await executeAction(ctx, name, target));
    }
    await deps.db.transaction(async (tx) => {
      await tx
        .update(remediationRequest)
        .set({
          status: 'succeeded',
          result: { ...outcome.answer, alreadyDone: outcome.alreadyDone },
          before,
          error: null,
          completedAt: new Date(),
          secretEnc: outcome.temporaryPassword ? deps.secrets.seal(outcome.temporaryPassword) : null,
        })
        .where(eq(remediationRequest.id, id));
      if (claimed.undoOf) await tx.update(remediationRequest).set({ undoneAt: new Date() }).where(eq(remediationRequest.id, claimed.undoOf));
      await writeAudit(
        tx,
        system(claimed.mspId),
        claimed.undoOf ? 'remediation.undone' : 'remediation.succeeded',
        { type: 'remediation', id },
        { action: name, entity: target, alreadyDone: outcome.alreadyDone },
      );
    });
    deps.log.info({ remediation: id, action: name, alreadyDone: outcome.alreadyDone }, 'remediation action succeeded');
    return { status: 'succeeded' };
  } catch (err) {
    const known = err instanceof RemediationError;
    const retryable = !known || err.kind === 'transient' || err.kind === 'throttled';
    const message = known ? err.message : `The action failed unexpectedly: ${(err instanceof Error ? err.message : String(err)).slice(0, 300)}`;
    if (retryable && claimed.attempts < MAX_ATTEMPTS) {
      await deps.db.update(remediationRequest).set({ error: message }).where(eq(remediationRequest.id, id));
      throw err;
    }
    await deps.db.transaction(async (tx) => {
      await tx.update(remediationRequest).set({ status: 'failed', error: message, completedAt: new Date() }).where(eq(remediationRequest.id, id));
      await writeAudit(tx, system(claimed.mspId), 'remediation.failed', { type: 'remediation', id }, { action: name, entity: target, error: message });
    });
    deps.log.warn({ remediation: id, action: name, kind: known ? err.kind : 'unexpected' }, 'remediation action failed');
    return { status: 'failed' };
  }
}

/** Pending approvals nobody decided before their expiry become `expired` (the scheduled sweep). */
export async function expireStaleRemediations(db: Db, now = new Date()): Promise<string[]> {
  return db.transaction(async (tx) => {
    const expired = await tx
      .update(remediationRequest)
      .set({ status: 'expired', decidedAt: now, decisionNote: 'Nobody approved or rejected it in time.' })
      .where(and(eq(remediationRequest.status, 'pending_approval'), lte(remediationRequest.expiresAt, now)))
      .returning({ id: remediationRequest.id, mspId: remediationRequest.mspId, action: remediationRequest.action });
    for (const row of expired) await writeAudit(tx, system(row.mspId), 'remediation.expire', { type: 'remediation', id: row.id }, { action: row.action });
    return expired.map((r) => r.id);
  });
}

/** Approved actions no job picked up within a minute (sent where no queue was at hand, or lost in a crash). */
export async function unqueuedRemediations(db: Db, now = new Date()): Promise<string[]> {
  const rows = await db
    .select({ id: remediationRequest.id })
    .from(remediationRequest)
    .where(and(eq(remediationRequest.status, 'approved'), lte(remediationRequest.decidedAt, new Date(now.getTime() - 60_000))))
    .limit(500);
  return rows.map((r) => r.id);
}
