/**
 * Require MFA re-registration: every authentication method but the password is deleted, so the
 * user must register MFA again at the next sign-in (an attacker's phone or authenticator goes).
 * The default method is deleted last: Entra refuses it while others remain.
 */
import { asJson, done, explainAdminRefusal, failure, findUser, must, userKeyOf } from './lib.ts';
import type { MicrosoftFailure } from '../../microsoft/answer.ts';
import type { ActionContext, RemediationAction } from './types.ts';

/** Graph's method types and the typed collection each is deleted through. */
const COLLECTIONS: Readonly<Record<string, string>> = {
  phoneAuthenticationMethod: 'phoneMethods',
  microsoftAuthenticatorAuthenticationMethod: 'microsoftAuthenticatorMethods',
  softwareOathAuthenticationMethod: 'softwareOathMethods',
  fido2AuthenticationMethod: 'fido2Methods',
  emailAuthenticationMethod: 'emailMethods',
  windowsHelloForBusinessAuthenticationMethod: 'windowsHelloForBusinessMethods',
  temporaryAccessPassAuthenticationMethod: 'temporaryAccessPassMethods',
};

interface Method {
  '@odata.type'?: string;
  id: string;
}

async function methodsOf(ctx: ActionContext, userId: string): Promise<{ id: string; collection: string; type: string }[]> {
  const list = must(await ctx.graph.get<{ value: Method[] }>(`/users/${userId}/authentication/methods`));
  return list.value
    .map((m) => {
      const type = (m['@odata.type'] ?? '').replace('#microsoft.graph.', '');
      return { id: m.id, type, collection: COLLECTIONS[type] ?? '' };
    })
    .filter((m) => m.collection !== '');
}

export const requireMfaReregistration: RemediationAction = {
  name: 'require-mfa-reregistration',
  title: 'Require MFA re-registration',
  description: "Deletes the user's registered MFA methods (phone, authenticator app, security keys, email): the user registers them again at the next sign-in.",
  entityKinds: ['user', 'mailbox'],
  permission: { resource: 'graph', permission: 'UserAuthenticationMethod.ReadWrite.All' },
  restrictsAccess: false,
  async snapshot(ctx, target) {
    const user = await findUser(ctx, userKeyOf(target));
    return { userId: user.id, userPrincipalName: user.userPrincipalName, methods: asJson(await methodsOf(ctx, user.id)) };
  },
  async run(ctx, target) {
    const user = await findUser(ctx, userKeyOf(target));
    let pending = await methodsOf(ctx, user.id);
    if (pending.length === 0) return done({ userId: user.id, userPrincipalName: user.userPrincipalName, deleted: [] }, true);
    const deleted: string[] = [];
    // Each pass deletes what Entra allows; the default method goes through once it is the last.
    while (pending.length > 0) {
      const refused: typeof pending = [];
      let lastRefusal: MicrosoftFailure | undefined;
      for (const method of pending) {
        const answer = await ctx.graph.delete(`/users/${user.id}/authentication/${method.collection}/${encodeURIComponent(method.id)}`);
        if (answer.ok || answer.failure.status === 404) deleted.push(method.type);
        else if (answer.failure.status === 403) throw await explainAdminRefusal(ctx, user, answer.failure, 'delete the MFA methods of');
        else {
          refused.push(method);
          lastRefusal = answer.failure;
        }
      }
      if (refused.length === pending.length && lastRefusal) throw failure(lastRefusal);
      pending = refused;
    }
    return done({ userId: user.id, userPrincipalName: user.userPrincipalName, deleted });
  },
};
