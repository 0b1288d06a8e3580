import { and, asc, eq, isNull, notExists, sql } from 'drizzle-orm';
import type { Db, DbOrTx } from '../../../db/client.ts';
import { appUser, msp, pendingSignIn, session, setupToken, type SetupTokenKind } from '../../../db/schema/index.ts';
import { randomToken, sha256 } from '../../crypto.ts';
import { ConflictError, NotFoundError, ValidationError } from '../../errors.ts';
import { writeAudit } from '../audit/write-audit.ts';
import { ensureDefaultTriggers } from '../../notify/defaults.ts';
import { checkPasswordPolicy, hashPassword } from './passwords.ts';

export const FIRST_OWNER_LINK_HOURS = 24;
export const INVITE_LINK_HOURS = 7 * 24;
export const PASSWORD_RESET_LINK_HOURS = 24;

const INVALID_LINK = 'This link is not valid: check that it was copied whole, or ask an admin of your MSP for a new one.';

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

/** Stops every unused link of a user: only the newest link works, and none once they are disabled. */
export async function revokeUserLinks(tx: DbOrTx, userId: string): Promise<void> {
  await tx
    .update(setupToken)
    .set({ revokedAt: new Date() })
    .where(and(eq(setupToken.userId, userId), isNull(setupToken.usedAt), isNull(setupToken.revokedAt)));
}

/**
 * Issues a one-time link for a user: an invitation to choose their first password, or a password
 * reset. Any earlier unused link of theirs stops working.
 */
export async function createUserLink(tx: DbOrTx, kind: 'invite' | 'password_reset', mspId: string, userId: string): Promise<string> {
  await revokeUserLinks(tx, userId);
  const token = randomToken();
  await tx.insert(setupToken).values({
    tokenHash: sha256(token),
    kind,
    mspId,
    userId,
    expiresAt: new Date(Date.now() + (kind === 'invite' ? INVITE_LINK_HOURS : PASSWORD_RESET_LINK_HOURS) * 3_600_000),
  });
  return token;
}

/** Issues a one-time link for an invited user to choose their password. */
export const createInviteLink = (tx: DbOrTx, mspId: string, userId: string) => createUserLink(tx, 'invite', mspId, userId);

/** `valid` links can be used; the others say why not, so the page can tell the person. */
export const SETUP_LINK_STATES = ['valid', 'used', 'revoked', 'expired'] as const;
export type SetupLinkState = (typeof SETUP_LINK_STATES)[number];

export type SetupLinkInfo = {
  kind: SetupTokenKind;
  state: SetupLinkState;
  /** Only for a valid invitation or reset: whose account, at which MSP. */
  email?: string;
  mspName?: string;
};

type LinkRow = { kind: SetupTokenKind; usedAt: Date | null; revokedAt: Date | null; expiresAt: Date; userStatus: string | null; ownerExists: boolean };

/**
 * Whether a link can still be used. An invitation whose user is set up counts as used (and one
 * whose user was disabled as revoked), whichever link they used; a first-owner link is used once
 * any owner exists.
 */
function linkState(row: LinkRow): SetupLinkState {
  if (row.usedAt) return 'used';
  if (row.revokedAt) return 'revoked';
  if (row.kind === 'first_owner' && row.ownerExists) return 'used';
  if (row.kind === 'invite' && row.userStatus === 'active') return 'used';
  if (row.kind !== 'first_owner' && row.userStatus !== (row.kind === 'invite' ? 'invited' : 'active')) return 'revoked';
  if (row.expiresAt <= new Date()) return 'expired';
  return 'valid';
}

const LINK_PROBLEMS: Record<Exclude<SetupLinkState, 'valid'>, string> = {
  used: 'This link was already used: sign in with your email and password. If you forgot it, ask an admin of your MSP for a password reset link.',
  revoked: 'This link was replaced by a newer one, or the account was disabled. Use the newest link you were sent, or ask an admin for a new one.',
  expired: 'This link has expired. Ask an admin of your MSP for a new one.',
};

async function readLink(db: DbOrTx, token: string, lock: boolean) {
  const query = db
    .select({
      id: setupToken.id,
      kind: setupToken.kind,
      mspId: setupToken.mspId,
      userId: setupToken.userId,
      usedAt: setupToken.usedAt,
      revokedAt: setupToken.revokedAt,
      expiresAt: setupToken.expiresAt,
      email: appUser.email,
      userStatus: appUser.status,
      mspName: msp.name,
      ownerExists: sql<boolean>`exists (select 1 from ${appUser} where ${appUser.role} = 'owner')`,
    })
    .from(setupToken)
    .leftJoin(appUser, eq(appUser.id, setupToken.userId))
    .leftJoin(msp, eq(msp.id, setupToken.mspId))
    .where(eq(setupToken.tokenHash, sha256(token)))
    .limit(1);
  const [row] = lock ? await query.for('update', { of: setupToken }) : await query;
  return row;
}

/** What the setup page needs to show for a link: its kind and whether it can be used. NotFoundError when unknown. */
export async function describeSetupLink(db: Db, token: string): Promise<SetupLinkInfo> {
  const row = await readLink(db, token, false);
  if (!row) throw new NotFoundError(INVALID_LINK);
  const state = linkState(row);
  if (state !== 'valid' || row.kind === 'first_owner') return { kind: row.kind, state };
  return { kind: row.kind, state, email: row.email ?? '', mspName: row.mspName ?? '' };
}

export type RedeemInput = {
  password: string;
  name: string;
  /** first_owner only: the owner's email and the MSP's name. */
  email?: string | undefined;
  mspName?: string | undefined;
};

/**
 * Uses a setup link once: creates the MSP and its owner, activates an invited user, or sets a
 * new password after a reset (ending the user's sessions).
 * Returns the user, ready for a session.
 */
export async function redeemSetupLink(db: Db, token: string, input: RedeemInput, meta: { ip?: string; requestId?: string } = {}) {
  checkPasswordPolicy(input.password);
  const passwordHash = await hashPassword(input.password);
  return db.transaction(async (tx) => {
    const link = await readLink(tx, token, true);
    if (!link) throw new NotFoundError(INVALID_LINK);
    const state = linkState(link);
    if (state !== 'valid') throw new ConflictError(LINK_PROBLEMS[state]);
    await tx.update(setupToken).set({ usedAt: new Date() }).where(eq(setupToken.id, link.id));

    if (link.kind === 'first_owner') {
      const email = input.email?.trim().toLowerCase();
      const mspName = input.mspName?.trim();
      if (!email) throw new ValidationError('Enter the email address you will sign in with.', [{ path: 'email', message: 'required' }]);
      if (!mspName) throw new ValidationError("Enter your company's name.", [{ path: 'mspName', message: 'required' }]);
      const [existingOwner] = await tx.select({ id: appUser.id }).from(appUser).where(eq(appUser.role, 'owner')).limit(1);
      if (existingOwner) throw new ConflictError(LINK_PROBLEMS.used);
      // The demo creates an MSP before anyone signs up; the first owner takes it over (with the
      // demo tenant in it) under their company's name. Otherwise the MSP is new.
      const [unclaimed] = await tx
        .select({ id: msp.id })
        .from(msp)
        .where(
          notExists(
            tx
              .select({ one: sql`1` })
              .from(appUser)
              .where(eq(appUser.mspId, msp.id)),
          ),
        )
        .orderBy(asc(msp.createdAt))
        .limit(1);
      const [newMsp] = unclaimed
        ? await tx.update(msp).set({ name: mspName }).where(eq(msp.id, unclaimed.id)).returning()
        : await tx.insert(msp).values({ name: mspName }).returning();
      const [user] = await tx
        .insert(appUser)
        .values({ mspId: newMsp!.id, email, name: input.name.trim(), role: 'owner', status: 'active', passwordHash })
        .returning();
      await ensureDefaultTriggers(tx, newMsp!.id);
      await writeAudit(tx, { msp: newMsp!.id, actor: { type: 'user', id: user!.id, role: 'owner' }, ...meta }, 'setup.first_owner', {
        type: 'user',
        id: user!.id,
      });
      return user!;
    }

    if (link.kind === 'password_reset') {
      const [user] = await tx
        .update(appUser)
        .set({ passwordHash })
        .where(and(eq(appUser.id, link.userId!), eq(appUser.status, 'active')))
        .returning();
      if (!user) throw new ConflictError(LINK_PROBLEMS.revoked);
      // Whoever held a session or a half-finished sign-in with the old password is out.
      await tx.delete(session).where(eq(session.userId, user.id));
      await tx.delete(pendingSignIn).where(eq(pendingSignIn.userId, user.id));
      await revokeUserLinks(tx, user.id);
      await writeAudit(tx, { msp: user.mspId, actor: { type: 'user', id: user.id, role: user.role }, ...meta }, 'auth.password_reset', {
        type: 'user',
        id: user.id,
      });
      return user;
    }

    const [user] = await tx
      .update(appUser)
      .set({ passwordHash, status: 'active', name: input.name.trim() || sql`${appUser.name}` })
      .where(and(eq(appUser.id, link.userId!), eq(appUser.status, 'invited')))
      .returning();
    if (!user) throw new ConflictError(LINK_PROBLEMS.used);
    await revokeUserLinks(tx, user.id);
    await writeAudit(tx, { msp: user.mspId, actor: { type: 'user', id: user.id, role: user.role }, ...meta }, 'setup.invite_accepted', {
      type: 'user',
      id: user.id,
    });
    return user;
  });
}
