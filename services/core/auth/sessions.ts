import { and, eq, gt, lt } from 'drizzle-orm';
import type { Db } from '../../../db/client.ts';
import { appUser, msp, session } from '../../../db/schema/index.ts';
import { randomToken, sha256 } from '../../crypto.ts';

export type SessionInfo = {
  user: { id: string; email: string; name: string; role: typeof appUser.$inferSelect.role };
  msp: { id: string; name: string };
  csrfToken: string;
  expiresAt: Date;
};

/** Starts a session; the returned token goes in the cookie and is never stored in clear. */
export async function createSession(
  db: Db,
  userId: string,
  mspId: string,
  meta: { hours: number; ip?: string | undefined; userAgent?: string | undefined },
): Promise<{ token: string; csrfToken: string; expiresAt: Date }> {
  const token = randomToken();
  const csrfToken = randomToken();
  const expiresAt = new Date(Date.now() + meta.hours * 3_600_000);
  await db.insert(session).values({
    tokenHash: sha256(token),
    userId,
    mspId,
    csrfToken,
    expiresAt,
    ip: meta.ip ?? null,
    userAgent: meta.userAgent?.slice(0, 512) ?? null,
  });
  return { token, csrfToken, expiresAt };
}

/** The live session for a cookie token, or null (unknown, expired, or the user was disabled). */
export async function resolveSession(db: Db, token: string): Promise<SessionInfo | null> {
  const [row] = await db
    .select({
      userId: appUser.id,
      email: appUser.email,
      name: appUser.name,
      role: appUser.role,
      status: appUser.status,
      mspId: msp.id,
      mspName: msp.name,
      csrfToken: session.csrfToken,
      expiresAt: session.expiresAt,
    })
    .from(session)
    .innerJoin(appUser, eq(appUser.id, session.userId))
    .innerJoin(msp, eq(msp.id, session.mspId))
    .where(and(eq(session.tokenHash, sha256(token)), gt(session.expiresAt, new Date())))
    .limit(1);
  if (!row || row.status !== 'active') return null;
  return {
    user: { id: row.userId, email: row.email, name: row.name, role: row.role },
    msp: { id: row.mspId, name: row.mspName },
    csrfToken: row.csrfToken,
    expiresAt: row.expiresAt,
  };
}

export async function deleteSession(db: Db, token: string): Promise<void> {
  await db.delete(session).where(eq(session.tokenHash, sha256(token)));
}

/** Housekeeping job: drops expired sessions. Returns how many. */
export async function purgeExpiredSessions(db: Db, now = new Date()): Promise<number> {
  const rows = await db.delete(session).where(lt(session.expiresAt, now)).returning({ t: session.tokenHash });
  return rows.length;
}
