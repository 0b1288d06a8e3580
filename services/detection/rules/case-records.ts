/**
 * Builders for labelled cases: records in the shapes Microsoft sends (protocols.md: the
 * captured New-InboxRule, UserLoggedIn, Set-Mailbox, Add-MailboxPermission, AnonymousLinkCreated
 * records and the Graph v1.0 resources), for fictional tenants (contoso, fabrikam). Only the
 * fields that vary are parameters; the rest is copied from the real records.
 */
import type { CaseRecord } from '../types.ts';

export const CONTOSO_ORG = '7c1aec86-7bc7-44d0-a01c-72c2f196f29b';
let counter = 0;
/** Deterministic GUIDs, distinct per call. */
export function guid(seed?: string): string {
  counter += 1;
  const hex = [...(seed ?? `case-${counter}`)].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7 + counter).toString(16).padStart(8, '0');
  const tail = counter.toString(16).padStart(12, '0');
  return `${hex.slice(0, 8)}-${tail.slice(0, 4)}-4${tail.slice(5, 8)}-8${tail.slice(9, 12)}-${tail}`;
}

/** `2024-05-06T15:00:00` plus minutes, in the audit log's form (UTC, no `Z`). */
export function ualTime(minutes = 0, base = '2024-05-06T15:00:00Z'): string {
  return new Date(Date.parse(base) + minutes * 60_000).toISOString().replace(/\.\d{3}Z$/, '');
}
export function graphTime(minutes = 0, base = '2024-05-06T15:00:00Z'): string {
  return new Date(Date.parse(base) + minutes * 60_000).toISOString().replace(/\.(\d{3})Z$/, '.$1' + '0000Z');
}

/** An Exchange admin cmdlet (RecordType 1), like the captured New-InboxRule record. */
export function exchangeCmdlet(spec: { operation: string; user?: string; parameters: [string, string][]; objectId?: string; clientIp?: string; result?: 'True' | 'False'; minutes?: number; appPool?: string }): CaseRecord {
  const user = spec.user ?? 'megan.bowen@contoso.com';
  return {
    source: 'Audit.Exchange',
    raw: {
      AppAccessContext: { IssuedAtTime: ualTime((spec.minutes ?? 0) - 60), UniqueTokenId: 'MAvPl7EnRECtYhC4q6h_AA' },
      CreationTime: ualTime(spec.minutes ?? 0),
      Id: guid(),
      Operation: spec.operation,
      OrganizationId: CONTOSO_ORG,
      RecordType: 1,
      ResultStatus: spec.result ?? 'True',
      UserKey: '10032000456EB2E1',
      UserType: 0,
      Version: 1,
      Workload: 'Exchange',
      ClientIP: spec.clientIp ?? '154.66.247.79:14204',
      ObjectId: spec.objectId ?? `NAMPR04A001.PROD.OUTLOOK.COM/Microsoft Exchange Hosted Organizations/contoso.onmicrosoft.com/${user.split('@')[0]}`,
      UserId: user,
      AppId: '00000002-0000-0ff1-ce00-000000000000',
      AppPoolName: spec.appPool ?? 'MSExchangeOWAAppPool',
      ClientAppId: '',
      ExternalAccess: false,
      OrganizationName: 'contoso.onmicrosoft.com',
      OriginatingServer: 'KL1PR02MB6845 (15.20.7249.032)',
      Parameters: spec.parameters.map(([Name, Value]) => ({ Name, Value })),
      RequestId: guid(),
      SessionId: guid(),
    },
  };
}

/** New-InboxRule / Set-InboxRule with the ObjectId form `…/mailbox\rule name`. */
export function inboxRule(spec: { operation?: 'New-InboxRule' | 'Set-InboxRule'; user?: string; name: string; parameters: [string, string][]; result?: 'True' | 'False' }): CaseRecord {
  const user = spec.user ?? 'megan.bowen@contoso.com';
  const alias = user.split('@')[0];
  return exchangeCmdlet({
    operation: spec.operation ?? 'New-InboxRule',
    user,
    result: spec.result,
    objectId: `NAMPR04A001.PROD.OUTLOOK.COM/Microsoft Exchange Hosted Organizations/contoso.onmicrosoft.com/${alias}\\${spec.name}`,
    parameters: [['AlwaysDeleteOutlookRulesBlob', 'False'], ['Force', 'False'], ['Name', spec.name], ...spec.parameters],
  });
}

/** UpdateInboxRules: a rule made in Outlook (MAPI), mailbox-audit shape. */
export function updateInboxRules(spec: { user?: string; ruleName: string; ruleOperation?: string; actions: unknown[]; condition?: string; serverRule?: unknown }): CaseRecord {
  const user = spec.user ?? 'megan.bowen@contoso.com';
  return {
    source: 'Audit.Exchange',
    raw: {
      CreationTime: ualTime(),
      Id: guid(),
      Operation: 'UpdateInboxRules',
      OrganizationId: CONTOSO_ORG,
      RecordType: 2,
      ResultStatus: 'Succeeded',
      UserKey: '10032000456EB2E1',
      UserType: 0,
      Version: 1,
      Workload: 'Exchange',
      ClientIP: '2a02:a45f:1:2::3',
      UserId: user,
      ClientIPAddress: '2a02:a45f:1:2::3',
      ClientInfoString: 'Client=MSExchangeRPC',
      ExternalAccess: false,
      InternalLogonType: 0,
      LogonType: 0,
      LogonUserSid: 'S-1-5-21-3825182934-1734561283-2210873411-7452431',
      MailboxGuid: '4e2a6c1d-9b3f-4f8e-a1d2-5c6b7a8e9f01',
      MailboxOwnerSid: 'S-1-5-21-3825182934-1734561283-2210873411-7452431',
      MailboxOwnerUPN: user,
      OrganizationName: 'contoso.onmicrosoft.com',
      Item: { Id: guid(), ParentFolder: { Name: 'Inbox', Path: '\\Inbox' } },
      OperationProperties: [
        { Name: 'RuleOperation', Value: spec.ruleOperation ?? 'AddMailboxRule' },
        { Name: 'RuleId', Value: '15645931577851150337' },
        { Name: 'RuleName', Value: spec.ruleName },
        { Name: 'RuleState', Value: 'Enabled, ExitAfterExecution' },
        { Name: 'RuleProvider', Value: 'RuleOrganizer' },
        { Name: 'RuleCondition', Value: spec.condition ?? '' },
        ...(spec.serverRule ? [{ Name: 'ServerRule', Value: JSON.stringify(spec.serverRule) }] : [{ Name: 'RuleActions', Value: JSON.stringify(spec.actions) }]),
      ],
    },
  };
}

/** UserLoggedIn / UserLoginFailed (RecordType 15), like the captured record. */
export function ualSignIn(spec: { user: string; ip: string; errorNumber?: number; logonError?: string; minutes?: number; id?: string }): CaseRecord {
  const failed = (spec.errorNumber ?? 0) !== 0;
  const id = spec.id ?? guid();
  return {
    source: 'Audit.AzureActiveDirectory',
    raw: {
      CreationTime: ualTime(spec.minutes ?? 0),
      Id: id,
      Operation: failed ? 'UserLoginFailed' : 'UserLoggedIn',
      OrganizationId: CONTOSO_ORG,
      RecordType: 15,
      ResultStatus: failed ? 'Failed' : 'Success',
      UserKey: 'f23cb258-50ca-4092-9027-5c4ca2f1d999',
      UserType: 0,
      Version: 1,
      Workload: 'AzureActiveDirectory',
      ClientIP: spec.ip,
      ObjectId: '00000002-0000-0000-c000-000000000000',
      UserId: spec.user,
      AzureActiveDirectoryEventType: 1,
      ExtendedProperties: [
        { Name: 'ResultStatusDetail', Value: failed ? 'UserError' : 'Success' },
        { Name: 'UserAgent', Value: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36' },
        { Name: 'UserAuthenticationMethod', Value: '1' },
        { Name: 'RequestType', Value: 'OAuth2:Token' },
      ],
      ModifiedProperties: [],
      Actor: [
        { ID: 'f23cb258-50ca-4092-9027-5c4ca2f1d999', Type: 0 },
        { ID: spec.user, Type: 5 },
      ],
      ActorContextId: CONTOSO_ORG,
      ActorIpAddress: spec.ip,
      InterSystemsId: guid(),
      IntraSystemId: id,
      SupportTicketId: '',
      Target: [{ ID: '00000002-0000-0000-c000-000000000000', Type: 0 }],
      TargetContextId: CONTOSO_ORG,
      ApplicationId: '1b730954-1685-4b74-9bfd-dac224a7b894',
      DeviceProperties: [
        { Name: 'OS', Value: 'Windows 10' },
        { Name: 'BrowserType', Value: 'Chrome' },
        { Name: 'IsCompliantAndManaged', Value: 'False' },
        { Name: 'SessionId', Value: guid() },
      ],
      ErrorNumber: String(spec.errorNumber ?? 0),
      ...(failed ? { LogonError: spec.logonError ?? 'InvalidUserNameOrPassword' } : {}),
    },
  };
}

export type Place = { city: string; state: string; countryOrRegion: string; latitude: number; longitude: number };
export const PLACES = {
  seattle: { city: 'Seattle', state: 'Washington', countryOrRegion: 'US', latitude: 47.6062, longitude: -122.3321 },
  redmond: { city: 'Redmond', state: 'Washington', countryOrRegion: 'US', latitude: 47.674, longitude: -122.1215 },
  amsterdam: { city: 'Amsterdam', state: 'Noord-Holland', countryOrRegion: 'NL', latitude: 52.3676, longitude: 4.9041 },
  lagos: { city: 'Lagos', state: 'Lagos', countryOrRegion: 'NG', latitude: 6.5244, longitude: 3.3792 },
  london: { city: 'London', state: 'England', countryOrRegion: 'GB', latitude: 51.5072, longitude: -0.1276 },
} as const satisfies Record<string, Place>;

/** A Graph signIn (v1.0), like the signin-list example. */
export function graphSignIn(spec: { user: string; ip: string; errorCode?: number; clientAppUsed?: string; place?: Place; minutes?: number; base?: string; id?: string; riskEventTypes?: string[]; riskLevelDuringSignIn?: string }): CaseRecord {
  const place = spec.place ?? PLACES.seattle;
  const code = spec.errorCode ?? 0;
  return {
    source: 'graph.signIns',
    raw: {
      id: spec.id ?? guid(),
      createdDateTime: graphTime(spec.minutes ?? 0, spec.base),
      userDisplayName: 'Megan Bowen',
      userPrincipalName: spec.user,
      userId: '26be570a-ae82-4189-b4e2-a37c6808512d',
      appId: 'de8bc8b5-d9f9-48b1-a8ad-b748da725064',
      appDisplayName: 'Office 365 Exchange Online',
      ipAddress: spec.ip,
      clientAppUsed: spec.clientAppUsed ?? 'Browser',
      correlationId: guid(),
      conditionalAccessStatus: 'notApplied',
      isInteractive: true,
      riskDetail: 'none',
      riskLevelAggregated: 'none',
      riskLevelDuringSignIn: spec.riskLevelDuringSignIn ?? 'none',
      riskState: 'none',
      riskEventTypes: spec.riskEventTypes ?? [],
      riskEventTypes_v2: spec.riskEventTypes ?? [],
      resourceDisplayName: 'Office 365 Exchange Online',
      resourceId: '00000002-0000-0ff1-ce00-000000000000',
      status: { errorCode: code, failureReason: code === 0 ? null : 'Invalid username or password or Invalid on-premise username or password.', additionalDetails: null },
      deviceDetail: { deviceId: '', displayName: null, operatingSystem: 'Windows 10', browser: 'Edge 124.0.0', isCompliant: null, isManaged: null, trustType: null },
      location: { city: place.city, state: place.state, countryOrRegion: place.countryOrRegion, geoCoordinates: { altitude: null, latitude: place.latitude, longitude: place.longitude } },
      appliedConditionalAccessPolicies: [],
    },
  };
}

export type DirectoryTarget = { id: string; type: 'User' | 'ServicePrincipal' | 'Application' | 'Role' | 'Policy' | 'Other' | 'Directory'; upn?: string; name?: string };

/** An Azure AD directory change in the audit log (RecordType 8): trailing period, ModifiedProperties {Name, NewValue, OldValue}. */
export function ualDirectory(spec: { operation: string; actor?: string; target: DirectoryTarget; modified?: { name: string; newValue: string; oldValue?: string }[]; result?: 'Success' | 'Failure'; minutes?: number; correlationId?: string; extraTargets?: { ID: string; Type: number }[]; additionalDetails?: Record<string, string> }): CaseRecord {
  const actor = spec.actor ?? 'admin@contoso.onmicrosoft.com';
  return {
    source: 'Audit.AzureActiveDirectory',
    raw: {
      CreationTime: ualTime(spec.minutes ?? 0),
      Id: guid(),
      Operation: spec.operation,
      OrganizationId: CONTOSO_ORG,
      RecordType: 8,
      ResultStatus: spec.result ?? 'Success',
      UserKey: '10032001D1F8E2A3@contoso.onmicrosoft.com',
      UserType: 0,
      Version: 1,
      Workload: 'AzureActiveDirectory',
      ClientIP: '203.0.113.10',
      ObjectId: spec.target.upn ?? spec.target.name ?? spec.target.id,
      UserId: actor,
      AzureActiveDirectoryEventType: 1,
      ExtendedProperties: [
        { Name: 'additionalDetails', Value: JSON.stringify(spec.additionalDetails ?? {}) },
        { Name: 'extendedAuditEventCategory', Value: spec.target.type },
      ],
      ModifiedProperties: (spec.modified ?? []).map((m) => ({ Name: m.name, NewValue: m.newValue, OldValue: m.oldValue ?? '' })),
      Actor: [
        { ID: actor, Type: 5 },
        { ID: '10032001D1F8E2A3', Type: 3 },
        { ID: 'User_5c3d4e1f-0a9b-4c8d-9e7f-6a5b4c3d2e1f', Type: 2 },
        { ID: '5c3d4e1f-0a9b-4c8d-9e7f-6a5b4c3d2e1f', Type: 2 },
        { ID: 'User', Type: 2 },
      ],
      ActorContextId: CONTOSO_ORG,
      ActorIpAddress: '203.0.113.10',
      InterSystemsId: spec.correlationId ?? guid(),
      IntraSystemId: guid(),
      SupportTicketId: '',
      Target: [
        { ID: `${spec.target.type}_${spec.target.id}`, Type: 2 },
        { ID: spec.target.id, Type: 2 },
        { ID: spec.target.type, Type: 2 },
        ...(spec.target.upn ? [{ ID: spec.target.upn, Type: 5 }] : spec.target.name ? [{ ID: spec.target.name, Type: 1 }] : []),
        ...(spec.extraTargets ?? []),
      ],
      TargetContextId: CONTOSO_ORG,
    },
  };
}

/** The same change as a Graph directoryAudit: no trailing period, values JSON-quoted. */
export function graphDirectory(spec: { activity: string; actor?: string; target: DirectoryTarget; modified?: { name: string; newValue: string; oldValue?: string }[]; result?: 'success' | 'failure'; category?: string; loggedByService?: string; additionalDetails?: { key: string; value: string }[] }): CaseRecord {
  return {
    source: 'graph.directoryAudits',
    raw: {
      id: `Directory_${guid()}_ABCDE_123456789`,
      category: spec.category ?? 'UserManagement',
      correlationId: guid(),
      result: spec.result ?? 'success',
      resultReason: '',
      activityDisplayName: spec.activity,
      activityDateTime: graphTime(),
      loggedByService: spec.loggedByService ?? 'Core Directory',
      operationType: 'Update',
      initiatedBy: { user: { id: '5c3d4e1f-0a9b-4c8d-9e7f-6a5b4c3d2e1f', displayName: null, userPrincipalName: spec.actor ?? 'admin@contoso.onmicrosoft.com', ipAddress: '203.0.113.10', userType: null, homeTenantId: null, homeTenantName: null }, app: null },
      targetResources: [
        {
          id: spec.target.id,
          displayName: spec.target.name ?? null,
          type: spec.target.type,
          userPrincipalName: spec.target.upn ?? null,
          groupType: null,
          modifiedProperties: (spec.modified ?? []).map((m) => ({ displayName: m.name, oldValue: m.oldValue ?? null, newValue: m.newValue })),
        },
      ],
      additionalDetails: spec.additionalDetails ?? [],
    },
  };
}

/** A SharePoint / OneDrive record (file operations 6, sharing 14), like the elastic fixture. */
export function sharePoint(spec: { operation: string; user?: string; objectId?: string; recordType?: number; itemType?: string; minutes?: number; extra?: Record<string, unknown>; workload?: 'SharePoint' | 'OneDrive' }): CaseRecord {
  const objectId = spec.objectId ?? 'https://contoso.sharepoint.com/sites/Finance/Shared Documents/Budget 2024.xlsx';
  return {
    source: 'Audit.SharePoint',
    raw: {
      ClientIP: '67.43.156.13',
      CorrelationId: guid(),
      CreationTime: ualTime(spec.minutes ?? 0),
      EventSource: 'SharePoint',
      Id: guid(),
      ItemType: spec.itemType ?? 'File',
      ListId: '2b6ad2bd-0fd7-4556-9c89-a97847085b85',
      ListItemUniqueId: guid(),
      ObjectId: objectId,
      Operation: spec.operation,
      OrganizationId: CONTOSO_ORG,
      RecordType: spec.recordType ?? 6,
      Site: 'd5180cfc-3479-44d6-b410-8c985ac894e3',
      SiteUrl: 'https://contoso.sharepoint.com/sites/Finance/',
      SourceFileExtension: objectId.includes('.') ? (objectId.split('.').pop() ?? '') : '',
      SourceFileName: objectId.split('/').pop() ?? '',
      SourceRelativeUrl: 'Shared Documents',
      UserAgent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10.14; rv:73.0) Gecko/20100101 Firefox/73.0',
      UserId: spec.user ?? 'megan.bowen@contoso.com',
      UserKey: 'i:0h.f|membership|1003200096971f55@live.com',
      UserType: 0,
      Version: 1,
      WebId: '8c5c94bb-8396-470c-87d7-8999f440cd30',
      Workload: spec.workload ?? 'SharePoint',
      ...spec.extra,
    },
  };
}

/** A record of another workload (Security & Compliance cmdlets, eDiscovery), common schema only. */
export function generalRecord(spec: { operation: string; workload: string; recordType: number; user?: string; objectId?: string; parameters?: [string, string][]; extra?: Record<string, unknown>; result?: string }): CaseRecord {
  return {
    source: 'Audit.General',
    raw: {
      CreationTime: ualTime(),
      Id: guid(),
      Operation: spec.operation,
      OrganizationId: CONTOSO_ORG,
      RecordType: spec.recordType,
      ResultStatus: spec.result ?? 'True',
      UserKey: 'megan.bowen@contoso.com',
      UserType: 2,
      Version: 1,
      Workload: spec.workload,
      ClientIP: '203.0.113.12',
      ObjectId: spec.objectId ?? '',
      UserId: spec.user ?? 'megan.bowen@contoso.com',
      ...(spec.parameters ? { Parameters: spec.parameters.map(([Name, Value]) => ({ Name, Value })) } : {}),
      ...spec.extra,
    },
  };
}

/** identityProtection/riskDetections item. */
export function riskDetectionRecord(spec: { user: string; type: string; level: string; state?: string; ip?: string }): CaseRecord {
  return {
    source: 'graph.riskDetections',
    raw: {
      id: '6fe2f8d6a8e2b7c8a9a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5',
      requestId: guid(),
      correlationId: guid(),
      riskEventType: spec.type,
      riskState: spec.state ?? 'atRisk',
      riskLevel: spec.level,
      riskDetail: 'none',
      source: 'IdentityProtection',
      detectionTimingType: 'realtime',
      activity: 'signin',
      tokenIssuerType: 'AzureAD',
      ipAddress: spec.ip ?? '104.28.196.63',
      location: { city: 'Amsterdam', state: 'Noord-Holland', countryOrRegion: 'NL', geoCoordinates: { altitude: null, latitude: 52.3676, longitude: 4.9041 } },
      activityDateTime: graphTime(),
      detectedDateTime: graphTime(1),
      lastUpdatedDateTime: graphTime(1),
      userId: '26be570a-ae82-4189-b4e2-a37c6808512d',
      userDisplayName: 'Megan Bowen',
      userPrincipalName: spec.user,
      additionalInfo: '[{"Key":"userAgent","Value":"Mozilla/5.0 (Windows NT 10.0; Win64; x64)"}]',
    },
  };
}

export function riskyUserRecord(spec: { user: string; level: string; state: string }): CaseRecord {
  return {
    source: 'graph.riskyUsers',
    raw: {
      id: '26be570a-ae82-4189-b4e2-a37c6808512d',
      isDeleted: false,
      isProcessing: false,
      riskLastUpdatedDateTime: graphTime(2),
      riskLevel: spec.level,
      riskState: spec.state,
      riskDetail: 'none',
      userDisplayName: 'Megan Bowen',
      userPrincipalName: spec.user,
    },
  };
}

/** security/alerts_v2 item with user and IP evidence. */
export function alertRecord(spec: { title: string; severity: string; serviceSource: string; detectionSource?: string; status?: string; user?: string; ip?: string; mitre?: string[]; classification?: string }): CaseRecord {
  const evidence: unknown[] = [];
  if (spec.user) {
    evidence.push({
      '@odata.type': '#microsoft.graph.security.userEvidence',
      createdDateTime: graphTime(),
      verdict: 'suspicious',
      remediationStatus: 'none',
      roles: ['compromised'],
      tags: [],
      userAccount: { accountName: spec.user.split('@')[0], domainName: 'contoso.com', userSid: null, azureAdUserId: '26be570a-ae82-4189-b4e2-a37c6808512d', userPrincipalName: spec.user, displayName: 'Megan Bowen' },
    });
  }
  if (spec.ip) evidence.push({ '@odata.type': '#microsoft.graph.security.ipEvidence', createdDateTime: graphTime(), verdict: 'suspicious', remediationStatus: 'none', roles: [], tags: [], ipAddress: spec.ip, countryLetterCode: 'NL' });
  return {
    source: 'graph.alerts_v2',
    raw: {
      '@odata.type': '#microsoft.graph.security.alert',
      id: `da${guid().replace(/-/g, '')}`,
      providerAlertId: guid(),
      incidentId: '2972',
      status: spec.status ?? 'new',
      severity: spec.severity,
      classification: spec.classification ?? null,
      determination: null,
      serviceSource: spec.serviceSource,
      detectionSource: spec.detectionSource ?? spec.serviceSource,
      detectorId: guid(),
      tenantId: CONTOSO_ORG,
      title: spec.title,
      description: `${spec.title}.`,
      recommendedActions: 'Investigate the user and the mailbox.',
      category: 'InitialAccess',
      assignedTo: null,
      alertWebUrl: `https://security.microsoft.com/alerts/da1?tid=${CONTOSO_ORG}`,
      incidentWebUrl: `https://security.microsoft.com/incidents/2972?tid=${CONTOSO_ORG}`,
      actorDisplayName: null,
      threatDisplayName: null,
      threatFamilyName: null,
      mitreTechniques: spec.mitre ?? ['T1078'],
      createdDateTime: graphTime(),
      lastUpdateDateTime: graphTime(),
      resolvedDateTime: null,
      firstActivityDateTime: graphTime(-5),
      lastActivityDateTime: graphTime(),
      comments: [],
      evidence,
      systemTags: [],
    },
  };
}
