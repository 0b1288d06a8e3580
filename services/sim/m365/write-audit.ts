/**
 * The audit trail Microsoft leaves when an app changes a tenant: a Graph directoryAudit
 * (initiatedBy.app) and, for directory, Exchange and SharePoint changes, a unified audit log
 * record published like any other. A collector reading the tenant after a remediation sees
 * "Disable account", "Update user" or "Remove-InboxRule" done by the app, as it would in
 * Microsoft 365.
 *
 * Not documented by Microsoft and chosen here (kept in one place so they are easy to revisit):
 * an app-initiated unified audit record names the app as `UserId` `ServicePrincipal_{object id}`
 * with `UserKey` the app id and `UserType` 5 (Application); Exchange records carry the app id in
 * `AppId` and `ClientAppId`.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { toGraphTime, toUalTime } from './clock.ts';
import type { AuditRecord, DirectoryAudit } from './records.ts';
import type { SimState, SimTenant } from './state.ts';

/** Who made the change: the app behind the access token, in one tenant. */
export interface WriteActor {
  appId: string;
  displayName: string;
  servicePrincipalId: string;
}

export interface DirectoryChange {
  /** As the audit log writes it, with the trailing period: `Disable account.` */
  operation: string;
  category: 'UserManagement' | 'ApplicationManagement' | 'RoleManagement';
  operationType: 'Update' | 'Delete' | 'Add' | 'Unassign';
  target: { id: string; displayName: string | null; type: 'User' | 'ServicePrincipal' | 'Other'; userPrincipalName?: string | null };
  modifiedProperties?: { name: string; oldValue: unknown; newValue: unknown }[];
  loggedByService?: string;
}

/** The actor of a request's token in its tenant (the app's service principal there). */
export function writeActor(state: SimState, tenant: SimTenant, appId: string): WriteActor {
  const consent = tenant.consents.get(appId.toLowerCase());
  const servicePrincipalId = consent ? state.servicePrincipalId(tenant, consent) : appId;
  const sp = tenant.directory.servicePrincipals.find((s) => s.id === servicePrincipalId);
  return { appId, displayName: sp?.displayName ?? state.apps.get(appId.toLowerCase())?.displayName ?? appId, servicePrincipalId };
}

const json = (value: unknown): string => (value === undefined ? '' : JSON.stringify(value === null ? [] : [value]));

/** Records one or more directory changes in both feeds (Graph directoryAudits and Audit.AzureActiveDirectory). */
export function recordDirectoryChanges(state: SimState, tenant: SimTenant, actor: WriteActor, changes: DirectoryChange[]): void {
  const now = state.now();
  const correlationId = randomUUID();
  const graph: DirectoryAudit[] = [];
  const audit: AuditRecord[] = [];
  for (const change of changes) {
    const modified = (change.modifiedProperties ?? []).map((m) => ({ name: m.name, oldValue: json(m.oldValue), newValue: json(m.newValue) }));
    graph.push({
      id: `Directory_${correlationId}_${randomBytes(3).toString('hex').toUpperCase()}_${String(100000000 + Math.floor(Math.random() * 899999999))}`,
      category: change.category,
      correlationId,
      result: 'success',
      resultReason: '',
      activityDisplayName: change.operation.replace(/\.$/, ''),
      activityDateTime: toGraphTime(now),
      loggedByService: change.loggedByService ?? 'Core Directory',
      operationType: change.operationType,
      initiatedBy: {
        user: null,
        app: { appId: actor.appId, displayName: actor.displayName, servicePrincipalId: actor.servicePrincipalId, servicePrincipalName: null },
      },
      targetResources: [
        {
          id: change.target.id,
          displayName: change.target.displayName,
          type: change.target.type,
          userPrincipalName: change.target.userPrincipalName ?? null,
          groupType: null,
          modifiedProperties: modified.map((m) => ({ displayName: m.name, oldValue: m.oldValue, newValue: m.newValue })),
        },
      ],
      additionalDetails: [],
    } as DirectoryAudit);
    if (change.loggedByService && change.loggedByService !== 'Core Directory') continue;
    audit.push({
      CreationTime: toUalTime(now),
      Id: randomUUID(),
      Operation: change.operation,
      OrganizationId: tenant.id,
      RecordType: 8,
      ResultStatus: 'Success',
      UserKey: actor.appId,
      UserType: 5,
      Version: 1,
      Workload: 'AzureActiveDirectory',
      ClientIP: null,
      ObjectId: change.target.userPrincipalName ?? change.target.displayName ?? change.target.id,
      UserId: `ServicePrincipal_${actor.servicePrincipalId}`,
      AzureActiveDirectoryEventType: 1,
      ExtendedProperties: [
        { Name: 'additionalDetails', Value: '{}' },
        { Name: 'extendedAuditEventCategory', Value: change.target.type },
      ],
      ModifiedProperties: modified.map((m) => ({ Name: m.name, NewValue: m.newValue, OldValue: m.oldValue })),
      Actor: [
        { ID: actor.displayName, Type: 1 },
        { ID: `ServicePrincipal_${actor.servicePrincipalId}`, Type: 2 },
        { ID: actor.servicePrincipalId, Type: 2 },
        { ID: 'ServicePrincipal', Type: 2 },
      ],
      ActorContextId: tenant.id,
      InterSystemsId: correlationId,
      IntraSystemId: randomUUID(),
      SupportTicketId: '',
      Target: [
        { ID: `${change.target.type}_${change.target.id}`, Type: 2 },
        { ID: change.target.id, Type: 2 },
        { ID: change.target.type, Type: 2 },
        ...(change.target.userPrincipalName
          ? [{ ID: change.target.userPrincipalName, Type: 5 }]
          : change.target.displayName
            ? [{ ID: change.target.displayName, Type: 1 }]
            : []),
      ],
      TargetContextId: tenant.id,
    } as AuditRecord);
  }
  state.addGraphRecords(tenant, { directoryAudits: graph });
  if (audit.length > 0)
    state.ingestAudit(
      tenant,
      audit.map((record) => ({ record })),
      {},
    );
}

/** An Exchange cmdlet run by the app through the admin API (RecordType 1). */
export function recordCmdlet(
  state: SimState,
  tenant: SimTenant,
  actor: WriteActor,
  cmdlet: string,
  parameters: Record<string, unknown>,
  objectId: string,
): void {
  const now = state.now();
  const record = {
    CreationTime: toUalTime(now),
    Id: randomUUID(),
    Operation: cmdlet,
    OrganizationId: tenant.id,
    RecordType: 1,
    ResultStatus: 'True',
    UserKey: actor.appId,
    UserType: 5,
    Version: 1,
    Workload: 'Exchange',
    ObjectId: objectId,
    UserId: `ServicePrincipal_${actor.servicePrincipalId}`,
    AppId: actor.appId,
    ClientAppId: actor.appId,
    ExternalAccess: false,
    OrganizationName: tenant.initialDomain,
    OriginatingServer: 'CH0PR13MB5104 (15.20.7472.021)',
    Parameters: Object.entries(parameters)
      .filter(([name]) => name !== 'Confirm')
      .map(([Name, value]) => ({ Name, Value: value === null ? '' : typeof value === 'string' ? value : JSON.stringify(value) })),
    RequestId: randomUUID(),
    SessionId: randomUUID(),
  } as AuditRecord;
  state.ingestAudit(tenant, [{ record }], {});
}

/** A sharing permission removed from a SharePoint or OneDrive item (RecordType 14). */
export function recordSharingRemoval(
  state: SimState,
  tenant: SimTenant,
  actor: WriteActor,
  spec: { anonymous: boolean; siteUrl: string; libraryPath: string; itemPath: string; itemName: string; folder: boolean },
): void {
  const now = state.now();
  const relative = `${spec.libraryPath}/${spec.itemPath}`.replace(/\/+$/, '');
  const parent = spec.folder ? relative : relative.split('/').slice(0, -1).join('/');
  const record = {
    CreationTime: toUalTime(now),
    Id: randomUUID(),
    Operation: spec.anonymous ? 'AnonymousLinkRemoved' : 'SharingRevoked',
    OrganizationId: tenant.id,
    RecordType: 14,
    UserKey: actor.appId,
    UserType: 5,
    Version: 1,
    Workload: 'SharePoint',
    ClientIP: '',
    ObjectId: `${spec.siteUrl}/${relative}`,
    UserId: `ServicePrincipal_${actor.servicePrincipalId}`,
    CorrelationId: randomUUID(),
    EventSource: 'SharePoint',
    ItemType: spec.folder ? 'Folder' : 'File',
    ListId: randomUUID(),
    ListItemUniqueId: randomUUID(),
    Site: randomUUID(),
    UserAgent: '',
    WebId: randomUUID(),
    SourceFileExtension: spec.folder ? '' : (spec.itemName.split('.').pop() ?? ''),
    SiteUrl: `${spec.siteUrl}/`,
    SourceFileName: spec.itemName,
    SourceRelativeUrl: parent,
    ApplicationId: actor.appId,
  } as AuditRecord;
  state.ingestAudit(tenant, [{ record }], {});
}

/**
 * A Teams app uninstalled from a team (RecordType 25, MicrosoftTeams, operation `AppUninstalled`,
 * published in Audit.General). The Teams schema's team and add-on fields; the app as initiator.
 */
export function recordTeamsAppRemoval(
  state: SimState,
  tenant: SimTenant,
  actor: WriteActor,
  spec: { teamId: string; teamName: string; teamsAppId: string; appName: string; azureAdAppId: string | null },
): void {
  const record = {
    CreationTime: toUalTime(state.now()),
    Id: randomUUID(),
    Operation: 'AppUninstalled',
    OrganizationId: tenant.id,
    RecordType: 25,
    UserKey: actor.appId,
    UserType: 5,
    Version: 1,
    Workload: 'MicrosoftTeams',
    ObjectId: spec.teamName,
    UserId: `ServicePrincipal_${actor.servicePrincipalId}`,
    CommunicationType: 'Team',
    TeamName: spec.teamName,
    TeamGuid: spec.teamId,
    AddOnGuid: spec.teamsAppId,
    AddOnName: spec.appName,
    AddOnType: 1,
    AzureADAppId: spec.azureAdAppId ?? '',
    AppAccessContext: { ClientAppId: actor.appId },
  } as AuditRecord;
  state.ingestAudit(tenant, [{ record }], {});
}
