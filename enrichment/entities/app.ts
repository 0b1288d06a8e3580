/**
 * Applications as the tenant sees them: the service principal (enterprise app) by application
 * id or object id, who publishes it and whether Microsoft verified that publisher, and what it
 * was granted: delegated scopes (oauth2PermissionGrants) and application permissions
 * (appRoleAssignments resolved to names through the resource's appRoles), each described and
 * rated (services/microsoft/permissions.ts), plus directory roles held by the app itself.
 *
 * Teams apps (`/appCatalogs/teamsApps`) are not covered yet; an app installed through Teams
 * that signs in to Entra still has a service principal and is enriched here.
 */
import type { GraphClient } from '../../services/microsoft/graph-client.ts';
import { describeFailure } from './failure.ts';
import { highestRisk, ratePermission, type RiskLevel } from '../../services/microsoft/permissions.ts';
import { recorded, unavailable, type EnrichmentResult, type MissingPart, type Snapshot } from './types.ts';

export const APP_SCHEMA_VERSION = 1;

/** Tenants whose apps are Microsoft's own (the Microsoft Services tenant and Microsoft's corporate tenant). */
const MICROSOFT_TENANTS = new Set(['f8cdef31-a31e-4b4a-93e4-5f571e91255a', '72f988bf-86f1-41af-91ab-2d7cd011db47']);

interface ServicePrincipalBody {
  id: string;
  appId: string;
  displayName?: string | null;
  appDescription?: string | null;
  description?: string | null;
  accountEnabled?: boolean | null;
  appOwnerOrganizationId?: string | null;
  publisherName?: string | null;
  verifiedPublisher?: { displayName?: string | null; verifiedPublisherId?: string | null; addedDateTime?: string | null } | null;
  servicePrincipalType?: string | null;
  signInAudience?: string | null;
  homepage?: string | null;
  replyUrls?: string[] | null;
  tags?: string[] | null;
  createdDateTime?: string | null;
  appRoles?: { id: string; value?: string | null; description?: string | null }[];
  oauth2PermissionScopes?: { id: string; value?: string | null; adminConsentDescription?: string | null }[];
}

export interface AppPermission {
  name: string;
  /** The API the permission is for, e.g. Microsoft Graph. */
  resource: string;
  description: string;
  risk: RiskLevel;
  [key: string]: string | number | null;
}

/**
 * Keys the filter language reads (`App.*`): displayName, appId, publisher, verifiedPublisher,
 * isMicrosoft, permissions, consentType.
 */
export interface AppSnapshot extends Snapshot {
  servicePrincipalId: string;
  appId: string;
  displayName: string | null;
  description: string | null;
  /** `enterprise-app`, `microsoft-first-party` or `managed-identity`. */
  type: 'enterprise-app' | 'microsoft-first-party' | 'managed-identity';
  status: 'enabled' | 'disabled';
  publisher: string | null;
  verifiedPublisher: boolean;
  verifiedPublisherName: string | null;
  /** `verified`, `unverified`, or `microsoft` for first-party apps. */
  verification: 'verified' | 'unverified' | 'microsoft';
  isMicrosoft: boolean;
  /** Where the app is registered: this tenant, another organisation, or Microsoft. */
  registeredIn: 'this-tenant' | 'other-organization' | 'microsoft' | 'unknown';
  appOwnerOrganizationId: string | null;
  signInAudience: string | null;
  homepage: string | null;
  replyUrls: string[];
  tags: string[];
  /** Graph v1.0 does not document createdDateTime on service principals; null unless Graph sends it. */
  createdDateTime: string | null;
  /** Earliest application permission grant, when any (appRoleAssignment.createdDateTime). */
  firstGrantedDateTime: string | null;
  roles: string[] | null;
  permissions: string[];
  consentType: 'AllPrincipals' | 'Principal' | null;
  delegatedPermissions: AppPermission[];
  applicationPermissions: AppPermission[];
  highestRisk: RiskLevel | null;
  missing: MissingPart[];
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function enrichApp(graph: GraphClient, key: string, tenant: string): Promise<EnrichmentResult> {
  if (!GUID.test(key)) return unavailable('no-data', 'An app is identified by its application id or object id (a GUID).');
  const byAppId = await graph.get<{ value: ServicePrincipalBody[] }>(`/servicePrincipals?$filter=appId eq '${key}'`);
  if (!byAppId.ok) return describeFailure(byAppId.failure, { permission: 'Application.Read.All' });
  let sp = byAppId.body.value[0];
  if (!sp) {
    const byId = await graph.get<ServicePrincipalBody>(`/servicePrincipals/${key}`);
    if (byId.ok) sp = byId.body;
    else if (byId.failure.status === 404) return deletedApp(graph, key);
    else return describeFailure(byId.failure, { permission: 'Application.Read.All' });
  }
  const missing: MissingPart[] = [];
  const note = (part: string, permission: string, failure: Parameters<typeof describeFailure>[0]): void => {
    const r = describeFailure(failure, { permission });
    missing.push({ part, reason: r.reason, message: r.message });
  };

  const spId = encodeURIComponent(sp.id);
  const [grants, assignments, roles] = await Promise.all([
    graph.get<{ value: { clientId: string; consentType: 'AllPrincipals' | 'Principal'; principalId: string | null; resourceId: string; scope?: string | null }[] }>(`/servicePrincipals/${spId}/oauth2PermissionGrants`),
    graph.get<{ value: { appRoleId: string; resourceId: string; resourceDisplayName?: string | null; createdDateTime?: string | null }[] }>(`/servicePrincipals/${spId}/appRoleAssignments`),
    graph.get<{ value: { roleDefinition?: { displayName?: string } | null; roleDefinitionId: string }[] }>(`/roleManagement/directory/roleAssignments?$filter=principalId eq '${sp.id}'&$expand=roleDefinition`),
  ]);

  // Each resource (usually just Microsoft Graph) is read once to name its roles and scopes.
  const resources = new Map<string, Promise<ServicePrincipalBody | null>>();
  const resource = (id: string): Promise<ServicePrincipalBody | null> => {
    let pending = resources.get(id);
    if (!pending) {
      pending = graph.get<ServicePrincipalBody>(`/servicePrincipals/${encodeURIComponent(id)}?$select=id,appId,displayName,appRoles,oauth2PermissionScopes`).then((r) => (r.ok ? r.body : null));
      resources.set(id, pending);
    }
    return pending;
  };

  const delegated = new Map<string, AppPermission & { consentType: string; users: number }>();
  let anyAdminConsent = false;
  let anyUserConsent = false;
  if (grants.ok) {
    for (const grant of grants.body.value) {
      const res = await resource(grant.resourceId);
      const resourceName = res?.displayName ?? grant.resourceId;
      if (grant.consentType === 'AllPrincipals') anyAdminConsent = true;
      else anyUserConsent = true;
      for (const name of (grant.scope ?? '').split(/\s+/).filter(Boolean)) {
        const key2 = `${resourceName}|${name}`;
        const existing = delegated.get(key2);
        if (existing) {
          if (grant.consentType === 'AllPrincipals') existing.consentType = 'AllPrincipals';
          else existing.users += 1;
          continue;
        }
        const scope = res?.oauth2PermissionScopes?.find((s) => s.value === name);
        const rated = ratePermission(name, 'delegated', scope?.adminConsentDescription);
        delegated.set(key2, { name, resource: resourceName, description: rated.description, risk: rated.risk, consentType: grant.consentType, users: grant.consentType === 'Principal' ? 1 : 0 });
      }
    }
  } else note('delegatedPermissions', 'Application.Read.All', grants.failure);

  const application: (AppPermission & { grantedDateTime: string | null })[] = [];
  if (assignments.ok) {
    for (const a of assignments.body.value) {
      const res = await resource(a.resourceId);
      const role = res?.appRoles?.find((r) => r.id === a.appRoleId);
      const name = role?.value ?? a.appRoleId;
      const rated = ratePermission(name, 'application', role?.description);
      application.push({ name, resource: res?.displayName ?? a.resourceDisplayName ?? a.resourceId, description: rated.description, risk: rated.risk, grantedDateTime: a.createdDateTime ?? null });
    }
  } else note('applicationPermissions', 'Application.Read.All', assignments.failure);

  let roleNames: string[] | null = null;
  if (roles.ok) roleNames = [...new Set(roles.body.value.map((r) => r.roleDefinition?.displayName ?? r.roleDefinitionId))].sort();
  else note('roles', 'RoleManagement.Read.Directory', roles.failure);

  const owner = sp.appOwnerOrganizationId?.toLowerCase() ?? null;
  const isMicrosoft = owner !== null && MICROSOFT_TENANTS.has(owner);
  const verifiedName = sp.verifiedPublisher?.displayName ?? null;
  const delegatedList = [...delegated.values()].sort((a, b) => a.resource.localeCompare(b.resource) || a.name.localeCompare(b.name));
  application.sort((a, b) => a.resource.localeCompare(b.resource) || a.name.localeCompare(b.name));
  const granted = application.map((a) => a.grantedDateTime).filter((d): d is string => d !== null).sort();

  const snapshot: AppSnapshot = {
    schemaVersion: APP_SCHEMA_VERSION,
    servicePrincipalId: sp.id,
    appId: sp.appId,
    displayName: sp.displayName ?? null,
    description: sp.description ?? sp.appDescription ?? null,
    type: sp.servicePrincipalType === 'ManagedIdentity' ? 'managed-identity' : isMicrosoft ? 'microsoft-first-party' : 'enterprise-app',
    status: sp.accountEnabled === false ? 'disabled' : 'enabled',
    publisher: verifiedName ?? sp.publisherName ?? null,
    verifiedPublisher: Boolean(sp.verifiedPublisher?.verifiedPublisherId),
    verifiedPublisherName: verifiedName,
    verification: isMicrosoft ? 'microsoft' : sp.verifiedPublisher?.verifiedPublisherId ? 'verified' : 'unverified',
    isMicrosoft,
    registeredIn: owner === null ? 'unknown' : isMicrosoft ? 'microsoft' : owner === tenant.toLowerCase() ? 'this-tenant' : 'other-organization',
    appOwnerOrganizationId: sp.appOwnerOrganizationId ?? null,
    signInAudience: sp.signInAudience ?? null,
    homepage: sp.homepage ?? null,
    replyUrls: sp.replyUrls ?? [],
    tags: sp.tags ?? [],
    createdDateTime: sp.createdDateTime ?? null,
    firstGrantedDateTime: granted[0] ?? null,
    roles: roleNames,
    permissions: [...new Set([...delegatedList.map((d) => d.name), ...application.map((a) => a.name)])].sort(),
    consentType: anyAdminConsent || application.length > 0 ? 'AllPrincipals' : anyUserConsent ? 'Principal' : null,
    delegatedPermissions: delegatedList,
    applicationPermissions: application,
    highestRisk: highestRisk([...delegatedList, ...application].map((x) => x.risk)),
    missing,
  };
  return recorded(snapshot);
}

/** Not in the tenant: look in the recycle bin (by object id or by application id) to say when it went. */
async function deletedApp(graph: GraphClient, key: string): Promise<EnrichmentResult> {
  const byId = await graph.get<{ deletedDateTime?: string | null; displayName?: string }>(`/directory/deletedItems/${key}`);
  let deletedAt = byId.ok ? (byId.body.deletedDateTime ?? null) : null;
  if (!deletedAt) {
    const byAppId = await graph.get<{ value: { deletedDateTime?: string | null }[] }>(`/directory/deletedItems/microsoft.graph.servicePrincipal?$filter=appId eq '${key}'`);
    deletedAt = byAppId.ok ? (byAppId.body.value[0]?.deletedDateTime ?? null) : null;
  }
  if (deletedAt) return unavailable('entity-deleted', `The app was removed from the tenant on ${deletedAt.replace('T', ' ').replace(/(\.\d+)?Z$/, ' UTC')}.`);
  return unavailable('entity-deleted', 'The app is no longer in the tenant (removed, or its consent was never completed).');
}
