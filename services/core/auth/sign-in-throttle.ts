import { and, eq, inArray, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client.ts';
import { auditLog, signInThrottle } from '../../../db/schema/index.ts';
import { sha256 } from '../../crypto.ts';

/** Failed password sign-ins allowed per email address in the window before it is throttled. */
export const MAX_FAILED_SIGN_INS = 10;
/** Failed sign-ins allowed per client address (all emails together): an office may share one. */
export const MAX_FAILED_SIGN_INS_PER_ADDRESS = 30;
export const FAILED_SIGN_IN_WINDOW_MINUTES = 15;
/** An address a user signed in from within this many days is "familiar" (see signIn). */
export const FAMILIAR_ADDRESS_DAYS = 30;

const WINDOW = sql.raw(`interval '${FAILED_SIGN_IN_WINDOW_MINUTES} minutes'`);

export const emailKey = (email: string) => sha256(`email:${email.trim().toLowerCase()}`);
export const addressKey = (ip: string) => sha256(`ip:${ip}`);

export type Count = { failures: number; retryAfterSeconds: number };

/**
 * Counts one more attempt against each key and answers the new totals. One upsert per key: the
 * row lock of ON CONFLICT DO UPDATE serialises concurrent attempts, so sixty guesses sent at once
 * count sixty, and the eleventh sees eleven. A window older than the limit starts again at one.
 */
export async function countAttempt(db: DbOrTx, key: string): Promise<Count> {
  const result = await db
    .insert(signInThrottle)
    .values({ key, windowStartedAt: sql`now()`, failures: 1 })
    .onConflictDoUpdate({
      target: signInThrottle.key,
      set: {
        failures: sql`case when ${signInThrottle.windowStartedAt} < now() - ${WINDOW} then 1 else ${signInThrottle.failures} + 1 end`,
        windowStartedAt: sql`case when ${signInThrottle.windowStartedAt} < now() - ${WINDOW} then now() else ${signInThrottle.windowStartedAt} end`,
      },
    })
    .returning({
      failures: signInThrottle.failures,
      retryAfterSeconds: sql<number>`greatest(1, ceil(extract(epoch from ${signInThrottle.windowStartedAt} + ${WINDOW} - now())))::int`,
    });
  const row = result[0]!;
  return { failures: row.failures, retryAfterSeconds: Number(row.retryAfterSeconds) };
}

/** A successful sign-in takes its attempt back: only failures fill the window. */
export async function refundAttempt(db: DbOrTx, keys: string[]): Promise<void> {
  if (keys.length === 0) return;
  await db
    .update(signInThrottle)
    .set({ failures: sql`greatest(${signInThrottle.failures} - 1, 0)` })
    .where(inArray(signInThrottle.key, keys));
}

/**
 * True when one of the users signed in successfully from this address recently. Guesses from
 * elsewhere cannot then keep the account's owner out from where they usually work.
 */
export async function isFamiliarAddress(db: DbOrTx, userIds: string[], ip: string | undefined): Promise<boolean> {
  if (!ip || userIds.length === 0) return false;
  const [row] = await db
    .select({ one: sql`1` })
    .from(auditLog)
    .where(
      and(
        inArray(auditLog.actorId, userIds),
        eq(auditLog.action, 'auth.sign_in'),
        eq(auditLog.ip, ip),
        sql`${auditLog.createdAt} > now() - ${sql.raw(`interval '${FAMILIAR_ADDRESS_DAYS} days'`)}`,
      ),
    )
    .limit(1);
  return Boolean(row);
}
