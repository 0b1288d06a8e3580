import { inArray, lt, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { activity, activityQuarantine } from '../../db/schema/index.ts';

const BATCH = 5_000;

/**
 * Deletes raw activity (and quarantined records) kept longer than the retention period, in
 * batches so a large purge never holds long locks. Age counts from when Tenantwatch received a
 * record, not from when it happened: an export imported today for an investigation of last
 * year's activity stays its full retention. Returns how many activity rows went.
 */
export async function purgeOldActivity(db: Db, retentionDays: number, now = new Date()): Promise<number> {
  const cutoff = new Date(now.getTime() - retentionDays * 86_400_000);
  let total = 0;
  for (;;) {
    const old = db.select({ id: activity.id }).from(activity).where(lt(activity.ingestedAt, cutoff)).limit(BATCH);
    const deleted = await db.delete(activity).where(inArray(activity.id, old)).returning({ id: activity.id });
    total += deleted.length;
    if (deleted.length < BATCH) break;
  }
  await db.delete(activityQuarantine).where(lt(activityQuarantine.createdAt, sql`${cutoff}`));
  return total;
}
