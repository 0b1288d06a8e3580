import { eq, sql } from 'drizzle-orm';
import type { Db } from '../../../db/client.ts';
import { appUser } from '../../../db/schema/index.ts';
import { UnauthenticatedError } from '../../errors.ts';
import { writeAudit } from '../audit/write-audit.ts';
import { verifyPassword } from './passwords.ts';

export type SignInInput = { email: string; password: string };

/**
 * Checks an email and password. The error never says which of the two was wrong, and an
 * unknown email takes as long as a wrong password.
 */
export async function signIn(db: Db, input: SignInInput, meta: { ip?: string; requestId?: string } = {}) {
  const [user] = await db
    .select()
    .from(appUser)
    .where(eq(sql`lower(${appUser.email})`, input.email.trim().toLowerCase()))
    .limit(1);
  const ok = await verifyPassword(user?.passwordHash ?? null, input.password);
  if (!user || !ok || user.status !== 'active') {
    if (user) {
      await writeAudit(db, { msp: user.mspId, actor: { type: 'user', id: user.id, role: user.role }, ...meta }, 'auth.sign_in_failed', {
        type: 'user',
        id: user.id,
      });
    }
    throw new UnauthenticatedError('Email or password is incorrect.');
  }
  await db.transaction(async (tx) => {
    await tx.update(appUser).set({ lastSignInAt: new Date() }).where(eq(appUser.id, user.id));
    await writeAudit(tx, { msp: user.mspId, actor: { type: 'user', id: user.id, role: user.role }, ...meta }, 'auth.sign_in', {
      type: 'user',
      id: user.id,
    });
  });
  return user;
}
