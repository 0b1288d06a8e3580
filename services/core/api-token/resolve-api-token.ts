import { and, eq, gt, isNull, lt, or } from 'drizzle-orm';
import type { Db } from '../../../db/client.ts';
import { apiToken, appUser, USER_ROLES } from '../../../db/schema/index.ts';
import { sha256 } from '../../crypto.ts';
import { TOKEN_PREFIX } from './create-api-token.ts';

// last_used_at is a hint for the tokens page; writing it on every request would cost a write per call.
const TOUCH_AFTER_MS = 60_000;

/** The MSP, user and role behind a bearer token, or null when it is unknown, revoked or expired. */
export async function resolveApiToken(db: Db, token: string) {
  if (!token.startsWith(TOKEN_PREFIX)) return null;
  const now = new Date();
  const [row] = await db
    .select({
      id: apiToken.id,
      mspId: apiToken.mspId,
      userId: apiToken.userId,
      role: apiToken.role,
      lastUsedAt: apiToken.lastUsedAt,
      userStatus: appUser.status,
      userRole: appUser.role,
    })
    .from(apiToken)
    .innerJoin(appUser, eq(appUser.id, apiToken.userId))
    .where(and(eq(apiToken.tokenHash, sha256(token)), isNull(apiToken.revokedAt), or(isNull(apiToken.expiresAt), gt(apiToken.expiresAt, now))))
    .limit(1);
  if (!row || row.userStatus !== 'active') return null;
  if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() > TOUCH_AFTER_MS) {
    await db
      .update(apiToken)
      .set({ lastUsedAt: now })
      .where(and(eq(apiToken.id, row.id), or(isNull(apiToken.lastUsedAt), lt(apiToken.lastUsedAt, new Date(now.getTime() - TOUCH_AFTER_MS)))));
  }
  // A token never acts above its user's current role: demoting a user demotes their tokens.
  const role = USER_ROLES.indexOf(row.userRole) < USER_ROLES.indexOf(row.role) ? row.userRole : row.role;
  return { id: row.id, mspId: row.mspId, userId: row.userId, role };
}
