/**
 * Reset password: a strong temporary password, changed at the next sign-in. The password goes
 * back to whoever asked, once; it is never part of the answer stored in the history, nor logged.
 */
import { randomInt } from 'node:crypto';
import { done, explainAdminRefusal, findUser, userKeyOf } from './lib.ts';
import type { RemediationAction } from './types.ts';

// Look-alike characters left out so the password can be read aloud over the phone.
const LOWER = 'abcdefghijkmnpqrstuvwxyz';
const UPPER = 'ABCDEFGHJKLMNPQRSTUVWXYZ';
const DIGITS = '23456789';
const SYMBOLS = '!#$%*+-=?@';

/** 20 characters from a CSPRNG, every class present: well inside Entra's complexity policy. */
export function temporaryPassword(length = 20): string {
  const all = LOWER + UPPER + DIGITS + SYMBOLS;
  const pick = (set: string): string => set[randomInt(set.length)] ?? '';
  const chars = [pick(LOWER), pick(UPPER), pick(DIGITS), pick(SYMBOLS)];
  while (chars.length < length) chars.push(pick(all));
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j] ?? '', chars[i] ?? ''];
  }
  return chars.join('');
}

export const resetPassword: RemediationAction = {
  name: 'reset-password',
  title: 'Reset password',
  description:
    "Sets a strong temporary password that the user must change at the next sign-in; Entra also ends the user's sessions. The password is shown once, to you.",
  entityKinds: ['user', 'mailbox'],
  permission: { resource: 'graph', permission: 'User.ReadWrite.All', alsoAccepted: ['User-PasswordProfile.ReadWrite.All'] },
  restrictsAccess: true,
  async snapshot(ctx, target) {
    const user = await findUser(ctx, userKeyOf(target));
    return { userId: user.id, userPrincipalName: user.userPrincipalName };
  },
  async run(ctx, target) {
    const user = await findUser(ctx, userKeyOf(target));
    const password = temporaryPassword();
    const answer = await ctx.graph.patch(`/users/${user.id}`, { passwordProfile: { password, forceChangePasswordNextSignIn: true } });
    if (!answer.ok) throw await explainAdminRefusal(ctx, user, answer.failure, 'reset the password of');
    return {
      ...done({
        call: `PATCH /users/${user.id}`,
        status: 204,
        userId: user.id,
        userPrincipalName: user.userPrincipalName,
        forceChangePasswordNextSignIn: true,
      }),
      temporaryPassword: password,
    };
  },
};
