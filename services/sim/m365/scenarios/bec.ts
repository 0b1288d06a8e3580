/**
 * `bec`: business email compromise at Contoso on top of an ordinary day. A finance manager
 * who is also an Exchange administrator is password-sprayed from a hosting provider, signs
 * in through a VPN abroad, and the attacker then hides and diverts mail (inbox rule that
 * forwards externally and deletes, mailbox forwarding, a transport rule that BCCs outside),
 * grants an unverified app Mail.ReadWrite + offline_access, and shares the finance folder
 * anonymously. bec.expectations.json lists the security events a correct product raises.
 */
import type { AppConsent, TenantScenario } from '../state.ts';
import { derivedId, graphAppRoleId, graphServicePrincipal, type ServicePrincipal } from '../directory.ts';
import { createPrng } from '../prng.ts';
import { messageRuleId } from './mail-folders.ts';
import type { RiskyUser } from '../records.ts';
import { toGraphTime } from '../clock.ts';
import { CONTOSO } from './baseline.ts';
import {
  APPS,
  DEVICES,
  clientIpForm,
  directoryRecords,
  type Person,
  exchangeCmdlet,
  inboxRuleObjectId,
  mailboxIdentity,
  mailItemsAccessed,
  riskDetection,
  securityAlert,
  sharePointRecord,
  signInRecords,
} from './builders.ts';
import { ATTACKER_NETWORKS } from './network.ts';
import { createPerson } from './people.ts';
import { generateTenantDay, registrationDetails, roleAssignment, type TenantDay } from './tenant-day.ts';

/** Facts of the story that bec.expectations.json refers to. */
export const BEC = {
  victimUpn: 'isabella.ruiz@contoso.com',
  sprayIp: '159.203.84.17',
  vpnIp: '104.28.196.63',
  sprayTargets: 24,
  attackerMailbox: 'remit.desk@fabrikam-finance.example',
  bccMailbox: 'archive.ledger@fabrikam-finance.example',
  inboxRuleName: '..',
  transportRuleName: 'Finance Compliance Archive',
  consentApp: { appId: '9c4f2e1a-6b7d-4e3f-8a2b-1c0d9e8f7a6b', displayName: 'Mail Sync Pro', scope: 'Mail.ReadWrite offline_access User.Read' },
  financeFolder: 'Shared Documents/Finance/Wire Transfers',
  financeSite: 'https://contoso.sharepoint.com/sites/Finance',
  /** A file whose anonymous link was removed before the day (an anonymous link, status removed). */
  removedLinkFile: 'Shared Documents/Finance/Q1 Forecast.xlsx',
  /** An enterprise app holding application permissions granted by an admin long ago. */
  backupApp: { appId: '3f1d7c52-8a9e-4b6f-9d21-5e4c3b2a1f09', displayName: 'Northwind Cloud Backup', publisher: 'Northwind Traders' },
  /** An app removed from the tenant (its service principal is in the recycle bin). */
  deletedApp: { appId: '7a2b9c4d-1e3f-4a5b-8c6d-9e0f1a2b3c4d', displayName: 'Quick Survey Tool' },
  /** A user deleted last week (in /directory/deletedItems). */
  formerUser: { id: 'd0c6e1f2-7a8b-4c9d-8e1f-2a3b4c5d6e7f', upn: 'olaf.former@contoso.com' },
} as const;

export interface BecOptions {
  seed?: string | number;
  day?: string;
  users?: number;
  consents: AppConsent[];
}

const MINUTE = 60_000;

export function becScenario(options: BecOptions): TenantScenario {
  const day = generateTenantDay({
    seed: options.seed ?? 'bec',
    day: options.day ?? '2024-05-06',
    userCount: options.users ?? 60,
    ctx: { ...CONTOSO },
    consents: options.consents,
  });
  const { ctx, prng: p } = day;
  const victim = createPerson(ctx, p, day.dayStart, new Set(day.people.map((x) => x.alias)), {
    givenName: 'Isabella',
    surname: 'Ruiz',
    jobTitle: 'Finance Manager',
    isAdmin: true,
    region: 0,
  });
  day.people.push(victim);
  const at = (hhmm: string, seconds = 0): number => Date.parse(`${new Date(day.dayStart).toISOString().slice(0, 10)}T${hhmm}:00Z`) + seconds * 1000;
  const spray = ATTACKER_NETWORKS.hostingSpray;
  const vpn = ATTACKER_NETWORKS.vpnAbroad;

  // 1. Password spray: one attempt per account over legacy authentication from a droplet.
  const targets = [...day.people.slice(2, 2 + BEC.sprayTargets - 1), victim];
  targets.forEach((person, i) => {
    const when = at('15:02', i * 27);
    // The victim's password is right: Entra answers "MFA required", which reveals it.
    const errorCode = person === victim ? 50074 : 50126;
    const { graph, audit } = signInRecords(ctx, p, {
      person,
      at: when,
      network: spray,
      app: APPS.legacyRopc,
      device: DEVICES.sprayTool,
      errorCode,
      ipAddress: BEC.sprayIp,
    });
    day.signIns.push(graph);
    day.publish(audit, when);
  });

  // 2. The attacker gets in through a consumer VPN exit in the Netherlands.
  const entry = at('15:41', 12);
  const signIn = signInRecords(ctx, p, {
    person: victim,
    at: entry,
    network: vpn,
    app: APPS.officeHome,
    device: DEVICES.windowsChrome,
    ipAddress: BEC.vpnIp,
    riskLevelDuringSignIn: 'medium',
    riskEventTypes: ['unfamiliarFeatures', 'anonymizedIPAddress'],
    conditionalAccessStatus: 'notApplied',
  });
  day.signIns.push(signIn.graph);
  day.publish(signIn.audit, entry);
  victim.user.signInActivity = {
    ...victim.user.signInActivity,
    lastSignInDateTime: signIn.graph.createdDateTime,
    lastSignInRequestId: signIn.graph.id,
    lastSuccessfulSignInDateTime: signIn.graph.createdDateTime,
    lastSuccessfulSignInRequestId: signIn.graph.id,
  };
  const riskDetections = ['unfamiliarFeatures', 'anonymizedIPAddress'].map((type) =>
    riskDetection(p, {
      person: victim,
      at: entry,
      detectedAt: entry + 40_000,
      ip: BEC.vpnIp,
      place: vpn.place,
      riskEventType: type,
      riskLevel: 'medium',
      requestId: signIn.graph.id,
      correlationId: signIn.graph.correlationId,
      userAgent: DEVICES.windowsChrome.userAgent,
    }),
  );
  const riskyUsers: RiskyUser[] = [
    {
      id: victim.user.id,
      isDeleted: false,
      isProcessing: false,
      riskLastUpdatedDateTime: toGraphTime(entry + 40_000),
      riskLevel: 'medium',
      riskState: 'atRisk',
      riskDetail: 'none',
      userDisplayName: victim.user.displayName,
      userPrincipalName: victim.user.userPrincipalName,
    },
  ];
  const alerts = [
    securityAlert(ctx, p, {
      at: entry + 2 * MINUTE,
      title: 'Unfamiliar sign-in properties',
      description: 'The sign-in had properties not seen recently for the given user.',
      severity: 'medium',
      serviceSource: 'azureAdIdentityProtection',
      detectionSource: 'azureAdIdentityProtection',
      category: 'InitialAccess',
      mitreTechniques: ['T1078'],
      person: victim,
    }),
  ];

  // 3. Mailbox reading over the VPN.
  for (let i = 0; i < 4; i++) {
    const when = at('15:44', i * 600);
    day.publish(
      mailItemsAccessed(ctx, p, {
        person: victim,
        at: when,
        address: BEC.vpnIp,
        clientIp: clientIpForm(BEC.vpnIp, i % 2 ? 'mapped' : 'port', p),
        accessType: 'Sync',
        client: 'Client=OWA;Action=ViaProxy',
        count: 150 + i * 40,
      }),
      when,
    );
  }

  // 4. Inbox rule: forward payment mail outside and delete it.
  const ruleAt = at('15:47', 31);
  day.publish(
    exchangeCmdlet(ctx, p, {
      person: victim,
      at: ruleAt,
      operation: 'New-InboxRule',
      parameters: [
        ['AlwaysDeleteOutlookRulesBlob', 'False'],
        ['Force', 'False'],
        ['Name', BEC.inboxRuleName],
        ['SubjectOrBodyContainsWords', 'invoice;payment;wire transfer'],
        ['ForwardTo', BEC.attackerMailbox],
        ['DeleteMessage', 'True'],
        ['MarkAsRead', 'True'],
        ['StopProcessingRules', 'True'],
      ],
      objectId: inboxRuleObjectId(ctx, victim, BEC.inboxRuleName),
      clientIp: clientIpForm(BEC.vpnIp, 'port', p),
    }),
    ruleAt,
  );

  // 5. Consent to an unverified app asking for Mail.ReadWrite and offline_access.
  const consentAt = at('15:55', 8);
  const spId = p.guid();
  const grantId = p.hex(43);
  const consentTargets = { id: spId, displayName: BEC.consentApp.displayName, type: 'ServicePrincipal' as const };
  const addSp = directoryRecords(ctx, p, {
    at: consentAt - 3000,
    actor: victim,
    actorIp: BEC.vpnIp,
    operation: 'Add service principal.',
    category: 'ApplicationManagement',
    operationType: 'Add',
    target: consentTargets,
    modifiedProperties: [
      { name: 'AccountEnabled', oldValue: '[]', newValue: '[true]' },
      { name: 'AppPrincipalId', oldValue: '[]', newValue: `["${BEC.consentApp.appId}"]` },
      { name: 'DisplayName', oldValue: '[]', newValue: `["${BEC.consentApp.displayName}"]` },
      { name: 'ServicePrincipalName', oldValue: '[]', newValue: `["${BEC.consentApp.appId}"]` },
    ],
    additionalDetails: [{ key: 'AppId', value: BEC.consentApp.appId }],
  });
  // The grant's resource is the tenant's Microsoft Graph principal; the draw keeps later story values as they were.
  p.guid();
  const graphSp = graphServicePrincipal(ctx.tenantId);
  const consent = directoryRecords(ctx, p, {
    at: consentAt,
    actor: victim,
    actorIp: BEC.vpnIp,
    operation: 'Consent to application.',
    category: 'ApplicationManagement',
    operationType: 'Assign',
    target: consentTargets,
    modifiedProperties: [
      { name: 'ConsentContext.IsAdminConsent', oldValue: '', newValue: 'False' },
      { name: 'ConsentContext.IsAppOnly', oldValue: '', newValue: 'False' },
      { name: 'ConsentContext.OnBehalfOfAll', oldValue: '', newValue: 'False' },
      { name: 'ConsentContext.Tags', oldValue: '', newValue: 'WindowsAzureActiveDirectoryIntegratedApp' },
      {
        name: 'ConsentAction.Permissions',
        oldValue: '',
        newValue: `[] => [[Id: ${grantId}, ClientId: ${spId}, PrincipalId: ${victim.user.id}, ResourceId: ${graphSp.id}, ConsentType: Principal, Scope: ${BEC.consentApp.scope}, CreatedDateTime: , LastModifiedDateTime ]]; `,
      },
      { name: 'TargetId.ServicePrincipalNames', oldValue: '', newValue: BEC.consentApp.appId },
    ],
    additionalDetails: [
      { key: 'User-Agent', value: DEVICES.windowsChrome.userAgent },
      { key: 'AppId', value: BEC.consentApp.appId },
    ],
    extraTargets: [{ ID: BEC.consentApp.appId, Type: 2 }],
  });
  for (const r of [addSp, consent]) {
    day.directoryAudits.push(r.graph);
    day.publish(r.audit, Date.parse(r.graph.activityDateTime));
  }

  // 6. Anyone-with-the-link access to the wire transfer folder, then used from elsewhere.
  const linkAt = at('16:05', 44);
  day.publish(
    sharePointRecord(ctx, p, {
      person: victim,
      at: linkAt,
      operation: 'AnonymousLinkCreated',
      recordType: 14,
      siteUrl: BEC.financeSite,
      relativeUrl: BEC.financeFolder,
      fileName: 'Wire Transfers',
      itemType: 'Folder',
      clientIp: BEC.vpnIp,
      userAgent: DEVICES.windowsChrome.userAgent,
      extra: { EventData: '<Type>View</Type>', UniqueSharingId: p.guid() },
    }),
    linkAt,
  );

  // 7. Mailbox-level forwarding set through OWA options.
  const fwdAt = at('16:12', 5);
  day.publish(
    exchangeCmdlet(ctx, p, {
      person: victim,
      at: fwdAt,
      operation: 'Set-Mailbox',
      parameters: [
        ['Identity', mailboxIdentity(ctx, victim)],
        ['ForwardingSmtpAddress', `smtp:${BEC.attackerMailbox}`],
        ['DeliverToMailboxAndForward', 'False'],
      ],
      objectId: victim.user.id,
      clientIp: clientIpForm(BEC.vpnIp, 'port', p),
    }),
    fwdAt,
  );

  // 8. With the victim's Exchange admin role: a transport rule that BCCs finance mail outside.
  const trAt = at('16:20', 17);
  day.publish(
    exchangeCmdlet(ctx, p, {
      person: victim,
      at: trAt,
      operation: 'New-TransportRule',
      parameters: [
        ['Name', BEC.transportRuleName],
        ['FromScope', 'InOrganization'],
        ['SentToScope', 'NotInOrganization'],
        ['BlindCopyTo', BEC.bccMailbox],
        ['Mode', 'Enforce'],
        ['Enabled', 'True'],
      ],
      objectId: BEC.transportRuleName,
      clientIp: clientIpForm(BEC.vpnIp, 'bracketed-port', p).replace(/^\[([\d.]+)\]/, '[::ffff:$1]'),
      appPool: 'PowerShell',
    }),
    trAt,
  );

  addStoryDirectory(day, victim, spId, grantId, graphSp, at);

  return day.toScenario({ riskDetections, riskyUsers, alerts });
}

/**
 * What the story leaves in the directory and workloads, as enrichment finds it afterwards: the
 * victim's Exchange Administrator role and MFA registration, the forwarding inbox rule, the
 * consented app and its grant, the BCC transport rule, the anonymous link on the wire transfer
 * folder; plus look-alikes for the enrichers' other cases (an app with application permissions,
 * a deleted app, a deleted user, a file whose anonymous link was removed).
 */
function addStoryDirectory(
  day: TenantDay,
  victim: Person,
  spId: string,
  grantId: string,
  graphSp: ServicePrincipal,
  at: (hhmm: string, seconds?: number) => number,
): void {
  const { ctx, directory } = day;
  const d = directory;
  d.roleAssignments.push(roleAssignment(ctx, victim, 'Exchange Administrator'));
  d.registrationDetails.push({
    ...registrationDetails(createPrng(`${ctx.tenantId}/victim-mfa`), victim, day.dayStart, true),
    methodsRegistered: ['mobilePhone'],
    userPreferredMethodForSecondaryAuthentication: 'sms',
    systemPreferredAuthenticationMethods: ['sms'],
  });

  d.messageRules[victim.user.id] = [
    ...(d.messageRules[victim.user.id] ?? []),
    {
      id: messageRuleId(victim.user.id, BEC.inboxRuleName),
      displayName: BEC.inboxRuleName,
      sequence: 1,
      isEnabled: true,
      hasError: false,
      isReadOnly: false,
      conditions: { bodyOrSubjectContains: ['invoice', 'payment', 'wire transfer'] },
      actions: {
        forwardTo: [{ emailAddress: { name: BEC.attackerMailbox, address: BEC.attackerMailbox } }],
        delete: true,
        markAsRead: true,
        stopProcessingRules: true,
      },
    },
  ];

  const noPublisher = { displayName: null, verifiedPublisherId: null, addedDateTime: null };
  const appBase = {
    ...graphSp,
    appRoles: [],
    oauth2PermissionScopes: [],
    replyUrls: [],
    homepage: null,
    deletedDateTime: null,
    signInAudience: 'AzureADMultipleOrgs',
    servicePrincipalType: 'Application' as const,
  };
  d.servicePrincipals = [
    ...(d.servicePrincipals ?? []),
    {
      ...appBase,
      id: spId,
      appId: BEC.consentApp.appId,
      displayName: BEC.consentApp.displayName,
      appDisplayName: BEC.consentApp.displayName,
      appDescription: 'Sync your mailbox with any device.',
      description: null,
      accountEnabled: true,
      appOwnerOrganizationId: derivedId('mail-sync-pro-publisher'),
      publisherName: 'Mail Sync Pro',
      verifiedPublisher: noPublisher,
      replyUrls: ['https://mailsyncpro.example/auth/callback'],
      tags: ['WindowsAzureActiveDirectoryIntegratedApp'],
    },
    {
      ...appBase,
      id: derivedId(ctx.tenantId, BEC.backupApp.appId, 'sp'),
      appId: BEC.backupApp.appId,
      displayName: BEC.backupApp.displayName,
      appDisplayName: BEC.backupApp.displayName,
      appDescription: 'Backs up Exchange Online mailboxes and OneDrive.',
      description: 'Approved backup service (ticket 4411).',
      accountEnabled: true,
      appOwnerOrganizationId: derivedId('northwind-traders'),
      publisherName: BEC.backupApp.publisher,
      verifiedPublisher: { displayName: BEC.backupApp.publisher, verifiedPublisherId: '6012345', addedDateTime: '2022-03-01T10:00:00Z' },
      tags: ['WindowsAzureActiveDirectoryIntegratedApp'],
    },
  ];
  d.oauth2PermissionGrants = [
    ...(d.oauth2PermissionGrants ?? []),
    { id: grantId, clientId: spId, consentType: 'Principal', principalId: victim.user.id, resourceId: graphSp.id, scope: BEC.consentApp.scope },
  ];
  const backupSpId = derivedId(ctx.tenantId, BEC.backupApp.appId, 'sp');
  d.appRoleAssignments = [
    ...(d.appRoleAssignments ?? []),
    ...['Files.ReadWrite.All', 'Mail.Read'].map((value) => ({
      id: derivedId(ctx.tenantId, backupSpId, value),
      appRoleId: graphAppRoleId(ctx.tenantId, value),
      createdDateTime: '2023-11-20T14:02:11Z',
      deletedDateTime: null,
      principalDisplayName: BEC.backupApp.displayName,
      principalId: backupSpId,
      principalType: 'ServicePrincipal' as const,
      resourceDisplayName: graphSp.displayName,
      resourceId: graphSp.id,
    })),
  ];
  d.deletedServicePrincipals = [
    ...(d.deletedServicePrincipals ?? []),
    {
      ...appBase,
      id: derivedId(ctx.tenantId, BEC.deletedApp.appId, 'sp'),
      appId: BEC.deletedApp.appId,
      displayName: BEC.deletedApp.displayName,
      appDisplayName: BEC.deletedApp.displayName,
      appDescription: null,
      description: null,
      accountEnabled: true,
      appOwnerOrganizationId: derivedId('survey-publisher'),
      publisherName: 'Survey Tools Ltd',
      verifiedPublisher: noPublisher,
      tags: [],
      deletedDateTime: toGraphTime(day.dayStart - 3 * 86_400_000),
    },
  ];
  d.deletedUsers = [
    ...(d.deletedUsers ?? []),
    {
      ...victim.user,
      id: BEC.formerUser.id,
      userPrincipalName: BEC.formerUser.upn,
      mail: BEC.formerUser.upn,
      displayName: 'Olaf Former',
      givenName: 'Olaf',
      surname: 'Former',
      jobTitle: 'Accountant',
      deletedDateTime: toGraphTime(day.dayStart - 6 * 86_400_000),
    },
  ];

  d.transportRules = [
    ...(d.transportRules ?? []),
    {
      Identity: BEC.transportRuleName,
      Name: BEC.transportRuleName,
      Guid: derivedId(ctx.tenantId, 'transport-rule', BEC.transportRuleName),
      State: 'Enabled',
      Mode: 'Enforce',
      Priority: 0,
      Comments: '',
      Description: `If the message:\r\n\tIs sent to 'NotInOrganization'\r\n\tand Is received from 'InOrganization'\r\nTake the following actions:\r\n\tBlind carbon copy (Bcc) the message to '${BEC.bccMailbox}'\r\n`,
      FromScope: 'InOrganization',
      SentToScope: 'NotInOrganization',
      BlindCopyTo: [BEC.bccMailbox],
      StopRuleProcessing: false,
      WhenChanged: toGraphTime(at('16:20', 17)),
      ManuallyModified: false,
      RuleVersion: '15.0.5.6',
    },
  ];

  const createdBy = { user: { id: victim.user.id, displayName: victim.user.displayName, email: victim.user.userPrincipalName } };
  const library = 'Shared Documents';
  const folder = BEC.financeFolder.slice(library.length + 1);
  const removedFile = BEC.removedLinkFile.slice(library.length + 1);
  const linkAt = at('16:05', 44);
  const driveId = `b!${Buffer.from(derivedId(ctx.tenantId, 'finance-drive')).toString('base64url')}`;
  d.drives = [
    ...(d.drives ?? []),
    {
      id: driveId,
      name: 'Documents',
      siteId: `contoso.sharepoint.com,${derivedId(ctx.tenantId, 'finance-site')},${derivedId(ctx.tenantId, 'finance-web')}`,
      siteUrl: BEC.financeSite,
      libraryPath: library,
      items: [
        {
          id: derivedId(ctx.tenantId, 'item', 'Finance'),
          name: 'Finance',
          path: 'Finance',
          kind: 'folder',
          size: 0,
          createdDateTime: '2023-02-01T09:00:00Z',
          lastModifiedDateTime: toGraphTime(linkAt),
          permissions: [],
        },
        {
          id: derivedId(ctx.tenantId, 'item', folder),
          name: 'Wire Transfers',
          path: folder,
          kind: 'folder',
          size: 0,
          createdDateTime: '2023-02-01T09:05:00Z',
          lastModifiedDateTime: toGraphTime(linkAt),
          createdBy,
          permissions: [
            {
              id: derivedId(ctx.tenantId, 'permission', folder),
              roles: ['read'],
              shareId: `s!${Buffer.from(derivedId(ctx.tenantId, 'share', folder)).toString('base64url')}`,
              hasPassword: false,
              link: {
                type: 'view',
                scope: 'anonymous',
                webUrl: `https://contoso.sharepoint.com/:f:/s/Finance/${Buffer.from(derivedId(ctx.tenantId, 'link', folder))
                  .toString('base64url')
                  .slice(0, 46)}`,
                preventsDownload: false,
              },
              grantedToIdentitiesV2: [],
            },
          ],
        },
        {
          id: derivedId(ctx.tenantId, 'item', removedFile),
          name: 'Q1 Forecast.xlsx',
          path: removedFile,
          kind: 'file',
          size: 48_213,
          createdDateTime: '2024-03-28T15:12:00Z',
          lastModifiedDateTime: '2024-04-02T08:40:00Z',
          createdBy,
          permissions: [],
        },
      ],
    },
  ];
}
