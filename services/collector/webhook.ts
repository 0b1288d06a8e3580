import { eq, isNull } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { collectorCheckpoint, tenant } from '../../db/schema/index.ts';
import { safeEqual, type SecretBox } from '../crypto.ts';
import { CONTENT_TYPES, type ContentType } from './management-api/client.ts';
import { webhookAuthId } from './onboarding-check.ts';

/** Which tenant a Webhook-AuthID belongs to, or null when it is not one Tenantwatch issued. */
export function tenantForAuthId(secrets: SecretBox, authId: string | undefined): string | null {
  if (!authId) return null;
  const tenantId = authId.split('.')[0] ?? '';
  if (!/^[0-9a-f-]{36}$/.test(tenantId)) return null;
  return safeEqual(authId, webhookAuthId(secrets, tenantId)) ? tenantId : null;
}

/** How the webhook receiver asks for a collection pass at once (pg-boss in Node; absent on Workers). */
export interface CollectionQueue {
  send(tenantId: string): Promise<void>;
}

/**
 * A Management Activity API notification: new content exists for these content types. The
 * tenant's sources are marked due now; the receiver then queues a collection pass at once where
 * it has the queue (`CollectionQueue`), and otherwise the next scheduler tick (within a minute)
 * collects them. Polling stays the safety net for notifications that never come. Sources backing
 * off (throttled, failing) keep their backoff. Returns how many content types were marked.
 */
export async function acceptNotification(db: Db, tenantId: string, notifications: unknown[]): Promise<number> {
  const [row] = await db.select({ id: tenant.id, tenantGuid: tenant.tenantGuid }).from(tenant).where(eq(tenant.id, tenantId)).limit(1);
  if (!row) return 0;
  const types = new Set<ContentType>();
  for (const n of notifications) {
    if (n === null || typeof n !== 'object') continue;
    const { tenantId: guid, contentType } = n as { tenantId?: unknown; contentType?: unknown };
    if (typeof guid === 'string' && guid.toLowerCase() !== row.tenantGuid) continue;
    if ((CONTENT_TYPES as readonly unknown[]).includes(contentType)) types.add(contentType as ContentType);
  }
  const now = new Date();
  for (const source of types) {
    await db
      .insert(collectorCheckpoint)
      .values({ tenantId: row.id, source, nextAttemptAt: now })
      .onConflictDoUpdate({
        target: [collectorCheckpoint.tenantId, collectorCheckpoint.source],
        set: { nextAttemptAt: now },
        where: isNull(collectorCheckpoint.nextAttemptAt),
      });
  }
  return types.size;
}
