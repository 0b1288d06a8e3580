/**
 * The simulator's whole world: registered apps, tenants and their entities, content blobs,
 * subscriptions, faults, the clock and the request log. Every HTTP answer is computed from
 * this state; nothing is canned.
 */
import { X509Certificate, createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { createPrng, type Prng } from './prng.ts';
import type { SimClock } from './clock.ts';
import { tenantFaultsSchema, type DeliveryFaults, type TenantFaults } from './faults.ts';
import {
  contentTypeForRecord,
  type AuditRecord,
  type ContentType,
  type DirectoryAudit,
  type GraphUser,
  type RiskDetection,
  type RiskyUser,
  type SecurityAlert,
  type SignIn,
} from './records.ts';
import type { SigningKeys } from './access-token.ts';
import type { AuthenticationMethod } from './authentication-methods.ts';
import { applyAuditedMailboxChanges, type MailboxForwarding } from './mailboxes.ts';
import { historyItem, recordRiskyUserHistory, type RiskyUserHistoryItem } from './risky-users.ts';
import {
  exchangeServicePrincipal,
  graphServicePrincipal,
  derivedId,
  EXCHANGE_APP_ID,
  GRAPH_APP_ID,
  type AppRoleAssignment,
  type MessageRule,
  type OAuth2PermissionGrant,
  type ServicePrincipal,
  type SimDrive,
  type SimTeam,
  type SubscribedSku,
  type TransportRule,
  type UnifiedRoleAssignment,
  type UserRegistrationDetails,
} from './directory.ts';

/** The two resources a collector asks tokens for. */
export const RESOURCES = {
  graph: { uri: 'https://graph.microsoft.com', appId: '00000003-0000-0000-c000-000000000000', displayName: 'Microsoft Graph' },
  manage: { uri: 'https://manage.office.com', appId: 'c5393580-f805-4401-95e8-94b7a6ef2fc2', displayName: 'Office 365 Management APIs' },
  /** The Exchange Online admin API (InvokeCommand), as the Exchange Online PowerShell module calls it. */
  exchange: { uri: 'https://outlook.office365.com', appId: '00000002-0000-0ff1-ce00-000000000000', displayName: 'Office 365 Exchange Online' },
} as const;
export type ResourceKey = keyof typeof RESOURCES;

export interface AppSecret {
  /** The secret value the client sends as client_secret. */
  value: string;
  /** Optional expiry (ISO); an expired secret gives AADSTS7000222. */
  endDateTime?: string;
}

export interface AppCertificate {
  /** PEM certificate; its SHA-1/SHA-256 thumbprints identify it in the assertion's x5t / x5t#S256. */
  certificatePem: string;
  endDateTime?: string;
}

/** An app registration (a multi-tenant app in the MSP's own tenant). */
export interface AppRegistration {
  appId: string;
  displayName: string;
  secrets?: AppSecret[];
  certificates?: AppCertificate[];
  /**
   * Redirect (reply) URIs of the Web platform. Sign-in and admin consent redirect only to one of
   * these, compared exactly; anything else is AADSTS50011, shown as a page.
   */
  redirectUris?: string[];
  /**
   * The application permissions the registration lists under "API permissions", per resource.
   * Admin consent (`/adminconsent`, or `.default`) grants exactly these in the tenant.
   */
  requiredRoles?: Partial<Record<ResourceKey, string[]>>;
  /** "Allow public client flows": an authorization code may be redeemed without a client credential (PKCE protects it). */
  publicClient?: boolean;
}

/** The app's service principal in a customer tenant and the application permissions an admin consented to. */
export interface AppConsent {
  appId: string;
  /** Application permissions per resource, e.g. `{ graph: ['AuditLog.Read.All'], manage: ['ActivityFeed.Read'] }`. */
  roles: Partial<Record<ResourceKey, string[]>>;
  /** Object id of the service principal in this tenant (the token's `oid`). Derived from the tenant and app ids when omitted. */
  servicePrincipalId?: string;
}

export interface AuditInput {
  record: AuditRecord;
  /** Defaults to the content type of the record's workload. */
  contentType?: ContentType;
  /** When Microsoft publishes the record in a content blob (ISO). Default: CreationTime + the tenant's audit latency. */
  publishAt?: string;
}

/** Everything needed to create one simulated tenant. */
export interface TenantScenario {
  tenantId: string;
  displayName: string;
  /** `contoso.onmicrosoft.com` */
  initialDomain: string;
  verifiedDomains?: string[];
  consents: AppConsent[];
  /** Resource service principals present in the tenant; a missing one gives AADSTS500011. Default: all three. */
  provisionedResources?: ResourceKey[];
  users?: GraphUser[];
  signIns?: SignIn[];
  directoryAudits?: DirectoryAudit[];
  alerts?: SecurityAlert[];
  riskDetections?: RiskDetection[];
  riskyUsers?: RiskyUser[];
  audit?: AuditInput[];
  /** The directory and workload objects enrichment reads (see directory.ts). */
  directory?: DirectoryScenario;
  /** Delay between an event and its appearance in Graph audit logs (ms). Default 0. */
  graphLatencyMs?: number;
  /** Default delay between CreationTime and publication in a content blob (ms). Default 0. */
  auditLatencyMs?: number;
  /** Content types already subscribed when the simulator starts (no webhook). */
  subscriptions?: ContentType[];
  faults?: Partial<TenantFaults>;
  /** Seed for this tenant's fault PRNG. Default: the tenant id. */
  seed?: string | number;
  /** Sign-in passwords by user id or UPN; every other user signs in with `DEFAULT_USER_PASSWORD`. */
  passwords?: Record<string, string>;
}

/** The password every simulated user signs in with unless the scenario or `PUT /_sim/tenants/{id}/users/{user}/password` sets another. */
export const DEFAULT_USER_PASSWORD = 'Sim-Passw0rd!';

/** Built-in roles that may grant tenant-wide admin consent to Microsoft Graph application permissions. */
export const ADMIN_CONSENT_ROLE_IDS: readonly string[] = [
  '62e90394-69f5-4237-9190-012177145e10', // Global Administrator
  'e8611ab8-c189-46e8-94e1-60213ab1f814', // Privileged Role Administrator
];

/**
 * Directory objects of a tenant beyond users. Microsoft's own service principals (Graph,
 * Exchange Online) and those of consented collector apps are added by the simulator.
 */
export interface DirectoryScenario {
  subscribedSkus?: SubscribedSku[];
  registrationDetails?: UserRegistrationDetails[];
  roleAssignments?: UnifiedRoleAssignment[];
  servicePrincipals?: ServicePrincipal[];
  oauth2PermissionGrants?: OAuth2PermissionGrant[];
  appRoleAssignments?: AppRoleAssignment[];
  /** Deleted users and service principals, as /directory/deletedItems lists them (with deletedDateTime). */
  deletedUsers?: (GraphUser & { deletedDateTime: string })[];
  deletedServicePrincipals?: ServicePrincipal[];
  /** Inbox rules by mailbox owner's user id. */
  messageRules?: Record<string, MessageRule[]>;
  /** Mail folders a user created, by user id (every mailbox also has the well-known ones). */
  mailFolders?: Record<string, string[]>;
  drives?: SimDrive[];
  transportRules?: TransportRule[];
  /** Teams and the apps installed in them. */
  teams?: SimTeam[];
}

export interface SimDirectory {
  subscribedSkus: SubscribedSku[];
  registrationDetails: UserRegistrationDetails[];
  roleAssignments: UnifiedRoleAssignment[];
  servicePrincipals: ServicePrincipal[];
  oauth2PermissionGrants: OAuth2PermissionGrant[];
  appRoleAssignments: AppRoleAssignment[];
  deletedUsers: (GraphUser & { deletedDateTime: string })[];
  deletedServicePrincipals: ServicePrincipal[];
  messageRules: Map<string, MessageRule[]>;
  mailFolders: Map<string, string[]>;
  drives: SimDrive[];
  transportRules: TransportRule[];
  teams: SimTeam[];
  /** Registered authentication methods by user id, derived from registrationDetails on first use (authentication-methods.ts). */
  authenticationMethods: Map<string, AuthenticationMethod[]>;
  /** Mailbox forwarding by user id; a mailbox without an entry forwards nowhere (mailboxes.ts). */
  mailboxes: Map<string, MailboxForwarding>;
  /** Every state each risky user had, oldest first (risky-users.ts). */
  riskyUserHistory: Map<string, RiskyUserHistoryItem[]>;
}

export interface Timed<T> {
  availableAt: number;
  value: T;
}

export interface ContentBlob {
  seq: number;
  contentType: ContentType;
  contentId: string;
  contentCreated: number;
  records: AuditRecord[];
  /** Whether subscribers with a webhook have been notified. */
  notified: boolean;
}

export interface WebhookConfig {
  address: string;
  authId: string | null;
  expiration: string | null;
  status: 'enabled' | 'disabled' | 'expired';
}

export interface NotificationLogEntry {
  contentId: string;
  contentCreated: number;
  notificationSent: number;
  notificationStatus: 'Succeeded' | 'Failed';
}

export interface Subscription {
  contentType: ContentType;
  status: 'enabled' | 'disabled';
  webhook: WebhookConfig | null;
  /** Periods during which the subscription was stopped: content created then is lost, as Microsoft documents. */
  stoppedIntervals: { from: number; to?: number }[];
  notifications: NotificationLogEntry[];
  /** The app that started the subscription (sent as clientId in notifications). */
  clientId?: string;
  /** Simulated instant of the last /start, for the 15-minute re-start guidance. */
  lastStartedAt?: number;
  /** Consecutive failed deliveries; the webhook is disabled after too many. */
  failedDeliveries: number;
}

export interface SimTenant {
  id: string;
  displayName: string;
  initialDomain: string;
  domains: string[];
  consents: Map<string, AppConsent>;
  provisionedResources: Set<ResourceKey>;
  users: GraphUser[];
  signIns: Timed<SignIn>[];
  directoryAudits: Timed<DirectoryAudit>[];
  alerts: Timed<SecurityAlert>[];
  riskDetections: Timed<RiskDetection>[];
  riskyUsers: Timed<RiskyUser>[];
  directory: SimDirectory;
  graphLatencyMs: number;
  auditLatencyMs: number;
  blobs: ContentBlob[];
  subscriptions: Map<ContentType, Subscription>;
  faults: TenantFaults;
  faultPrng: Prng;
  deliveryPrng: Prng;
  /** Passwords set for particular users, by lower-case user id. */
  passwords: Map<string, string>;
}

/** An interactive sign-in in progress (between showing the form and redirecting back). */
export interface PendingSignIn {
  flowToken: string;
  kind: 'authorize' | 'adminconsent';
  /** `adminconsent` only: v2 (`/{tenant}/v2.0/adminconsent`) or v1 (`/{tenant}/adminconsent`). */
  version: 'v1' | 'v2';
  /** The tenant the URL named, when it was not `common` / `organizations`. */
  pinnedTenantId?: string;
  appId: string;
  redirectUri: string;
  responseMode: 'query' | 'fragment' | 'form_post';
  state?: string;
  nonce?: string;
  /** Requested scopes as sent (`openid`, `User.Read`, `https://graph.microsoft.com/.default`…). */
  scopes: string[];
  codeChallenge?: string;
  codeChallengeMethod?: 'S256' | 'plain';
  loginHint?: string;
  stage: 'credentials' | 'consent' | 'approval-required';
  /** Set once the user's password was accepted. */
  user?: { tenantId: string; userId: string };
  expiresAt: number;
}

/** What an authorization code or refresh token stands for. */
export interface UserGrant {
  tenantId: string;
  userId: string;
  appId: string;
  /** Delegated Microsoft Graph permissions (`User.Read`) and OpenID scopes (`openid`, `profile`, `email`, `offline_access`). */
  scopes: string[];
}

export interface IssuedCode extends UserGrant {
  redirectUri: string;
  nonce?: string;
  codeChallenge?: string;
  codeChallengeMethod?: 'S256' | 'plain';
  expiresAt: number;
  redeemed: boolean;
}

export interface RegisteredApp extends AppRegistration {
  certificateKeys: { thumbprintSha1: string; thumbprintSha256: string; publicKey: KeyObject; endDateTime?: string }[];
}

export interface RequestLogEntry {
  seq: number;
  simTime: string;
  method: string;
  path: string;
  query: string;
  api: 'token' | 'discovery' | 'graph' | 'management' | 'exchange' | 'control' | 'other';
  status: number;
  tenantId?: string;
  appId?: string;
  fault?: string;
  durationMs: number;
  /** The client's TCP port: tells apart the connections (and so the processes) requests came on. */
  clientPort?: number;
}

export interface SimOptions {
  clock: SimClock;
  signingKeys: SigningKeys;
  /** Access token lifetime in seconds. Default 3599, like Entra. Keep it above 300: msal-node refreshes 5 minutes before expiry. */
  tokenLifetimeSeconds?: number;
  /** Blobs listed per /subscriptions/content page. Default 200. */
  contentPageSize?: number;
  /** Records in one blob at most. Default 1000. */
  maxRecordsPerBlob?: number;
  /** Records published within this window go into the same blob. Default 5 minutes. */
  blobWindowMs?: number;
  requestLogLimit?: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;
export const CONTENT_RETENTION_MS = 7 * DAY_MS;

export class SimState {
  readonly clock: SimClock;
  readonly signingKeys: SigningKeys;
  readonly tenants = new Map<string, SimTenant>();
  readonly apps = new Map<string, RegisteredApp>();
  readonly requestLog: RequestLogEntry[] = [];
  readonly tokenLifetimeSeconds: number;
  readonly contentPageSize: number;
  readonly maxRecordsPerBlob: number;
  readonly blobWindowMs: number;
  private readonly requestLogLimit: number;
  /** Interactive sign-ins in progress, by flow token. */
  readonly pendingSignIns = new Map<string, PendingSignIn>();
  readonly authorizationCodes = new Map<string, IssuedCode>();
  readonly refreshTokens = new Map<string, UserGrant>();
  private requestSeq = 0;
  private blobSeq = 0;
  /** Origin of the running server (`http://127.0.0.1:PORT`), for links built outside a request (webhook notifications). */
  publicOrigin = '';

  constructor(options: SimOptions) {
    this.clock = options.clock;
    this.signingKeys = options.signingKeys;
    this.tokenLifetimeSeconds = options.tokenLifetimeSeconds ?? 3599;
    this.contentPageSize = options.contentPageSize ?? 200;
    this.maxRecordsPerBlob = options.maxRecordsPerBlob ?? 1000;
    this.blobWindowMs = options.blobWindowMs ?? 5 * 60 * 1000;
    this.requestLogLimit = options.requestLogLimit ?? 10_000;
  }

  now(): number {
    return this.clock.now();
  }

  registerApp(app: AppRegistration): RegisteredApp {
    const certificateKeys = (app.certificates ?? []).map((cert) => {
      const x509 = new X509Certificate(cert.certificatePem);
      return {
        thumbprintSha1: createHash('sha1').update(x509.raw).digest('hex').toUpperCase(),
        thumbprintSha256: createHash('sha256').update(x509.raw).digest('hex').toUpperCase(),
        publicKey: createPublicKey(cert.certificatePem),
        ...(cert.endDateTime ? { endDateTime: cert.endDateTime } : {}),
      };
    });
    const registered: RegisteredApp = { ...app, certificateKeys };
    this.apps.set(app.appId.toLowerCase(), registered);
    return registered;
  }

  addTenant(scenario: TenantScenario): SimTenant {
    const id = scenario.tenantId.toLowerCase();
    if (this.tenants.has(id)) throw new Error(`tenant ${scenario.tenantId} is defined twice`);
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(id)) throw new Error(`tenant id ${scenario.tenantId} is not a GUID`);
    const faults = tenantFaultsSchema.parse(scenario.faults ?? {});
    const seed = scenario.seed ?? id;
    const tenant: SimTenant = {
      id,
      displayName: scenario.displayName,
      initialDomain: scenario.initialDomain.toLowerCase(),
      domains: [scenario.initialDomain, ...(scenario.verifiedDomains ?? [])].map((d) => d.toLowerCase()),
      consents: new Map(scenario.consents.map((c) => [c.appId.toLowerCase(), c])),
      provisionedResources: new Set(scenario.provisionedResources ?? (['graph', 'manage', 'exchange'] as const)),
      users: [...(scenario.users ?? [])],
      signIns: [],
      directoryAudits: [],
      alerts: [],
      riskDetections: [],
      riskyUsers: [],
      directory: this.buildDirectory(id, scenario),
      graphLatencyMs: scenario.graphLatencyMs ?? 0,
      auditLatencyMs: scenario.auditLatencyMs ?? 0,
      blobs: [],
      subscriptions: new Map(),
      faults,
      faultPrng: createPrng(`${String(seed)}/faults`),
      deliveryPrng: createPrng(`${String(seed)}/delivery`),
      passwords: new Map(),
    };
    for (const [who, password] of Object.entries(scenario.passwords ?? {})) {
      const user = findUser(tenant, who);
      if (!user) throw new Error(`tenant ${scenario.tenantId}: a password is set for unknown user ${who}`);
      tenant.passwords.set(user.id.toLowerCase(), password);
    }
    this.tenants.set(id, tenant);
    this.addGraphRecords(tenant, scenario);
    for (const contentType of scenario.subscriptions ?? []) {
      tenant.subscriptions.set(contentType, { contentType, status: 'enabled', webhook: null, stoppedIntervals: [], notifications: [], failedDeliveries: 0 });
    }
    if (scenario.audit) {
      applyAuditedMailboxChanges(
        tenant,
        scenario.audit.map((a) => a.record),
      );
      // Content already published when the tenant appears predates every webhook: never notified.
      const now = this.now();
      for (const blob of this.ingestAudit(tenant, scenario.audit)) blob.notified = blob.contentCreated <= now;
    }
    return tenant;
  }

  /**
   * The tenant's directory from its scenario, plus what Microsoft puts in every tenant: the
   * Microsoft Graph and Exchange Online service principals, and for each consented app its
   * service principal with one app role assignment per consented Graph permission.
   */
  private buildDirectory(tenantId: string, scenario: TenantScenario): SimDirectory {
    const d = scenario.directory ?? {};
    const graph = graphServicePrincipal(tenantId);
    const exchange = exchangeServicePrincipal(tenantId);
    const servicePrincipals: ServicePrincipal[] = [graph, exchange];
    const appRoleAssignments: AppRoleAssignment[] = [];
    for (const consent of scenario.consents) {
      const objects = this.consentObjects(tenantId, consent, graph, exchange);
      servicePrincipals.push(objects.servicePrincipal);
      appRoleAssignments.push(...objects.appRoleAssignments);
    }
    // Microsoft's own principals exist once per tenant; a scenario only adds others.
    // One service principal per object id: a consent naming a scenario's principal (its servicePrincipalId) is that principal.
    for (const sp of d.servicePrincipals ?? [])
      if (sp.appId !== GRAPH_APP_ID && sp.appId !== EXCHANGE_APP_ID && !servicePrincipals.some((s) => s.id === sp.id)) servicePrincipals.push(sp);
    return {
      subscribedSkus: [...(d.subscribedSkus ?? [])],
      registrationDetails: [...(d.registrationDetails ?? [])],
      roleAssignments: [...(d.roleAssignments ?? [])],
      servicePrincipals,
      oauth2PermissionGrants: [...(d.oauth2PermissionGrants ?? [])],
      appRoleAssignments: [...appRoleAssignments, ...(d.appRoleAssignments ?? [])],
      deletedUsers: [...(d.deletedUsers ?? [])],
      deletedServicePrincipals: [...(d.deletedServicePrincipals ?? [])],
      messageRules: new Map(Object.entries(d.messageRules ?? {}).map(([userId, rules]) => [userId.toLowerCase(), [...rules]])),
      mailFolders: new Map(Object.entries(d.mailFolders ?? {}).map(([userId, names]) => [userId.toLowerCase(), [...names]])),
      drives: [...(d.drives ?? [])],
      transportRules: [...(d.transportRules ?? [])],
      teams: (d.teams ?? []).map((t) => ({ ...t, installedApps: [...t.installedApps] })),
      authenticationMethods: new Map(),
      mailboxes: new Map(),
      riskyUserHistory: new Map(),
    };
  }

  /** An app's service principal in a tenant, with one app role assignment per consented Graph or Exchange permission. */
  private consentObjects(
    tenantId: string,
    consent: AppConsent,
    graph: ServicePrincipal,
    exchange: ServicePrincipal,
  ): { servicePrincipal: ServicePrincipal; appRoleAssignments: AppRoleAssignment[] } {
    const registered = this.apps.get(consent.appId.toLowerCase());
    const spId = consent.servicePrincipalId ?? createPrng(`${tenantId}/${consent.appId}/sp`).guid();
    const name = registered?.displayName ?? consent.appId;
    const servicePrincipal: ServicePrincipal = {
      ...graph,
      id: spId,
      appId: consent.appId,
      displayName: name,
      appDisplayName: name,
      appOwnerOrganizationId: derivedId('msp-tenant', consent.appId),
      publisherName: name,
      signInAudience: 'AzureADMultipleOrgs',
      tags: ['WindowsAzureActiveDirectoryIntegratedApp'],
      appRoles: [],
      oauth2PermissionScopes: [],
    };
    const appRoleAssignments: AppRoleAssignment[] = [];
    for (const [resource, roles] of [
      [graph, consent.roles.graph ?? []],
      [exchange, consent.roles.exchange ?? []],
    ] as const) {
      for (const value of roles) {
        const role = resource.appRoles.find((r) => r.value === value);
        if (!role) continue;
        appRoleAssignments.push({
          id: derivedId(tenantId, spId, role.id),
          appRoleId: role.id,
          createdDateTime: '2024-01-15T09:30:00Z',
          deletedDateTime: null,
          principalDisplayName: name,
          principalId: spId,
          principalType: 'ServicePrincipal',
          resourceDisplayName: resource.displayName,
          resourceId: resource.id,
        });
      }
    }
    return { servicePrincipal, appRoleAssignments };
  }

  /**
   * Tenant-wide admin consent to an app: its service principal appears in the tenant (if it was
   * not there) and every application permission the registration requires is granted, on top of
   * what was granted before. Client-credential tokens carry the new roles from the next request.
   */
  grantAdminConsent(tenant: SimTenant, app: RegisteredApp): AppConsent {
    const key = app.appId.toLowerCase();
    const before = tenant.consents.get(key);
    const roles: AppConsent['roles'] = { ...(before?.roles ?? {}) };
    for (const [resource, required] of Object.entries(app.requiredRoles ?? {}) as [ResourceKey, string[]][]) {
      roles[resource] = [...new Set([...(roles[resource] ?? []), ...required])];
    }
    const consent: AppConsent = { ...(before ?? {}), appId: app.appId, roles };
    tenant.consents.set(key, consent);
    const graph = tenant.directory.servicePrincipals.find((sp) => sp.appId === GRAPH_APP_ID) ?? graphServicePrincipal(tenant.id);
    const exchange = tenant.directory.servicePrincipals.find((sp) => sp.appId === EXCHANGE_APP_ID) ?? exchangeServicePrincipal(tenant.id);
    const objects = this.consentObjects(tenant.id, consent, graph, exchange);
    if (!tenant.directory.servicePrincipals.some((sp) => sp.id === objects.servicePrincipal.id))
      tenant.directory.servicePrincipals.push(objects.servicePrincipal);
    for (const assignment of objects.appRoleAssignments) {
      if (!tenant.directory.appRoleAssignments.some((a) => a.id === assignment.id)) tenant.directory.appRoleAssignments.push(assignment);
    }
    return consent;
  }

  /** Whether the user holds a role that can grant tenant-wide consent (Global or Privileged Role Administrator). */
  canGrantAdminConsent(tenant: SimTenant, userId: string): boolean {
    return tenant.directory.roleAssignments.some((a) => a.principalId === userId && ADMIN_CONSENT_ROLE_IDS.includes(a.roleDefinitionId));
  }

  /** A user's sign-in password: the one set for them, or the default. */
  userPassword(tenant: SimTenant, userId: string): string {
    return tenant.passwords.get(userId.toLowerCase()) ?? DEFAULT_USER_PASSWORD;
  }

  /** A user by UPN in any tenant: how `common` / `organizations` find the home tenant. */
  findUserByUpn(upn: string): { tenant: SimTenant; user: GraphUser } | undefined {
    const key = upn.trim().toLowerCase();
    for (const tenant of this.tenants.values()) {
      const user = tenant.users.find((u) => u.userPrincipalName.toLowerCase() === key);
      if (user) return { tenant, user };
    }
    return undefined;
  }

  /** Finds a tenant by GUID or by one of its domains, the way the token endpoint accepts either. */
  findTenant(idOrDomain: string): SimTenant | undefined {
    const key = idOrDomain.toLowerCase();
    const byId = this.tenants.get(key);
    if (byId) return byId;
    for (const tenant of this.tenants.values()) if (tenant.domains.includes(key)) return tenant;
    return undefined;
  }

  addGraphRecords(
    tenant: SimTenant,
    records: Pick<TenantScenario, 'users' | 'signIns' | 'directoryAudits' | 'alerts' | 'riskDetections' | 'riskyUsers'>,
  ): void {
    const timed = <T>(value: T, at: string): Timed<T> => ({ availableAt: Date.parse(at) + tenant.graphLatencyMs, value });
    if (records.users && records.users !== tenant.users) {
      for (const user of records.users) {
        const index = tenant.users.findIndex((u) => u.id === user.id);
        if (index >= 0) tenant.users[index] = user;
        else tenant.users.push(user);
      }
    }
    for (const s of records.signIns ?? []) tenant.signIns.push(timed(s, s.createdDateTime));
    for (const a of records.directoryAudits ?? []) tenant.directoryAudits.push(timed(a, a.activityDateTime));
    for (const a of records.alerts ?? []) tenant.alerts.push(timed(a, a.createdDateTime));
    for (const r of records.riskDetections ?? []) tenant.riskDetections.push(timed(r, r.detectedDateTime));
    for (const r of records.riskyUsers ?? []) {
      tenant.riskyUsers.push(timed(r, r.riskLastUpdatedDateTime));
      const eventTypes = [
        ...new Set(tenant.riskDetections.filter((d) => d.value.userId === r.id && d.value.riskState === r.riskState).map((d) => d.value.riskEventType)),
      ];
      recordRiskyUserHistory(tenant, historyItem(r, null, eventTypes));
    }
  }

  /**
   * Packs audit records into content blobs the way the service does: per content type, records
   * published close together share a blob. Delivery faults (duplicates, lateness, shuffling) are
   * applied here, from the tenant's seeded PRNG.
   */
  ingestAudit(tenant: SimTenant, inputs: AuditInput[], delivery: DeliveryFaults = tenant.faults.delivery): ContentBlob[] {
    const prng = tenant.deliveryPrng;
    const [lateMin, lateMax] = delivery.lateMinutes ?? [360, 1440];
    const groups = new Map<string, { contentType: ContentType; publishAt: number; record: AuditRecord }[]>();
    const put = (contentType: ContentType, publishAt: number, record: AuditRecord): void => {
      const key = `${contentType}|${Math.floor(publishAt / this.blobWindowMs)}`;
      const list = groups.get(key) ?? [];
      list.push({ contentType, publishAt, record });
      groups.set(key, list);
    };
    for (const input of inputs) {
      const created = Date.parse(`${input.record.CreationTime}Z`);
      if (!Number.isFinite(created)) throw new Error(`audit record ${input.record.Id} has an invalid CreationTime ${input.record.CreationTime}`);
      const contentType = input.contentType ?? contentTypeForRecord(input.record);
      let publishAt = input.publishAt ? Date.parse(input.publishAt) : created + tenant.auditLatencyMs;
      if (prng.chance(delivery.lateRate ?? 0)) publishAt = created + prng.int(lateMin, lateMax) * 60_000;
      put(contentType, publishAt, input.record);
      if (prng.chance(delivery.duplicateRate ?? 0)) {
        // The copy lands in a later blob, so a collector that trusts blob boundaries sees it twice.
        put(contentType, publishAt + this.blobWindowMs * prng.int(1, 3), input.record);
      }
    }
    const created: ContentBlob[] = [];
    const ordered = [...groups.values()].sort((a, b) => (a[0]?.publishAt ?? 0) - (b[0]?.publishAt ?? 0));
    for (const group of ordered) {
      const sorted = delivery.outOfOrder ? prng.shuffle(group) : [...group].sort((a, b) => a.record.CreationTime.localeCompare(b.record.CreationTime));
      for (let i = 0; i < sorted.length; i += this.maxRecordsPerBlob) {
        const chunk = sorted.slice(i, i + this.maxRecordsPerBlob);
        const first = chunk[0];
        if (!first) continue;
        const contentCreated = Math.max(...chunk.map((c) => c.publishAt));
        const blob = this.createBlob(
          first.contentType,
          contentCreated,
          chunk.map((c) => c.record),
        );
        tenant.blobs.push(blob);
        created.push(blob);
      }
    }
    return created;
  }

  private createBlob(contentType: ContentType, contentCreated: number, records: AuditRecord[]): ContentBlob {
    const seq = ++this.blobSeq;
    const stamp = new Date(contentCreated).toISOString().replace(/[-:TZ.]/g, '');
    const serial = `${stamp}${String(seq).padStart(6, '0')}`;
    const lower = contentType.toLowerCase().replace('.', '_');
    // Microsoft content ids carry literal `$` separators; clients must not mangle them.
    const contentId = `${serial}$${serial}$${lower}$${contentType.replace('.', '_')}$na${String(seq % 10_000).padStart(4, '0')}`;
    return { seq, contentType, contentId, contentCreated, records, notified: false };
  }

  logRequest(entry: Omit<RequestLogEntry, 'seq'>): void {
    this.requestLog.push({ seq: ++this.requestSeq, ...entry });
    if (this.requestLog.length > this.requestLogLimit) this.requestLog.splice(0, this.requestLog.length - this.requestLogLimit);
  }

  /** Deterministic service principal id for an app in a tenant when the scenario did not give one. */
  servicePrincipalId(tenant: SimTenant, consent: AppConsent): string {
    if (consent.servicePrincipalId) return consent.servicePrincipalId;
    return createPrng(`${tenant.id}/${consent.appId}/sp`).guid();
  }
}

/** A user of a tenant by object id or UPN (case-insensitive). */
export function findUser(tenant: Pick<SimTenant, 'users'>, idOrUpn: string): GraphUser | undefined {
  const key = idOrUpn.toLowerCase();
  return tenant.users.find((u) => u.id.toLowerCase() === key || u.userPrincipalName.toLowerCase() === key);
}
