/** Revoke sessions: every refresh token and session cookie of the user stops working (`revokeSignInSessions`). */
import { done, findUser, must, userKeyOf } from './lib.ts';
import type { RemediationAction } from './types.ts';

export const revokeSessions: RemediationAction = {
  name: 'revoke-sessions',
  title: 'Revoke sessions',
  description:
    'Signs the user out everywhere: refresh tokens and browser sessions stop working, so every app must sign in again (within about an hour for access tokens already issued).',
  entityKinds: ['user', 'mailbox'],
  permission: { resource: 'graph', permission: 'User.RevokeSessions.All', alsoAccepted: ['User.ReadWrite.All', 'Directory.ReadWrite.All'] },
  restrictsAccess: true,
  async snapshot(ctx, target) {
    const user = await findUser(ctx, userKeyOf(target));
    return { userId: user.id, userPrincipalName: user.userPrincipalName };
  },
  async run(ctx, target) {
    const user = await findUser(ctx, userKeyOf(target));
    // Revoking twice is harmless: a retried job simply revokes again.
    const answer = must(await ctx.graph.post<{ value?: boolean }>(`/users/${user.id}/revokeSignInSessions`, {}), {
      notFound: `The user ${user.userPrincipalName} no longer exists in the tenant.`,
    });
    return done({
      call: `POST /users/${user.id}/revokeSignInSessions`,
      value: answer?.value ?? true,
      userId: user.id,
      userPrincipalName: user.userPrincipalName,
    });
  },
};
