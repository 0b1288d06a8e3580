import { and, asc, eq, gte, lt, notExists, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { activity, detectionProcessed } from '../../db/schema/index.ts';

/**
 * Activity stored between 8 days and 10 minutes before `now` that detection has not processed:
 * what a collection pass left behind when it crashed between storing and queueing. The 10 minutes
 * leave queued jobs time to run; 8 days covers the collection backfill. `now` is the database's
 * clock by default, since `ingested_at` is stamped by the database.
 */
export async function undetectedActivity(db: Db, now?: Date, limit = 20_000): Promise<string[]> {
  const at = now ?? (await databaseNow(db));
  const rows = await db
    .select({ id: activity.id })
    .from(activity)
    .where(
      and(
        gte(activity.ingestedAt, new Date(at.getTime() - 8 * 86_400_000)),
        lt(activity.ingestedAt, new Date(at.getTime() - 10 * 60_000)),
        notExists(
          db
            .select({ one: sql`1` })
            .from(detectionProcessed)
            .where(eq(detectionProcessed.activityId, activity.id)),
        ),
      ),
    )
    .orderBy(asc(activity.ingestedAt))
    .limit(limit);
  return rows.map((r) => r.id);
}

async function databaseNow(db: Db): Promise<Date> {
  const result = (await db.execute(sql`select now() as now`)) as unknown as { rows: { now: Date | string }[] };
  return new Date(result.rows[0]!.now);
}
