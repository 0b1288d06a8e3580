/** Disable app: the enterprise app's service principal is disabled, so nobody signs in to it and it gets no tokens; undo enables it. */
import { done, findServicePrincipal, must } from './lib.ts';
import type { ActionContext, ActionTarget, RemediationAction } from './types.ts';

async function setEnabled(ctx: ActionContext, target: ActionTarget, enabled: boolean) {
  const sp = await findServicePrincipal(ctx, target.key);
  if (sp.accountEnabled === enabled) return done({ servicePrincipalId: sp.id, appId: sp.appId, displayName: sp.displayName, accountEnabled: enabled }, true);
  must(await ctx.graph.patch(`/servicePrincipals/${sp.id}`, { accountEnabled: enabled }), { notFound: `The app ${target.key} is no longer in the tenant.` });
  return done({
    call: `PATCH /servicePrincipals/${sp.id}`,
    status: 204,
    servicePrincipalId: sp.id,
    appId: sp.appId,
    displayName: sp.displayName,
    accountEnabled: enabled,
  });
}

export const disableApp: RemediationAction = {
  name: 'disable-app',
  title: 'Disable app',
  description: "Disables the enterprise app in the tenant: users cannot sign in to it and the app gets no tokens for the tenant's data.",
  entityKinds: ['app'],
  permission: { resource: 'graph', permission: 'Application.ReadWrite.All' },
  restrictsAccess: true,
  async snapshot(ctx, target) {
    const sp = await findServicePrincipal(ctx, target.key);
    return { servicePrincipalId: sp.id, appId: sp.appId, displayName: sp.displayName, accountEnabled: sp.accountEnabled };
  },
  run: (ctx, target) => setEnabled(ctx, target, false),
  async undo(ctx, target, before) {
    if (before.accountEnabled === false) return done({ note: 'The app was already disabled before; it stays disabled.' }, true);
    return setEnabled(ctx, target, true);
  },
};
