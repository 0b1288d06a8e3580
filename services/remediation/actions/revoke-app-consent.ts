/**
 * Revoke app consent: the app's delegated permission grants (user and admin consent) and its
 * application permission assignments are deleted, so its tokens carry no access to the tenant's
 * data. Not undoable from here: consent is given again by an administrator.
 */
import { asJson, done, findServicePrincipal, must, requirePermission } from './lib.ts';
import type { ActionContext, RemediationAction } from './types.ts';

interface Grant {
  id: string;
  consentType?: string;
  principalId?: string | null;
  scope?: string;
}

interface Assignment {
  id: string;
  appRoleId?: string;
  resourceDisplayName?: string;
}

async function consentOf(ctx: ActionContext, spId: string) {
  const grants = must(await ctx.graph.get<{ value: Grant[] }>(`/servicePrincipals/${spId}/oauth2PermissionGrants`)).value;
  const assignments = must(await ctx.graph.get<{ value: Assignment[] }>(`/servicePrincipals/${spId}/appRoleAssignments`)).value;
  return { grants, assignments };
}

export const revokeAppConsent: RemediationAction = {
  name: 'revoke-app-consent',
  title: 'Revoke app consent',
  description:
    "Removes every permission users or administrators granted the app (delegated grants and application permissions): it can no longer read the tenant's data.",
  entityKinds: ['app'],
  permission: { resource: 'graph', permission: 'DelegatedPermissionGrant.ReadWrite.All', alsoAccepted: ['Directory.ReadWrite.All'] },
  restrictsAccess: true,
  async snapshot(ctx, target) {
    const sp = await findServicePrincipal(ctx, target.key);
    const { grants, assignments } = await consentOf(ctx, sp.id);
    return { servicePrincipalId: sp.id, appId: sp.appId, displayName: sp.displayName, grants: asJson(grants), appRoleAssignments: asJson(assignments) };
  },
  async run(ctx, target) {
    const sp = await findServicePrincipal(ctx, target.key);
    const { grants, assignments } = await consentOf(ctx, sp.id);
    if (grants.length === 0 && assignments.length === 0)
      return done({ servicePrincipalId: sp.id, appId: sp.appId, grantsRemoved: [], appRoleAssignmentsRemoved: [] }, true);
    if (assignments.length > 0)
      await requirePermission(
        ctx,
        { resource: 'graph', permission: 'AppRoleAssignment.ReadWrite.All', alsoAccepted: ['Directory.ReadWrite.All'] },
        "Removing the app's application permissions",
      );
    const grantsRemoved: string[] = [];
    for (const grant of grants) {
      const answer = await ctx.graph.delete(`/oauth2PermissionGrants/${encodeURIComponent(grant.id)}`);
      if (!answer.ok && answer.failure.status !== 404) must(answer);
      grantsRemoved.push(grant.scope ?? grant.id);
    }
    const appRoleAssignmentsRemoved: string[] = [];
    for (const assignment of assignments) {
      const answer = await ctx.graph.delete(`/servicePrincipals/${sp.id}/appRoleAssignments/${encodeURIComponent(assignment.id)}`);
      if (!answer.ok && answer.failure.status !== 404) must(answer);
      appRoleAssignmentsRemoved.push(assignment.appRoleId ?? assignment.id);
    }
    return done({ servicePrincipalId: sp.id, appId: sp.appId, displayName: sp.displayName, grantsRemoved, appRoleAssignmentsRemoved });
  },
};
