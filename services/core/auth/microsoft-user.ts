import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Db } from '../../../db/client.ts';
import { appUser } from '../../../db/schema/index.ts';
import { UnauthenticatedError } from '../../errors.ts';
import { writeAudit } from '../audit/write-audit.ts';
import type { MicrosoftIdentity } from './microsoft-login.ts';

/**
 * Which Tenantwatch user a Microsoft account signs in as. Tenantwatch never creates a user here:
 * an owner or admin invites them first.
 *
 * 1. A user already linked to this account (its tenant id and object id, which never change
 *    and are never reused) is that user.
 * 2. Otherwise, on first use, the active user whose email equals the account's sign-in name
 *    (`preferred_username`, the UPN) is linked to it. Entra ID only lets a tenant give UPNs in
 *    domains it has verified, so the match means "the organisation that owns this email domain
 *    vouches for this person". The `email` claim is not used: Entra does not guarantee it is
 *    verified. The risk that remains: an administrator of the tenant owning the domain can
 *    create or rename an account to match any Tenantwatch user with an address in that domain
 *    and sign in as them once, before the real person links theirs. Accounts already linked are
 *    not affected; owners can see the link in the audit log (`auth.microsoft_linked`).
 *    Emails are unique per MSP only: when active, unlinked accounts at several MSPs share the
 *    address, none is linked (the person signs in with their password, which picks the account).
 * 3. Anyone else is refused, with no hint whether the email exists.
 */
export async function resolveMicrosoftUser(db: Db, identity: MicrosoftIdentity, meta: { ip?: string; requestId?: string } = {}) {
  const refused = new UnauthenticatedError(
    `No Tenantwatch account matches the Microsoft account${identity.username ? ` ${identity.username}` : ''}. Ask your MSP's owner or an admin to invite you with that address, or sign in with your email and password.`,
  );
  const [linked] = await db
    .select()
    .from(appUser)
    .where(and(eq(appUser.msTenantId, identity.tenantId), eq(appUser.msObjectId, identity.objectId)))
    .limit(1);
  if (linked) {
    if (linked.status !== 'active') throw refused;
    return linked;
  }
  if (!identity.username) throw refused;
  const username = identity.username;
  return db.transaction(async (tx) => {
    const candidates = await tx
      .select({ id: appUser.id })
      .from(appUser)
      .where(and(eq(sql`lower(${appUser.email})`, username), eq(appUser.status, 'active'), isNull(appUser.msObjectId)))
      .for('update')
      .limit(2);
    if (candidates.length === 0) throw refused;
    // One Microsoft account links to one Tenantwatch account, and nothing here says which MSP
    // the person means: they sign in with their password, which picks the account.
    if (candidates.length > 1) {
      throw new UnauthenticatedError(
        `The address ${username} has accounts at several MSPs, so Microsoft sign-in cannot tell which one you mean. Sign in with your email and password instead.`,
      );
    }
    const [user] = await tx
      .update(appUser)
      .set({ msTenantId: identity.tenantId, msObjectId: identity.objectId })
      .where(and(eq(appUser.id, candidates[0]!.id), isNull(appUser.msObjectId)))
      .returning();
    if (!user) throw refused;
    await writeAudit(
      tx,
      { msp: user.mspId, actor: { type: 'user', id: user.id, role: user.role }, ...meta },
      'auth.microsoft_linked',
      { type: 'user', id: user.id },
      { tenantId: identity.tenantId, objectId: identity.objectId, username: identity.username },
    );
    return user;
  });
}
