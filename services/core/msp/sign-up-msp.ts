import { and, count, eq, gt, isNull, lt } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../../db/client.ts';
import { appUser, msp, mspSignupLink, signupAttempt } from '../../../db/schema/index.ts';
import type { SignupMode } from '../../config.ts';
import { randomToken, sha256, type SecretBox } from '../../crypto.ts';
import { ConflictError, ForbiddenError, NotFoundError, RateLimitedError } from '../../errors.ts';
import { ensureDefaultTriggers } from '../../notify/defaults.ts';
import { writeAudit } from '../audit/write-audit.ts';
import { checkPasswordPolicy, PASSWORD_MAX, PASSWORD_MIN } from '../auth/passwords.ts';
import { redeemSetupLink } from '../auth/setup-tokens.ts';
import type { Ctx } from '../context.ts';
import { inviteUser } from '../user/invite-user.ts';

/**
 * A new MSP on the installation: its company name and its owner, created together. Besides the
 * first owner's setup, MSPs come only from here: through the operator's one-time link (`invite`
 * and `open`) or the public sign-up page (`open` only), as TW_SIGNUP allows.
 */

export const MSP_SIGNUP_LINK_DAYS = 7;
/** Open sign-up attempts one client address may make per window. */
export const OPEN_SIGNUPS_PER_ADDRESS = 5;
export const OPEN_SIGNUP_WINDOW_MINUTES = 60;

const INVALID_LINK = 'This sign-up link is not valid: it was already used or has expired. Ask for a new one.';
const CLOSED = 'Sign-up of new MSPs is closed on this installation.';
const NOT_OPEN = 'Sign-up on this installation is by invitation only: ask its operator for a sign-up link.';
const NOT_SET_UP = 'This installation is not set up yet: its operator first creates the owner account with the setup link.';

/** Path of the sign-up page; with a token, the page of a one-time link. */
export const signupPath = (token?: string) => (token ? `/signup/${token}` : '/signup');

export const signUpMspInput = z.object({
  mspName: z.string().trim().min(1, "enter your company's name").max(200),
  name: z.string().trim().min(1, 'enter your name').max(200),
  email: z.email({ message: 'expected an email address' }).max(320),
  password: z.string().min(PASSWORD_MIN, `use at least ${PASSWORD_MIN} characters`).max(PASSWORD_MAX),
});
export type SignUpMspInput = z.input<typeof signUpMspInput>;

export type SignupDeps = { db: Db; secrets: SecretBox; mode: SignupMode };
type Meta = { ip?: string | undefined; requestId?: string | undefined };

/** The operator's one-time link for a new MSP; refused while sign-up is closed. */
export async function createMspSignupLink(deps: Pick<SignupDeps, 'db' | 'mode'>, input: { mspName?: string | undefined } = {}) {
  if (deps.mode === 'closed') throw new ForbiddenError(`${CLOSED} Set TW_SIGNUP=invite to invite MSPs.`);
  await assertSetUp(deps.db);
  const token = randomToken();
  const expiresAt = new Date(Date.now() + MSP_SIGNUP_LINK_DAYS * 86_400_000);
  await deps.db.insert(mspSignupLink).values({ tokenHash: sha256(token), mspName: input.mspName?.trim() || null, expiresAt });
  return { token, expiresAt };
}

/** What the sign-up page shows for a link (the suggested company name); NotFoundError when it is not usable. */
export async function describeMspSignupLink(deps: Pick<SignupDeps, 'db' | 'mode'>, token: string) {
  if (deps.mode === 'closed') throw new NotFoundError(INVALID_LINK);
  const [link] = await deps.db
    .select({ mspName: mspSignupLink.mspName })
    .from(mspSignupLink)
    .where(and(eq(mspSignupLink.tokenHash, sha256(token)), isNull(mspSignupLink.usedAt), gt(mspSignupLink.expiresAt, new Date())))
    .limit(1);
  if (!link) throw new NotFoundError(INVALID_LINK);
  return { mspName: link.mspName };
}

/** Uses an operator's link once: creates the MSP and its owner. Returns the owner, ready for a session. */
export async function signUpMspWithLink(deps: SignupDeps, token: string, input: SignUpMspInput, meta: Meta = {}) {
  if (deps.mode === 'closed') throw new NotFoundError(INVALID_LINK);
  const data = signUpMspInput.parse(input);
  checkPasswordPolicy(data.password);
  return deps.db.transaction(async (tx) => {
    const [link] = await tx
      .select({ id: mspSignupLink.id })
      .from(mspSignupLink)
      .where(and(eq(mspSignupLink.tokenHash, sha256(token)), isNull(mspSignupLink.usedAt), gt(mspSignupLink.expiresAt, new Date())))
      .for('update')
      .limit(1);
    if (!link) throw new NotFoundError(INVALID_LINK);
    const owner = await createMspAndOwner({ ...deps, db: tx }, data, 'invite', meta);
    await tx.update(mspSignupLink).set({ usedAt: new Date(), mspId: owner.mspId }).where(eq(mspSignupLink.id, link.id));
    return owner;
  });
}

/** The public sign-up page (TW_SIGNUP=open): a limited number of attempts per client address. */
export async function signUpMspOpen(deps: SignupDeps, input: SignUpMspInput, meta: Meta = {}) {
  if (deps.mode !== 'open') throw new ForbiddenError(deps.mode === 'closed' ? CLOSED : NOT_OPEN);
  await countAttempt(deps.db, meta.ip ?? 'unknown');
  const data = signUpMspInput.parse(input);
  checkPasswordPolicy(data.password);
  return deps.db.transaction((tx) => createMspAndOwner({ ...deps, db: tx }, data, 'open', meta));
}

/**
 * Every attempt counts, failed ones too (a failure still costs a password hash and can tell
 * whether an email is registered). Recorded in its own statement, so a failed sign-up keeps it.
 */
async function countAttempt(db: Db, ip: string) {
  const since = new Date(Date.now() - OPEN_SIGNUP_WINDOW_MINUTES * 60_000);
  await db.delete(signupAttempt).where(lt(signupAttempt.createdAt, since));
  const [recent] = await db
    .select({ n: count() })
    .from(signupAttempt)
    .where(and(eq(signupAttempt.ip, ip), gt(signupAttempt.createdAt, since)));
  if ((recent?.n ?? 0) >= OPEN_SIGNUPS_PER_ADDRESS) {
    throw new RateLimitedError(`Too many sign-ups from your address: try again in ${OPEN_SIGNUP_WINDOW_MINUTES} minutes.`, OPEN_SIGNUP_WINDOW_MINUTES * 60);
  }
  await db.insert(signupAttempt).values({ ip });
}

/** Sign-up starts once the installation has its first owner, who takes over the demo's MSP. */
async function assertSetUp(db: Db) {
  const [owner] = await db.select({ id: appUser.id }).from(appUser).where(eq(appUser.role, 'owner')).limit(1);
  if (!owner) throw new ConflictError(NOT_SET_UP);
}

/**
 * A brand-new MSP row (never an existing one, so it starts with nothing) and its owner, created
 * and activated through the same verbs as any invited user.
 */
async function createMspAndOwner(deps: SignupDeps, data: z.output<typeof signUpMspInput>, via: 'invite' | 'open', meta: Meta) {
  await assertSetUp(deps.db);
  const [created] = await deps.db.insert(msp).values({ name: data.mspName }).returning({ id: msp.id });
  await ensureDefaultTriggers(deps.db, created!.id);
  const ctx: Ctx = { msp: created!.id, actor: { type: 'system', role: 'owner' }, db: deps.db, secrets: deps.secrets, ...definedMeta(meta) };
  const invited = await inviteUser({ ctx, input: { email: data.email, role: 'owner', name: data.name } });
  const owner = await redeemSetupLink(deps.db, invited.setupToken, { name: data.name, password: data.password }, definedMeta(meta));
  await writeAudit(deps.db, ctx, 'msp.sign_up', { type: 'msp', id: created!.id }, { via, name: data.mspName, owner: owner.email });
  return owner;
}

function definedMeta(meta: Meta): { ip?: string; requestId?: string } {
  return { ...(meta.ip ? { ip: meta.ip } : {}), ...(meta.requestId ? { requestId: meta.requestId } : {}) };
}
