import { and, asc, eq, gt, isNull, notExists, sql } from 'drizzle-orm';
import type { Db, DbOrTx } from '../../../db/client.ts';
import { appUser, msp, setupToken } from '../../../db/schema/index.ts';
import { randomToken, sha256 } from '../../crypto.ts';
import { ConflictError, NotFoundError, ValidationError } from '../../errors.ts';
import { writeAudit } from '../audit/write-audit.ts';
import { checkPasswordPolicy, hashPassword } from './passwords.ts';

export const FIRST_OWNER_LINK_HOURS = 24;
export const INVITE_LINK_HOURS = 7 * 24;

const INVALID_LINK = 'This setup link is not valid: it was already used or has expired. Ask an admin for a new one.';

/** Path of the setup page for a token; prefix with the public URL for a full link. */
export const setupPath = (token: string) => `/setup/${token}`;

/**
 * On a fresh install (no owner yet) issues a one-time link that creates the MSP and its first
 * owner. Earlier unused first-owner links stop working, so only the latest printed link is live.
 * Returns null once an owner exists.
 */
export async function createFirstOwnerLink(db: Db): Promise<string | null> {
  return db.transaction(async (tx) => {
    const [owner] = await tx.select({ id: appUser.id }).from(appUser).where(eq(appUser.role, 'owner')).limit(1);
    if (owner) return null;
    await tx.delete(setupToken).where(and(eq(setupToken.kind, 'first_owner'), isNull(setupToken.usedAt)));
    const token = randomToken();
    await tx.insert(setupToken).values({
      tokenHash: sha256(token),
      kind: 'first_owner',
      expiresAt: new Date(Date.now() + FIRST_OWNER_LINK_HOURS * 3_600_000),
    });
    return token;
  });
}

/** Issues a one-time link for an invited user to choose their password. */
export async function createInviteLink(tx: DbOrTx, mspId: string, userId: string): Promise<string> {
  const token = randomToken();
  await tx.insert(setupToken).values({
    tokenHash: sha256(token),
    kind: 'invite',
    mspId,
    userId,
    expiresAt: new Date(Date.now() + INVITE_LINK_HOURS * 3_600_000),
  });
  return token;
}

export type SetupLinkInfo =
  | { kind: 'first_owner' }
  | { kind: 'invite'; email: string; mspName: string };

/** What the setup page needs to show for a link; NotFoundError when it is not usable. */
export async function describeSetupLink(db: Db, token: string): Promise<SetupLinkInfo> {
  const [row] = await db
    .select({ kind: setupToken.kind, email: appUser.email, mspName: msp.name })
    .from(setupToken)
    .leftJoin(appUser, eq(appUser.id, setupToken.userId))
    .leftJoin(msp, eq(msp.id, setupToken.mspId))
    .where(and(eq(setupToken.tokenHash, sha256(token)), isNull(setupToken.usedAt), gt(setupToken.expiresAt, new Date())))
    .limit(1);
  if (!row) throw new NotFoundError(INVALID_LINK);
  if (row.kind === 'first_owner') return { kind: 'first_owner' };
  return { kind: 'invite', email: row.email ?? '', mspName: row.mspName ?? '' };
}

export type RedeemInput = {
  password: string;
  name: string;
  /** first_owner only: the owner's email and the MSP's name. */
  email?: string | undefined;
  mspName?: string | undefined;
};

/**
 * Uses a setup link once: creates the MSP and its owner, or activates an invited user.
 * Returns the user, ready for a session.
 */
export async function redeemSetupLink(db: Db, token: string, input: RedeemInput, meta: { ip?: string; requestId?: string } = {}) {
  checkPasswordPolicy(input.password);
  const passwordHash = await hashPassword(input.password);
  return db.transaction(async (tx) => {
    const [link] = await tx
      .select()
      .from(setupToken)
      .where(and(eq(setupToken.tokenHash, sha256(token)), isNull(setupToken.usedAt), gt(setupToken.expiresAt, new Date())))
      .for('update')
      .limit(1);
    if (!link) throw new NotFoundError(INVALID_LINK);
    await tx.update(setupToken).set({ usedAt: new Date() }).where(eq(setupToken.id, link.id));

    if (link.kind === 'first_owner') {
      const email = input.email?.trim().toLowerCase();
      const mspName = input.mspName?.trim();
      if (!email) throw new ValidationError('Enter the email address you will sign in with.', [{ path: 'email', message: 'required' }]);
      if (!mspName) throw new ValidationError("Enter your company's name.", [{ path: 'mspName', message: 'required' }]);
      const [existingOwner] = await tx.select({ id: appUser.id }).from(appUser).where(eq(appUser.role, 'owner')).limit(1);
      if (existingOwner) throw new NotFoundError(INVALID_LINK);
      // The demo creates an MSP before anyone signs up; the first owner takes it over (with the
      // demo tenant in it) under their company's name. Otherwise the MSP is new.
      const [unclaimed] = await tx
        .select({ id: msp.id })
        .from(msp)
        .where(notExists(tx.select({ one: sql`1` }).from(appUser).where(eq(appUser.mspId, msp.id))))
        .orderBy(asc(msp.createdAt))
        .limit(1);
      const [newMsp] = unclaimed
        ? await tx.update(msp).set({ name: mspName }).where(eq(msp.id, unclaimed.id)).returning()
        : await tx.insert(msp).values({ name: mspName }).returning();
      const [user] = await tx
        .insert(appUser)
        .values({ mspId: newMsp!.id, email, name: input.name.trim(), role: 'owner', status: 'active', passwordHash })
        .returning();
      await writeAudit(tx, { msp: newMsp!.id, actor: { type: 'user', id: user!.id, role: 'owner' }, ...meta }, 'setup.first_owner', {
        type: 'user',
        id: user!.id,
      });
      return user!;
    }

    const [user] = await tx
      .update(appUser)
      .set({ passwordHash, status: 'active', name: input.name.trim() || sql`${appUser.name}` })
      .where(and(eq(appUser.id, link.userId!), eq(appUser.status, 'invited')))
      .returning();
    if (!user) throw new ConflictError('This account is already set up or was disabled.');
    await writeAudit(tx, { msp: user.mspId, actor: { type: 'user', id: user.id, role: user.role }, ...meta }, 'setup.invite_accepted', {
      type: 'user',
      id: user.id,
    });
    return user;
  });
}
