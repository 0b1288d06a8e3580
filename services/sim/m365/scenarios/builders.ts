/**
 * Builders for records in Microsoft's exact shapes: Management Activity API audit records
 * (STS logons, Exchange cmdlets, MailItemsAccessed, SharePoint file and sharing operations,
 * Azure AD directory operations with their trailing period) and the matching Graph objects
 * (signIn, directoryAudit, riskDetection, riskyUser, security alert). A sign-in is built once
 * and rendered into both feeds with the same request id, as Microsoft does.
 */
import { toGraphTime, toUalTime } from '../clock.ts';
import type { Prng } from '../prng.ts';
import type { AuditRecord, DirectoryAudit, GraphUser, RiskDetection, SecurityAlert, SignIn } from '../records.ts';
import { clientIpForm, type Network, type Place } from './network.ts';

export interface TenantContext {
  tenantId: string;
  displayName: string;
  /** `contoso.onmicrosoft.com` */
  initialDomain: string;
  /** Mail domain, `contoso.com`. */
  domain: string;
}

export interface Device {
  operatingSystem: string;
  browser: string;
  userAgent: string;
  /** Management API DeviceProperties BrowserType. */
  browserType: string;
}

export interface Person {
  user: GraphUser;
  /** Exchange/SharePoint PUID (`10032002643F6746`). */
  puid: string;
  alias: string;
  home: Network;
  /** A second usual network (mobile or home broadband). */
  roaming: Network;
  device: Device;
  /** Hours from UTC during the scenario day (daylight saving included). */
  utcOffsetHours: number;
  isAdmin: boolean;
}

export interface ClientApp {
  appId: string;
  appDisplayName: string;
  resourceId: string;
  resourceDisplayName: string;
  clientAppUsed: string;
}

/** First-party application ids are public constants of Microsoft Entra ID. */
export const APPS = {
  officeHome: {
    appId: '4765445b-32c6-49b0-83e6-1d93765276ca',
    appDisplayName: 'OfficeHome',
    resourceId: '00000003-0000-0000-c000-000000000000',
    resourceDisplayName: 'Microsoft Graph',
    clientAppUsed: 'Browser',
  },
  outlookWeb: {
    appId: '00000002-0000-0ff1-ce00-000000000000',
    appDisplayName: 'Office 365 Exchange Online',
    resourceId: '00000002-0000-0ff1-ce00-000000000000',
    resourceDisplayName: 'Office 365 Exchange Online',
    clientAppUsed: 'Browser',
  },
  teams: {
    appId: '1fec8e78-bce4-4aaf-ab1b-5451cc387264',
    appDisplayName: 'Microsoft Teams',
    resourceId: '00000003-0000-0000-c000-000000000000',
    resourceDisplayName: 'Microsoft Graph',
    clientAppUsed: 'Mobile Apps and Desktop clients',
  },
  officeDesktop: {
    appId: 'd3590ed6-52b3-4102-aeff-aad2292ab01c',
    appDisplayName: 'Microsoft Office',
    resourceId: '00000003-0000-0ff1-ce00-000000000000',
    resourceDisplayName: 'Office 365 SharePoint Online',
    clientAppUsed: 'Mobile Apps and Desktop clients',
  },
  outlookMobile: {
    appId: '27922004-5251-4030-b22d-91ecd9a37ea4',
    appDisplayName: 'Outlook Mobile',
    resourceId: '00000002-0000-0ff1-ce00-000000000000',
    resourceDisplayName: 'Office 365 Exchange Online',
    clientAppUsed: 'Mobile Apps and Desktop clients',
  },
  /** Legacy authentication (ROPC) used by spray tooling: Entra records it as "Other clients". */
  legacyRopc: {
    appId: '00000002-0000-0ff1-ce00-000000000000',
    appDisplayName: 'Office 365 Exchange Online',
    resourceId: '00000002-0000-0ff1-ce00-000000000000',
    resourceDisplayName: 'Office 365 Exchange Online',
    clientAppUsed: 'Other clients',
  },
} as const satisfies Record<string, ClientApp>;

export const DEVICES = {
  windowsEdge: {
    operatingSystem: 'Windows 10',
    browser: 'Edge 124.0.0',
    browserType: 'Edge',
    userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.0.0',
  },
  windowsChrome: {
    operatingSystem: 'Windows 10',
    browser: 'Chrome 124.0.0',
    browserType: 'Chrome',
    userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
  },
  macSafari: {
    operatingSystem: 'MacOs',
    browser: 'Safari 17.4',
    browserType: 'Safari',
    userAgent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Safari/605.1.15',
  },
  iosOutlook: {
    operatingSystem: 'Ios 17.4.1',
    browser: 'Mobile Safari',
    browserType: 'Other',
    userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148',
  },
  /** What password-spray tooling typically presents. */
  sprayTool: { operatingSystem: '', browser: 'Python Requests 2.31', browserType: 'Other', userAgent: 'python-requests/2.31.0' },
} as const satisfies Record<string, Device>;

/** Entra sign-in error codes with the LogonError name the audit log carries and Graph's failureReason. */
export const SIGN_IN_ERRORS = {
  50126: { logonError: 'InvalidUserNameOrPassword', failureReason: 'Invalid username or password or Invalid on-premise username or password.' },
  50074: { logonError: 'UserStrongAuthClientAuthNRequiredInterrupt', failureReason: 'Strong Authentication is required.' },
  50053: { logonError: 'IdsLocked', failureReason: 'Account is locked because user tried to sign in too many times with an incorrect user ID or password.' },
  53003: {
    logonError: 'BlockedByConditionalAccess',
    failureReason: 'Access has been blocked by Conditional Access policies. The access policy does not allow token issuance.',
  },
} as const;
export type SignInErrorCode = keyof typeof SIGN_IN_ERRORS;

const EXO_SERVERS = ['SA1PR04MB8765 (15.20.7452.028)', 'BY5PR11MB4067 (15.20.7472.020)', 'CH0PR13MB5104 (15.20.7472.021)'];
const EXO_FOREST = 'NAMPR04A001.PROD.OUTLOOK.COM/Microsoft Exchange Hosted Organizations';

function geo(place: Place): SignIn['location'] {
  return {
    city: place.city,
    state: place.state,
    countryOrRegion: place.countryOrRegion,
    geoCoordinates: { altitude: null, latitude: place.latitude, longitude: place.longitude },
  };
}

export interface SignInSpec {
  person: Person;
  at: number;
  network: Network;
  app: ClientApp;
  device?: Device;
  /** 0 = success. */
  errorCode?: SignInErrorCode | 0;
  interactive?: boolean;
  riskLevelDuringSignIn?: 'none' | 'low' | 'medium' | 'high';
  riskEventTypes?: string[];
  conditionalAccessStatus?: SignIn['conditionalAccessStatus'];
  /** Override the drawn address (to reuse one attacker IP across several attempts). */
  ipAddress?: string;
}

/** One sign-in as a Graph signIn and the Management API UserLoggedIn/UserLoginFailed record with the same id. */
export function signInRecords(ctx: TenantContext, prng: Prng, spec: SignInSpec): { graph: SignIn; audit: AuditRecord } {
  const { person, network, app } = spec;
  const device = spec.device ?? person.device;
  const ip = spec.ipAddress ?? network.address(prng);
  const id = prng.guid();
  const correlationId = prng.guid();
  const errorCode = spec.errorCode ?? 0;
  const failed = errorCode !== 0;
  const risk = spec.riskLevelDuringSignIn ?? 'none';
  const graph: SignIn = {
    id,
    createdDateTime: toGraphTime(spec.at),
    userDisplayName: person.user.displayName,
    userPrincipalName: person.user.userPrincipalName,
    userId: person.user.id,
    appId: app.appId,
    appDisplayName: app.appDisplayName,
    ipAddress: ip,
    clientAppUsed: app.clientAppUsed,
    correlationId,
    conditionalAccessStatus: spec.conditionalAccessStatus ?? (errorCode === 53003 ? 'failure' : 'notApplied'),
    isInteractive: spec.interactive ?? true,
    riskDetail: 'none',
    riskLevelAggregated: risk === 'none' ? 'none' : 'hidden',
    riskLevelDuringSignIn: risk,
    riskState: risk === 'none' ? 'none' : 'atRisk',
    riskEventTypes: spec.riskEventTypes ?? [],
    riskEventTypes_v2: spec.riskEventTypes ?? [],
    resourceDisplayName: app.resourceDisplayName,
    resourceId: app.resourceId,
    status: failed
      ? { errorCode, failureReason: SIGN_IN_ERRORS[errorCode].failureReason, additionalDetails: errorCode === 50074 ? 'MFA required in Azure AD' : null }
      : { errorCode: 0, failureReason: null, additionalDetails: null },
    deviceDetail: {
      deviceId: '',
      displayName: null,
      operatingSystem: device.operatingSystem,
      browser: device.browser,
      isCompliant: null,
      isManaged: null,
      trustType: null,
    },
    location: geo(network.place),
    appliedConditionalAccessPolicies: [],
  };
  const audit: AuditRecord = {
    CreationTime: toUalTime(spec.at),
    Id: id,
    Operation: failed ? 'UserLoginFailed' : 'UserLoggedIn',
    OrganizationId: ctx.tenantId,
    RecordType: 15,
    ResultStatus: failed ? 'Failed' : 'Success',
    UserKey: person.user.id,
    UserType: 0,
    Version: 1,
    Workload: 'AzureActiveDirectory',
    ClientIP: ip,
    ObjectId: app.resourceId,
    UserId: person.user.userPrincipalName,
    AzureActiveDirectoryEventType: 1,
    ExtendedProperties: [
      { Name: 'ResultStatusDetail', Value: failed ? 'UserError' : 'Success' },
      { Name: 'UserAgent', Value: device.userAgent },
      { Name: 'UserAuthenticationMethod', Value: '1' },
      { Name: 'RequestType', Value: app.clientAppUsed === 'Browser' ? 'Login:login' : 'OAuth2:Token' },
    ],
    ModifiedProperties: [],
    Actor: [
      { ID: person.user.id, Type: 0 },
      { ID: person.user.userPrincipalName, Type: 5 },
    ],
    ActorContextId: ctx.tenantId,
    ActorIpAddress: ip,
    InterSystemsId: correlationId,
    IntraSystemId: id,
    SupportTicketId: '',
    Target: [{ ID: app.resourceId, Type: 0 }],
    TargetContextId: ctx.tenantId,
    ApplicationId: app.appId,
    DeviceProperties: [
      { Name: 'OS', Value: device.operatingSystem },
      { Name: 'BrowserType', Value: device.browserType },
      { Name: 'IsCompliantAndManaged', Value: 'False' },
      { Name: 'SessionId', Value: prng.guid() },
    ],
    ErrorNumber: String(errorCode),
    ...(failed ? { LogonError: SIGN_IN_ERRORS[errorCode].logonError } : {}),
  };
  return { graph, audit };
}

/**
 * An account that is not a person: Exchange's own service host running a cmdlet, SharePoint's
 * app principal changing a file. Overrides the person's UserId, UserKey and UserType.
 */
export interface ServiceActor {
  userId: string;
  userKey: string;
  userType: number;
}

export const SERVICE_ACTORS = {
  /** Exchange Online provisioning, UserType 4 (System). */
  exchangeServiceHost: {
    userId: 'NT AUTHORITY\\SYSTEM (Microsoft.Exchange.ServiceHost)',
    userKey: 'NT AUTHORITY\\SYSTEM (Microsoft.Exchange.ServiceHost)',
    userType: 4,
  },
  /** SharePoint Online acting as itself (retention, flows, metadata updates). */
  sharePointApp: { userId: 'app@sharepoint', userKey: 'i:0i.t|00000003-0000-0ff1-ce00-000000000000|app@sharepoint', userType: 0 },
} as const satisfies Record<string, ServiceActor>;

export interface CmdletSpec {
  person: Person;
  /** Run by a service account instead of the person. */
  actor?: ServiceActor;
  at: number;
  operation: string;
  parameters: [string, string][];
  objectId: string;
  clientIp: string;
  /** OWA (`MSExchangeOWAAppPool`) or remote PowerShell (`PowerShell`). */
  appPool?: string;
  resultStatus?: 'True' | 'False';
}

/** An Exchange admin cmdlet record (RecordType 1): New-InboxRule, Set-Mailbox, New-TransportRule… */
export function exchangeCmdlet(ctx: TenantContext, prng: Prng, spec: CmdletSpec): AuditRecord {
  return {
    AppAccessContext: { IssuedAtTime: toUalTime(spec.at - prng.int(5, 90) * 60_000), UniqueTokenId: prng.hex(22) },
    CreationTime: toUalTime(spec.at),
    Id: prng.guid(),
    Operation: spec.operation,
    OrganizationId: ctx.tenantId,
    RecordType: 1,
    ResultStatus: spec.resultStatus ?? 'True',
    UserKey: spec.actor?.userKey ?? spec.person.puid,
    UserType: spec.actor?.userType ?? (spec.person.isAdmin ? 2 : 0),
    Version: 1,
    Workload: 'Exchange',
    ClientIP: spec.clientIp,
    ObjectId: spec.objectId,
    UserId: spec.actor?.userId ?? spec.person.user.userPrincipalName,
    AppId: '00000002-0000-0ff1-ce00-000000000000',
    AppPoolName: spec.appPool ?? 'MSExchangeOWAAppPool',
    ClientAppId: '',
    ExternalAccess: false,
    OrganizationName: ctx.initialDomain,
    OriginatingServer: prng.pick(EXO_SERVERS),
    Parameters: spec.parameters.map(([Name, Value]) => ({ Name, Value })),
    RequestId: prng.guid(),
    SessionId: prng.guid(),
  };
}

/** The ObjectId of an inbox rule: mailbox path + `\` + rule name. */
export function inboxRuleObjectId(ctx: TenantContext, person: Person, ruleName: string): string {
  return `${EXO_FOREST}/${ctx.initialDomain}/${person.alias}\\${ruleName}`;
}

export function mailboxIdentity(ctx: TenantContext, person: Person): string {
  return `${EXO_FOREST}/${ctx.initialDomain}/${person.user.id}`;
}

/** MailItemsAccessed (mailbox audit, RecordType 50). */
export function mailItemsAccessed(
  ctx: TenantContext,
  prng: Prng,
  spec: { person: Person; at: number; address: string; clientIp: string; accessType: 'Bind' | 'Sync'; client: string; count: number },
): AuditRecord {
  const messages = Array.from({ length: Math.min(spec.count, 5) }, () => ({
    InternetMessageId: `<${prng.hex(12)}.${prng.hex(8)}@${prng.pick(['NAMPR04MB1234.namprd04.prod.outlook.com', 'mail.example.net'])}>`,
    SizeInBytes: prng.int(4_000, 240_000),
  }));
  const id = prng.guid();
  // The owner reading their own mailbox (LogonType 0): the logon SID is the owner's SID.
  const ownerSid = `S-1-5-21-${prng.int(1e9, 4e9)}-${prng.int(1e9, 4e9)}-${prng.int(1e9, 4e9)}-${prng.int(1e6, 9e6)}`;
  return {
    CreationTime: toUalTime(spec.at),
    Id: id,
    Operation: 'MailItemsAccessed',
    OrganizationId: ctx.tenantId,
    RecordType: 50,
    ResultStatus: 'Succeeded',
    UserKey: spec.person.puid,
    UserType: 0,
    Version: 1,
    Workload: 'Exchange',
    ClientIP: spec.clientIp,
    UserId: spec.person.user.userPrincipalName,
    AppId: '00000002-0000-0ff1-ce00-000000000000',
    ClientAppId: '',
    ClientIPAddress: spec.address,
    ClientInfoString: spec.client,
    ExternalAccess: false,
    InternalLogonType: 0,
    LogonType: 0,
    LogonUserSid: ownerSid,
    MailboxGuid: prng.guid(),
    MailboxOwnerSid: ownerSid,
    MailboxOwnerUPN: spec.person.user.userPrincipalName,
    OperationProperties: [
      { Name: 'MailAccessType', Value: spec.accessType },
      { Name: 'IsThrottled', Value: 'False' },
    ],
    OrganizationName: ctx.initialDomain,
    OriginatingServer: prng.pick(EXO_SERVERS),
    SessionId: prng.guid(),
    Folders: [{ FolderItems: messages, Id: `LgAAAAD${prng.hex(20)}AQ`, Path: '\\Inbox' }],
    OperationCount: spec.count,
  };
}

export interface SharePointSpec {
  person: Person;
  at: number;
  operation: string;
  recordType: 6 | 14;
  siteUrl: string;
  relativeUrl: string;
  fileName: string;
  itemType?: 'File' | 'Folder';
  clientIp: string;
  userAgent: string;
  workload?: 'SharePoint' | 'OneDrive';
  /** Done by SharePoint itself rather than the person (whose site it is). */
  actor?: ServiceActor;
  extra?: Record<string, unknown>;
}

/** SharePoint/OneDrive file (RecordType 6) and sharing (RecordType 14) operations. */
export function sharePointRecord(ctx: TenantContext, prng: Prng, spec: SharePointSpec): AuditRecord {
  const extension = spec.itemType === 'Folder' ? '' : (spec.fileName.split('.').pop() ?? '');
  const relative = spec.relativeUrl.replace(/\/$/, '');
  return {
    CreationTime: toUalTime(spec.at),
    Id: prng.guid(),
    Operation: spec.operation,
    OrganizationId: ctx.tenantId,
    RecordType: spec.recordType,
    UserKey: spec.actor?.userKey ?? `i:0h.f|membership|${spec.person.puid.toLowerCase()}@live.com`,
    UserType: spec.actor?.userType ?? 0,
    Version: 1,
    Workload: spec.workload ?? 'SharePoint',
    ClientIP: spec.clientIp,
    ObjectId: `${spec.siteUrl}/${relative}${spec.itemType === 'Folder' ? '' : `/${spec.fileName}`}`,
    UserId: spec.actor?.userId ?? spec.person.user.userPrincipalName,
    CorrelationId: prng.guid(),
    EventSource: 'SharePoint',
    ItemType: spec.itemType ?? 'File',
    ListId: prng.guid(),
    ListItemUniqueId: prng.guid(),
    Site: prng.guid(),
    UserAgent: spec.userAgent,
    WebId: prng.guid(),
    SourceFileExtension: extension,
    SiteUrl: `${spec.siteUrl}/`,
    SourceFileName: spec.fileName,
    SourceRelativeUrl: relative,
    ...spec.extra,
  };
}

export interface DirectorySpec {
  at: number;
  actor: Person;
  actorIp: string;
  /**
   * `null` for the Azure AD events whose ClientIP the audit log leaves null (the schema page: the
   * address is not logged); ActorIpAddress still carries it. Default: the actor's address.
   */
  clientIp?: null;
  /** With the trailing period, as the audit log writes it: `Add member to role.` */
  operation: string;
  category: string;
  operationType: 'Add' | 'Update' | 'Assign' | 'Delete' | 'Unassign';
  target: { id: string; displayName: string | null; type: 'User' | 'ServicePrincipal' | 'Role' | 'Application' | 'Other'; userPrincipalName?: string | null };
  modifiedProperties: { name: string; oldValue: string; newValue: string }[];
  additionalDetails?: { key: string; value: string }[];
  /** Extra targets after the first (the consent record names the service principal fourth). */
  extraTargets?: { ID: string; Type: number }[];
}

/** An Azure AD directory operation as audit record (RecordType 8) and Graph directoryAudit, sharing correlation id. */
export function directoryRecords(ctx: TenantContext, prng: Prng, spec: DirectorySpec): { graph: DirectoryAudit; audit: AuditRecord } {
  const id = `Directory_${prng.guid()}_${prng.hex(5).toUpperCase()}_${prng.int(100000000, 999999999)}`;
  const correlationId = prng.guid();
  const actor = spec.actor.user;
  const graph: DirectoryAudit = {
    id,
    category: spec.category,
    correlationId,
    result: 'success',
    resultReason: '',
    activityDisplayName: spec.operation.replace(/\.$/, ''),
    activityDateTime: toGraphTime(spec.at),
    loggedByService: 'Core Directory',
    operationType: spec.operationType,
    initiatedBy: {
      user: {
        id: actor.id,
        displayName: null,
        userPrincipalName: actor.userPrincipalName,
        ipAddress: spec.actorIp,
        userType: null,
        homeTenantId: null,
        homeTenantName: null,
      },
      app: null,
    },
    targetResources: [
      {
        id: spec.target.id,
        displayName: spec.target.displayName,
        type: spec.target.type,
        userPrincipalName: spec.target.userPrincipalName ?? null,
        groupType: null,
        modifiedProperties: spec.modifiedProperties.map((m) => ({ displayName: m.name, oldValue: m.oldValue, newValue: m.newValue })),
      },
    ],
    additionalDetails: spec.additionalDetails ?? [],
  };
  const audit: AuditRecord = {
    CreationTime: toUalTime(spec.at),
    Id: prng.guid(),
    Operation: spec.operation,
    OrganizationId: ctx.tenantId,
    RecordType: 8,
    ResultStatus: 'Success',
    UserKey: `${spec.actor.puid}@${ctx.initialDomain}`,
    UserType: 0,
    Version: 1,
    Workload: 'AzureActiveDirectory',
    ClientIP: spec.clientIp === null ? null : spec.actorIp,
    ObjectId: spec.target.userPrincipalName ?? spec.target.displayName ?? spec.target.id,
    UserId: actor.userPrincipalName,
    AzureActiveDirectoryEventType: 1,
    ExtendedProperties: [
      { Name: 'additionalDetails', Value: JSON.stringify(Object.fromEntries((spec.additionalDetails ?? []).map((d) => [d.key, d.value]))) },
      { Name: 'extendedAuditEventCategory', Value: spec.target.type },
    ],
    ModifiedProperties: spec.modifiedProperties.map((m) => ({ Name: m.name, NewValue: m.newValue, OldValue: m.oldValue })),
    Actor: [
      { ID: actor.userPrincipalName, Type: 5 },
      { ID: spec.actor.puid, Type: 3 },
      { ID: `User_${actor.id}`, Type: 2 },
      { ID: actor.id, Type: 2 },
      { ID: 'User', Type: 2 },
    ],
    ActorContextId: ctx.tenantId,
    ActorIpAddress: spec.actorIp,
    InterSystemsId: correlationId,
    IntraSystemId: prng.guid(),
    SupportTicketId: '',
    Target: [
      { ID: `${spec.target.type}_${spec.target.id}`, Type: 2 },
      { ID: spec.target.id, Type: 2 },
      { ID: spec.target.type, Type: 2 },
      ...(spec.target.userPrincipalName
        ? [{ ID: spec.target.userPrincipalName, Type: 5 }]
        : spec.target.displayName
          ? [{ ID: spec.target.displayName, Type: 1 }]
          : []),
      ...(spec.extraTargets ?? []),
    ],
    TargetContextId: ctx.tenantId,
  };
  return { graph, audit };
}

export function riskDetection(
  prng: Prng,
  spec: {
    person: Person;
    at: number;
    detectedAt: number;
    ip: string;
    place: Place;
    riskEventType: string;
    riskLevel: 'low' | 'medium' | 'high';
    requestId: string;
    correlationId: string;
    userAgent: string;
  },
): RiskDetection {
  return {
    id: prng.hex(64),
    requestId: spec.requestId,
    correlationId: spec.correlationId,
    riskEventType: spec.riskEventType,
    riskState: 'atRisk',
    riskLevel: spec.riskLevel,
    riskDetail: 'none',
    source: 'IdentityProtection',
    detectionTimingType: 'realtime',
    activity: 'signin',
    tokenIssuerType: 'AzureAD',
    ipAddress: spec.ip,
    location: geo(spec.place),
    activityDateTime: toGraphTime(spec.at),
    detectedDateTime: toGraphTime(spec.detectedAt),
    lastUpdatedDateTime: toGraphTime(spec.detectedAt),
    userId: spec.person.user.id,
    userDisplayName: spec.person.user.displayName,
    userPrincipalName: spec.person.user.userPrincipalName,
    // additionalInfo is a JSON string, not an object.
    additionalInfo: JSON.stringify([{ Key: 'userAgent', Value: spec.userAgent }]),
  };
}

export function securityAlert(
  ctx: TenantContext,
  prng: Prng,
  spec: {
    at: number;
    title: string;
    description: string;
    severity: string;
    serviceSource: string;
    detectionSource: string;
    category: string;
    mitreTechniques: string[];
    person: Person;
  },
): SecurityAlert {
  const id = `${spec.serviceSource === 'azureAdIdentityProtection' ? 'ad' : 'fa'}${prng.hex(30)}`;
  return {
    '@odata.type': '#microsoft.graph.security.alert',
    id,
    providerAlertId: prng.guid(),
    incidentId: String(prng.int(100, 9999)),
    status: 'new',
    severity: spec.severity,
    classification: 'unknown',
    determination: 'unknown',
    serviceSource: spec.serviceSource,
    detectionSource: spec.detectionSource,
    detectorId: prng.guid(),
    tenantId: ctx.tenantId,
    title: spec.title,
    description: spec.description,
    recommendedActions: '',
    category: spec.category,
    assignedTo: null,
    alertWebUrl: `https://security.microsoft.com/alerts/${id}?tid=${ctx.tenantId}`,
    incidentWebUrl: `https://security.microsoft.com/incidents/${prng.int(100, 9999)}?tid=${ctx.tenantId}`,
    actorDisplayName: null,
    threatDisplayName: null,
    threatFamilyName: null,
    mitreTechniques: spec.mitreTechniques,
    createdDateTime: toGraphTime(spec.at),
    lastUpdateDateTime: toGraphTime(spec.at),
    resolvedDateTime: null,
    firstActivityDateTime: toGraphTime(spec.at - 5 * 60_000),
    lastActivityDateTime: toGraphTime(spec.at),
    comments: [],
    evidence: [
      {
        '@odata.type': '#microsoft.graph.security.userEvidence',
        createdDateTime: toGraphTime(spec.at),
        verdict: 'suspicious',
        remediationStatus: 'none',
        remediationStatusDetails: null,
        roles: ['compromised'],
        tags: [],
        userAccount: {
          accountName: spec.person.alias,
          domainName: ctx.domain,
          userSid: null,
          azureAdUserId: spec.person.user.id,
          userPrincipalName: spec.person.user.userPrincipalName,
          displayName: spec.person.user.displayName,
        },
      },
    ],
    systemTags: [],
  };
}

export { clientIpForm };
