import { eq } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.ts';
import { type ActivitySource, collectorCheckpoint } from '../../db/schema/index.ts';

export type Checkpoint = typeof collectorCheckpoint.$inferSelect;

/** Every source's checkpoint for one tenant. */
export async function readCheckpoints(db: DbOrTx, tenantId: string): Promise<Checkpoint[]> {
  return db.select().from(collectorCheckpoint).where(eq(collectorCheckpoint.tenantId, tenantId));
}

/** Writes the given fields of a tenant's checkpoint for one source, creating it if needed. */
export async function writeCheckpoint(
  db: DbOrTx,
  tenantId: string,
  source: ActivitySource,
  fields: Partial<Omit<Checkpoint, 'tenantId' | 'source'>>,
): Promise<void> {
  await db
    .insert(collectorCheckpoint)
    .values({ tenantId, source, ...fields })
    .onConflictDoUpdate({ target: [collectorCheckpoint.tenantId, collectorCheckpoint.source], set: fields });
}

/**
 * How long to leave a failing source alone: what the service asked for when throttled, longer
 * for problems a person must fix, and exponential for the rest. After five failures in a row the
 * circuit opens for half an hour, so a broken tenant costs little and delays no other.
 */
export function retryDelaySeconds(kind: 'throttled' | 'auth' | 'permission' | 'transient' | 'gone', failures: number, retryAfter?: number): number {
  const HALF_HOUR = 1800;
  if (kind === 'throttled') return Math.min(HALF_HOUR, Math.max(1, retryAfter ?? 60));
  if (kind === 'auth' || kind === 'permission') return HALF_HOUR;
  if (failures >= 5) return HALF_HOUR;
  return Math.min(HALF_HOUR, 30 * 2 ** Math.max(0, failures - 1));
}
