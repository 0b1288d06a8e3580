/** Block sign-in: the user's account is disabled in Entra (`accountEnabled: false`); undo enables it again. */
import { done, explainAdminRefusal, findUser, userKeyOf } from './lib.ts';
import type { ActionContext, ActionTarget, JsonObject, RemediationAction } from './types.ts';

async function setEnabled(ctx: ActionContext, target: ActionTarget, enabled: boolean, what: string) {
  const user = await findUser(ctx, userKeyOf(target));
  if (user.accountEnabled === enabled) return done({ userId: user.id, userPrincipalName: user.userPrincipalName, accountEnabled: enabled }, true);
  const answer = await ctx.graph.patch(`/users/${user.id}`, { accountEnabled: enabled });
  if (!answer.ok) throw await explainAdminRefusal(ctx, user, answer.failure, what);
  return done({ call: `PATCH /users/${user.id}`, status: 204, userId: user.id, userPrincipalName: user.userPrincipalName, accountEnabled: enabled });
}

export const blockSignIn: RemediationAction = {
  name: 'block-sign-in',
  title: 'Block sign-in',
  description:
    'Disables the account in Microsoft Entra ID: the user cannot sign in until it is unblocked (existing sessions end when their tokens expire; revoke sessions to end them now).',
  entityKinds: ['user', 'mailbox'],
  permission: { resource: 'graph', permission: 'User.ReadWrite.All', alsoAccepted: ['Directory.ReadWrite.All'] },
  restrictsAccess: true,
  async snapshot(ctx, target) {
    const user = await findUser(ctx, userKeyOf(target));
    return { userId: user.id, userPrincipalName: user.userPrincipalName, accountEnabled: user.accountEnabled !== false };
  },
  run: (ctx, target) => setEnabled(ctx, target, false, 'block sign-in for'),
  async undo(ctx, target, before: JsonObject) {
    // Only an account that was enabled before is enabled again.
    if (before.accountEnabled === false) return done({ accountEnabled: false, note: 'The account was already blocked before; it stays blocked.' }, true);
    return setEnabled(ctx, target, true, 'unblock sign-in for');
  },
};
