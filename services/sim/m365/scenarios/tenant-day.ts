/**
 * An ordinary working day in a tenant, generated from a seed: every user signs in from their
 * usual networks (sometimes after a mistyped password or an MFA prompt), reads mail, works on
 * SharePoint files; a few create benign inbox rules; the helpdesk resets some passwords.
 * Each sign-in appears both in Graph signIns and as a UserLoggedIn/UserLoginFailed audit
 * record; audit records are published 20–90 minutes after they happen.
 */
import { createPrng, type Prng } from '../prng.ts';
import type { AuditRecord, DirectoryAudit, SignIn } from '../records.ts';
import type { AppConsent, AuditInput, DirectoryScenario, TenantScenario } from '../state.ts';
import { BUILT_IN_ROLES, derivedId, SKU_PART_NUMBERS, type MessageRule, type UserRegistrationDetails } from '../directory.ts';
import { toGraphTime } from '../clock.ts';
import { mailFolderId, messageRuleId } from './mail-folders.ts';
import {
  APPS,
  DEVICES,
  clientIpForm,
  directoryRecords,
  exchangeCmdlet,
  inboxRuleObjectId,
  mailboxIdentity,
  mailItemsAccessed,
  SERVICE_ACTORS,
  sharePointRecord,
  signInRecords,
  type ClientApp,
  type Person,
  type TenantContext,
} from './builders.ts';
import { createPerson } from './people.ts';

export interface TenantDayOptions {
  seed: string | number;
  /** `YYYY-MM-DD` (UTC). */
  day: string;
  userCount: number;
  ctx: TenantContext;
  consents: AppConsent[];
}

export interface TenantDay {
  ctx: TenantContext;
  people: Person[];
  dayStart: number;
  signIns: SignIn[];
  directoryAudits: DirectoryAudit[];
  audit: AuditInput[];
  /** Licences, MFA registration, roles and inbox rules; story events add to it. */
  directory: Required<Pick<DirectoryScenario, 'subscribedSkus' | 'registrationDetails' | 'roleAssignments' | 'messageRules'>> & DirectoryScenario;
  prng: Prng;
  /** Builds the scenario from everything generated so far (call after adding story events). */
  toScenario(extra?: Partial<TenantScenario>): TenantScenario;
  /** Queues an audit record, published after the usual latency. */
  publish(record: AuditRecord, at: number): void;
}

const MINUTE = 60_000;
const SITES = ['Marketing', 'Sales', 'Engineering', 'Finance', 'HR', 'Operations'];
const FILES = [
  'Q2 Plan.docx',
  'Budget 2024.xlsx',
  'Customer List.xlsx',
  'Roadmap.pptx',
  'Meeting Notes.docx',
  'Campaign Brief.docx',
  'Pricing.xlsx',
  'Onboarding.pdf',
];

export function generateTenantDay(options: TenantDayOptions): TenantDay {
  const root = createPrng(options.seed);
  const peoplePrng = root.fork('people');
  const activity = root.fork('activity');
  const latency = root.fork('latency');
  const { ctx } = options;
  const dayStart = Date.parse(`${options.day}T00:00:00Z`);
  if (!Number.isFinite(dayStart)) throw new Error(`invalid day ${options.day}`);

  const taken = new Set<string>();
  const people: Person[] = [];
  people.push(createPerson(ctx, peoplePrng, dayStart, taken, { jobTitle: 'IT Administrator', isAdmin: true, region: 0 }));
  people.push(createPerson(ctx, peoplePrng, dayStart, taken, { jobTitle: 'Helpdesk Technician', isAdmin: true, region: 0 }));
  while (people.length < options.userCount) people.push(createPerson(ctx, peoplePrng, dayStart, taken));

  const signIns: SignIn[] = [];
  const directoryAudits: DirectoryAudit[] = [];
  const audit: AuditInput[] = [];
  const publish = (record: AuditRecord, at: number): void => {
    audit.push({ record, publishAt: new Date(at + latency.int(20, 90) * MINUTE + latency.int(0, 59) * 1000).toISOString() });
  };
  const localToUtc = (person: Person, hour: number, minute: number): number =>
    dayStart + (hour - person.utcOffsetHours) * 3_600_000 + minute * MINUTE + activity.int(0, 59) * 1000;

  const directory = buildDirectory(root.fork('directory'), ctx, people, dayStart);
  // A few people (about 3 %, at least two) create a benign rule today, so look-alikes always exist.
  const ruleMakers = new Set(activity.shuffle(people.slice(2)).slice(0, Math.max(2, Math.round(people.length * 0.03))));

  for (const person of people) {
    const p = activity;
    const startHour = p.int(7, 9);
    const endHour = p.int(16, 18);
    const when = (): number => localToUtc(person, p.int(startHour, endHour - 1), p.int(0, 59));
    const network = (): Person['home'] => (p.chance(0.8) ? person.home : person.roaming);

    const sessions = p.int(1, 3);
    for (let s = 0; s < sessions; s++) {
      const at = when();
      const net = network();
      const app = p.weighted<ClientApp>([
        [APPS.officeHome, 3],
        [APPS.outlookWeb, 3],
        [APPS.teams, 2],
        [APPS.officeDesktop, 2],
      ]);
      const ip = net.address(p);
      if (p.chance(0.06)) {
        const typo = signInRecords(ctx, p, { person, at: at - p.int(1, 3) * MINUTE, network: net, app, errorCode: 50126, ipAddress: ip });
        signIns.push(typo.graph);
        publish(typo.audit, at);
      }
      if (p.chance(0.08)) {
        const mfa = signInRecords(ctx, p, { person, at: at - p.int(20, 50) * 1000, network: net, app, errorCode: 50074, ipAddress: ip });
        signIns.push(mfa.graph);
        publish(mfa.audit, at);
      }
      const ok = signInRecords(ctx, p, { person, at, network: net, app, ipAddress: ip });
      signIns.push(ok.graph);
      publish(ok.audit, at);
      const activityInfo = person.user.signInActivity;
      if (!activityInfo.lastSignInDateTime || activityInfo.lastSignInDateTime < ok.graph.createdDateTime) {
        activityInfo.lastSignInDateTime = ok.graph.createdDateTime;
        activityInfo.lastSignInRequestId = ok.graph.id;
        activityInfo.lastSuccessfulSignInDateTime = ok.graph.createdDateTime;
        activityInfo.lastSuccessfulSignInRequestId = ok.graph.id;
      }
    }

    // Token refreshes from desktop and mobile apps: audit log only (Graph v1.0 lists interactive sign-ins).
    for (let n = p.int(1, 3); n > 0; n--) {
      const at = when();
      const refresh = signInRecords(ctx, p, {
        person,
        at,
        network: network(),
        app: p.pick([APPS.teams, APPS.outlookMobile]),
        device: DEVICES.iosOutlook,
        interactive: false,
      });
      publish(refresh.audit, at);
      const lastRefresh = person.user.signInActivity.lastNonInteractiveSignInDateTime;
      if (!lastRefresh || lastRefresh < refresh.graph.createdDateTime) {
        person.user.signInActivity.lastNonInteractiveSignInDateTime = refresh.graph.createdDateTime;
        person.user.signInActivity.lastNonInteractiveSignInRequestId = refresh.graph.id;
      }
    }

    for (let n = p.int(1, 3); n > 0; n--) {
      const at = when();
      const address = network().address(p);
      const form = address.includes(':')
        ? p.pick(['bare', 'bracketed-port', 'bracketed'] as const)
        : p.pick(['mapped', 'bare', 'port', 'bracketed', 'bracketed-port'] as const);
      publish(
        mailItemsAccessed(ctx, p, {
          person,
          at,
          address,
          clientIp: clientIpForm(address, form, p),
          accessType: p.chance(0.7) ? 'Bind' : 'Sync',
          client: p.pick(['Client=OWA;Action=ViaProxy', 'Client=REST;Client=RESTSystem;;', 'Client=MSExchangeRPC']),
          count: p.int(1, 40),
        }),
        at,
      );
    }

    for (let n = p.int(0, 5); n > 0; n--) {
      const at = when();
      const site = p.pick(SITES);
      const file = p.pick(FILES);
      publish(
        sharePointRecord(ctx, p, {
          person,
          at,
          operation: p.weighted([
            ['FileAccessed', 6],
            ['FileModified', 3],
            ['FileUploaded', 1],
            ['FileDownloaded', 1],
          ] as const),
          recordType: 6,
          siteUrl: `https://${ctx.initialDomain.split('.')[0]}.sharepoint.com/sites/${site}`,
          relativeUrl: 'Shared Documents',
          fileName: file,
          clientIp: network().address(p),
          userAgent: person.device.userAgent,
        }),
        at,
      );
    }

    if (ruleMakers.has(person)) {
      // A benign rule: newsletters into a folder, created in OWA from a usual network.
      const at = when();
      const name = p.pick(['Newsletters', 'Vendor updates', 'Conference mail']);
      const record = exchangeCmdlet(ctx, p, {
        person,
        at,
        operation: 'New-InboxRule',
        parameters: [
          ['AlwaysDeleteOutlookRulesBlob', 'False'],
          ['Force', 'False'],
          ['Name', name],
          ['From', `news@${p.pick(['fabrikam.com', 'contoso-events.example', 'northwindtraders.example'])}`],
          ['MoveToFolder', name],
          ['StopProcessingRules', 'True'],
        ],
        objectId: inboxRuleObjectId(ctx, person, name),
        clientIp: clientIpForm(person.home.address(p), 'port', p),
      });
      publish(record, at);
      const from = (record.Parameters as { Name: string; Value: string }[]).find((x) => x.Name === 'From')?.Value ?? '';
      const rule: MessageRule = {
        id: messageRuleId(person.user.id, name),
        displayName: name,
        sequence: 1,
        isEnabled: true,
        hasError: false,
        isReadOnly: false,
        conditions: { fromAddresses: [{ emailAddress: { name: from, address: from } }] },
        actions: { moveToFolder: mailFolderId(person.user.id, name), stopProcessingRules: true },
      };
      directory.messageRules[person.user.id] = [...(directory.messageRules[person.user.id] ?? []), rule];
      directory.mailFolders = { ...directory.mailFolders, [person.user.id]: [...(directory.mailFolders?.[person.user.id] ?? []), name] };
    }
  }

  // The helpdesk at work: password resets and profile updates.
  const helpdesk = people[1];
  const resets: { target: Person; at: number; actorIp: string }[] = [];
  if (helpdesk) {
    for (let n = activity.int(2, 5); n > 0; n--) {
      const target = activity.pick(people.slice(2));
      const at = localToUtc(helpdesk, activity.int(9, 16), activity.int(0, 59));
      const reset = activity.chance(0.5);
      const { graph, audit: record } = directoryRecords(ctx, activity, {
        at,
        actor: helpdesk,
        actorIp: helpdesk.home.address(activity),
        operation: reset ? 'Reset user password.' : 'Update user.',
        category: 'UserManagement',
        operationType: reset ? 'Update' : 'Update',
        target: { id: target.user.id, displayName: null, type: 'User', userPrincipalName: target.user.userPrincipalName },
        modifiedProperties: reset
          ? []
          : [
              { name: 'JobTitle', oldValue: '[]', newValue: `["${target.user.jobTitle ?? ''}"]` },
              { name: 'Included Updated Properties', oldValue: '', newValue: '"JobTitle"' },
            ],
      });
      directoryAudits.push(graph);
      publish(record, at);
      if (reset) resets.push({ target, at, actorIp: String(record.ActorIpAddress) });
    }
  }

  // What services do by themselves, from a PRNG of its own so the people's day does not move.
  const system = root.fork('system');
  for (const reset of resets) {
    if (!helpdesk) break;
    // Entra revokes refresh tokens after a reset; this record's ClientIP is null.
    const at = reset.at + system.int(1, 4) * 1000;
    const validFrom = toGraphTime(Math.floor(at / 1000) * 1000);
    const { graph, audit: record } = directoryRecords(ctx, system, {
      at,
      actor: helpdesk,
      actorIp: reset.actorIp,
      clientIp: null,
      operation: 'Update StsRefreshTokenValidFrom Timestamp.',
      category: 'UserManagement',
      operationType: 'Update',
      target: { id: reset.target.user.id, displayName: null, type: 'User', userPrincipalName: reset.target.user.userPrincipalName },
      modifiedProperties: [
        { name: 'StsRefreshTokensValidFrom', oldValue: '[]', newValue: `["${validFrom}"]` },
        { name: 'Included Updated Properties', oldValue: '', newValue: '"StsRefreshTokensValidFrom"' },
      ],
    });
    directoryAudits.push(graph);
    publish(record, at);
  }
  const owner = people.length > 2 ? system.pick(people.slice(2)) : undefined;
  if (owner) {
    // SharePoint updating a document by itself (retention label, flow): no client, ClientIP "".
    const at = dayStart + system.int(1, 22) * 3_600_000 + system.int(0, 3599) * 1000;
    const site = system.pick(SITES);
    publish(
      sharePointRecord(ctx, system, {
        person: owner,
        actor: SERVICE_ACTORS.sharePointApp,
        at,
        operation: 'FileModified',
        recordType: 6,
        siteUrl: `https://${ctx.initialDomain.split('.')[0]}.sharepoint.com/sites/${site}`,
        relativeUrl: 'Shared Documents',
        fileName: system.pick(FILES),
        clientIp: '',
        userAgent: '',
      }),
      at,
    );
    // Exchange Online provisioning a mailbox setting on the server itself: ClientIP is a host name.
    const provisionedAt = dayStart + system.int(1, 22) * 3_600_000 + system.int(0, 3599) * 1000;
    publish(
      exchangeCmdlet(ctx, system, {
        person: owner,
        actor: SERVICE_ACTORS.exchangeServiceHost,
        at: provisionedAt,
        operation: 'Set-Mailbox',
        parameters: [
          ['Identity', mailboxIdentity(ctx, owner)],
          ['RetainDeletedItemsFor', '30.00:00:00'],
        ],
        objectId: mailboxIdentity(ctx, owner),
        clientIp: `localhost:${system.int(1024, 65535)}`,
        appPool: 'PowerShell',
      }),
      provisionedAt,
    );
  }

  const result: TenantDay = {
    ctx,
    people,
    dayStart,
    signIns,
    directoryAudits,
    audit,
    directory,
    prng: root.fork('story'),
    publish,
    toScenario: (extra = {}) => ({
      tenantId: ctx.tenantId,
      displayName: ctx.displayName,
      initialDomain: ctx.initialDomain,
      verifiedDomains: [ctx.domain],
      consents: options.consents,
      users: people.map((person) => person.user),
      signIns,
      directoryAudits,
      audit,
      directory,
      // Sign-ins reach Graph a couple of minutes after they happen.
      graphLatencyMs: 2 * MINUTE,
      seed: String(options.seed),
      ...extra,
    }),
  };
  return result;
}

const ROLE = Object.fromEntries(BUILT_IN_ROLES.map((r) => [r.displayName, r.id]));

/** Registration details of one person: most have registered a method; admins use the Authenticator app. */
export function registrationDetails(prng: Prng, person: Person, at: number, registered = person.isAdmin || prng.chance(0.85)): UserRegistrationDetails {
  const methods = !registered
    ? []
    : person.isAdmin
      ? ['microsoftAuthenticatorPush', 'softwareOneTimePasscode']
      : prng.pick([['microsoftAuthenticatorPush'], ['mobilePhone'], ['microsoftAuthenticatorPush', 'mobilePhone']]);
  const preferred = methods.includes('microsoftAuthenticatorPush') ? 'push' : methods.includes('mobilePhone') ? 'sms' : 'none';
  return {
    id: person.user.id,
    userPrincipalName: person.user.userPrincipalName,
    userDisplayName: person.user.displayName,
    userType: 'member',
    isAdmin: person.isAdmin,
    isSsprRegistered: registered,
    isSsprEnabled: true,
    isSsprCapable: registered,
    isMfaRegistered: registered,
    isMfaCapable: registered,
    isPasswordlessCapable: methods.includes('microsoftAuthenticatorPush') && person.isAdmin,
    isSystemPreferredAuthenticationMethodEnabled: true,
    methodsRegistered: [...methods],
    systemPreferredAuthenticationMethods: preferred === 'push' ? ['push'] : preferred === 'sms' ? ['sms'] : [],
    userPreferredMethodForSecondaryAuthentication: preferred,
    lastUpdatedDateTime: toGraphTime(Math.floor((at - prng.int(1, 300) * 86_400_000) / 1000) * 1000),
  };
}

export function roleAssignment(
  ctx: TenantContext,
  person: Person,
  role: string,
): { id: string; principalId: string; roleDefinitionId: string; directoryScopeId: string } {
  const roleDefinitionId = ROLE[role];
  if (!roleDefinitionId) throw new Error(`unknown built-in role ${role}`);
  return { id: derivedId(ctx.tenantId, person.user.id, roleDefinitionId), principalId: person.user.id, roleDefinitionId, directoryScopeId: '/' };
}

/** Licences bought, MFA registration and the two admins' roles, from a PRNG of their own so the day's records do not move. */
function buildDirectory(prng: Prng, ctx: TenantContext, people: Person[], dayStart: number): TenantDay['directory'] {
  const skuIds = [...new Set(people.flatMap((p) => p.user.assignedLicenses.map((l) => l.skuId)))].sort();
  const subscribedSkus = skuIds.map((skuId) => ({
    id: `${ctx.tenantId}_${skuId}`,
    accountId: ctx.tenantId,
    accountName: ctx.displayName,
    skuId,
    skuPartNumber: SKU_PART_NUMBERS[skuId] ?? 'UNKNOWN',
    appliesTo: 'User' as const,
    capabilityStatus: 'Enabled' as const,
    consumedUnits: 0,
    prepaidUnits: { enabled: Math.ceil((people.length + 5) / 5) * 5, suspended: 0, warning: 0, lockedOut: 0 },
    servicePlans: [],
  }));
  const [itAdmin, helpdesk] = people;
  return {
    subscribedSkus,
    registrationDetails: people.map((person) => registrationDetails(prng, person, dayStart)),
    roleAssignments: [
      ...(itAdmin ? [roleAssignment(ctx, itAdmin, 'Global Administrator')] : []),
      ...(helpdesk ? [roleAssignment(ctx, helpdesk, 'Helpdesk Administrator')] : []),
    ],
    messageRules: {},
  };
}
