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
import type { MicrosoftFailure } from '../../services/microsoft/answer.ts';
import type { GraphClient } from '../../services/microsoft/graph-client.ts';
import { describeFailure } from './failure.ts';
import type { AppSnapshot, ApplicationPermission, DelegatedPermission } from './app-snapshot.ts';
import { highestRisk, ratePermission } from '../../services/microsoft/permissions.ts';
import { recorded, unavailable, type EnrichmentResult, type MissingPart } from './types.ts';

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

export type { AppSnapshot, ApplicationPermission, DelegatedPermission } from './app-snapshot.ts';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type PermissionGrantsBody = {
  value: { clientId: string; consentType: 'AllPrincipals' | 'Principal'; principalId: string | null; resourceId: string; scope?: string | null }[];
};
type AppRoleAssignmentsBody = { value: { appRoleId: string; resourceId: string; resourceDisplayName?: string | null; createdDateTime?: string | null }[] };
type RoleAssignmentsBody = { value: { roleDefinition?: { displayName?: string } | null; roleDefinitionId: string }[] };
/** A resource's service principal (usually Microsoft Graph's), read once, or null when unreadable. */
type ResourceReader = (id: string) => Promise<ServicePrincipalBody | null>;

/**
 * The service principal decides the answer (recorded, deleted, refused); what it was granted
 * (delegated scopes, application permissions, directory roles) is read next and, when refused,
 * listed in `missing`.
 */
export async function enrichApp(graph: GraphClient, key: string, tenant: string): Promise<EnrichmentResult> {
  if (!GUID.test(key)) return unavailable('no-data', 'An app is identified by its application id or object id (a GUID).');
  const found = await findServicePrincipal(graph, key);
  if ('status' in found) return found;
  const { sp } = found;

  const spId = encodeURIComponent(sp.id);
  const [grants, assignments, roles] = await Promise.all([
    graph.get<PermissionGrantsBody>(`/servicePrincipals/${spId}/oauth2PermissionGrants`),
    graph.get<AppRoleAssignmentsBody>(`/servicePrincipals/${spId}/appRoleAssignments`),
    graph.get<RoleAssignmentsBody>(`/roleManagement/directory/roleAssignments?$filter=principalId eq '${sp.id}'&$expand=roleDefinition`),
  ]);

  const missing: MissingPart[] = [];
  const resource = resourceReader(graph);
  const delegated = grants.ok
    ? await delegatedPermissions(grants.body, resource)
    : lacking(missing, 'delegatedPermissions', 'Application.Read.All', grants.failure);
  const application = assignments.ok
    ? await applicationPermissions(assignments.body, resource)
    : lacking(missing, 'applicationPermissions', 'Application.Read.All', assignments.failure);
  const roleNames = roles.ok
    ? [...new Set(roles.body.value.map((r) => r.roleDefinition?.displayName ?? r.roleDefinitionId))].sort()
    : lacking(missing, 'roles', 'RoleManagement.Read.Directory', roles.failure);

  return recorded(
    appSnapshot(
      sp,
      tenant,
      { delegated: delegated ?? { list: [], anyAdminConsent: false, anyUserConsent: false }, application: application ?? [], roleNames },
      missing,
    ),
  );
}

/** The service principal by application id, else by object id; an answer when it cannot be had. */
async function findServicePrincipal(graph: GraphClient, key: string): Promise<{ sp: ServicePrincipalBody } | EnrichmentResult> {
  const byAppId = await graph.get<{ value: ServicePrincipalBody[] }>(`/servicePrincipals?$filter=appId eq '${key}'`);
  if (!byAppId.ok) return describeFailure(byAppId.failure, { permission: 'Application.Read.All' });
  const sp = byAppId.body.value[0];
  if (sp) return { sp };
  const byId = await graph.get<ServicePrincipalBody>(`/servicePrincipals/${key}`);
  if (byId.ok) return { sp: byId.body };
  if (byId.failure.status === 404) return deletedApp(graph, key);
  return describeFailure(byId.failure, { permission: 'Application.Read.All' });
}

/** Notes a part that could not be read (its fields stay empty or null) and why. */
function lacking(missing: MissingPart[], part: string, permission: string, failure: MicrosoftFailure): null {
  const r = describeFailure(failure, { permission });
  missing.push({ part, reason: r.reason, message: r.message });
  return null;
}

/** Each resource (usually just Microsoft Graph) is read once to name its roles and scopes. */
function resourceReader(graph: GraphClient): ResourceReader {
  const resources = new Map<string, Promise<ServicePrincipalBody | null>>();
  return (id) => {
    let pending = resources.get(id);
    if (!pending) {
      pending = graph
        .get<ServicePrincipalBody>(`/servicePrincipals/${encodeURIComponent(id)}?$select=id,appId,displayName,appRoles,oauth2PermissionScopes`)
        .then((r) => (r.ok ? r.body : null));
      resources.set(id, pending);
    }
    return pending;
  };
}

/**
 * Delegated scopes, one per resource and name however many users consented, each described
 * and rated; whether an admin consented for everyone, and whether users consented themselves.
 */
async function delegatedPermissions(
  grants: PermissionGrantsBody,
  resource: ResourceReader,
): Promise<{ list: DelegatedPermission[]; anyAdminConsent: boolean; anyUserConsent: boolean }> {
  const delegated = new Map<string, DelegatedPermission>();
  let anyAdminConsent = false;
  let anyUserConsent = false;
  for (const grant of grants.value) {
    const res = await resource(grant.resourceId);
    const resourceName = res?.displayName ?? grant.resourceId;
    if (grant.consentType === 'AllPrincipals') anyAdminConsent = true;
    else anyUserConsent = true;
    for (const name of (grant.scope ?? '').split(/\s+/).filter(Boolean)) {
      const key = `${resourceName}|${name}`;
      const existing = delegated.get(key);
      if (existing) {
        if (grant.consentType === 'AllPrincipals') existing.consentType = 'AllPrincipals';
        else existing.users += 1;
        continue;
      }
      const scope = res?.oauth2PermissionScopes?.find((s) => s.value === name);
      const rated = ratePermission(name, 'delegated', scope?.adminConsentDescription);
      delegated.set(key, {
        name,
        resource: resourceName,
        description: rated.description,
        risk: rated.risk,
        consentType: grant.consentType,
        users: grant.consentType === 'Principal' ? 1 : 0,
      });
    }
  }
  const list = [...delegated.values()].sort((a, b) => a.resource.localeCompare(b.resource) || a.name.localeCompare(b.name));
  return { list, anyAdminConsent, anyUserConsent };
}

/** Application permissions named through their resource's app roles, each described and rated. */
async function applicationPermissions(assignments: AppRoleAssignmentsBody, resource: ResourceReader): Promise<ApplicationPermission[]> {
  const application: ApplicationPermission[] = [];
  for (const a of assignments.value) {
    const res = await resource(a.resourceId);
    const role = res?.appRoles?.find((r) => r.id === a.appRoleId);
    const name = role?.value ?? a.appRoleId;
    const rated = ratePermission(name, 'application', role?.description);
    application.push({
      name,
      resource: res?.displayName ?? a.resourceDisplayName ?? a.resourceId,
      description: rated.description,
      risk: rated.risk,
      grantedDateTime: a.createdDateTime ?? null,
    });
  }
  return application.sort((a, b) => a.resource.localeCompare(b.resource) || a.name.localeCompare(b.name));
}

function appSnapshot(
  sp: ServicePrincipalBody,
  tenant: string,
  grants: {
    delegated: { list: DelegatedPermission[]; anyAdminConsent: boolean; anyUserConsent: boolean };
    application: ApplicationPermission[];
    roleNames: string[] | null;
  },
  missing: MissingPart[],
): AppSnapshot {
  const { delegated, application } = grants;
  const owner = sp.appOwnerOrganizationId?.toLowerCase() ?? null;
  const isMicrosoft = owner !== null && MICROSOFT_TENANTS.has(owner);
  const verifiedName = sp.verifiedPublisher?.displayName ?? null;
  const granted = application
    .map((a) => a.grantedDateTime)
    .filter((d): d is string => d !== null)
    .sort();
  return {
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
    roles: grants.roleNames,
    permissions: [...new Set([...delegated.list.map((d) => d.name), ...application.map((a) => a.name)])].sort(),
    consentType: delegated.anyAdminConsent || application.length > 0 ? 'AllPrincipals' : delegated.anyUserConsent ? 'Principal' : null,
    delegatedPermissions: delegated.list,
    applicationPermissions: application,
    highestRisk: highestRisk([...delegated.list, ...application].map((x) => x.risk)),
    missing,
  };
}

/** Not in the tenant: look in the recycle bin (by object id or by application id) to say when it went. */
async function deletedApp(graph: GraphClient, key: string): Promise<EnrichmentResult> {
  const byId = await graph.get<{ deletedDateTime?: string | null; displayName?: string }>(`/directory/deletedItems/${key}`);
  let deletedAt = byId.ok ? (byId.body.deletedDateTime ?? null) : null;
  if (!deletedAt) {
    const byAppId = await graph.get<{ value: { deletedDateTime?: string | null }[] }>(
      `/directory/deletedItems/microsoft.graph.servicePrincipal?$filter=appId eq '${key}'`,
    );
    deletedAt = byAppId.ok ? (byAppId.body.value[0]?.deletedDateTime ?? null) : null;
  }
  if (deletedAt) return unavailable('entity-deleted', `The app was removed from the tenant on ${deletedAt.replace('T', ' ').replace(/(\.\d+)?Z$/, ' UTC')}.`);
  return unavailable('entity-deleted', 'The app is no longer in the tenant (removed, or its consent was never completed).');
}
