/**
 * `attacker-persistence`: an attacker holding Contoso's Exchange and Entra admin account digs in
 * on top of an ordinary day. From a DigitalOcean droplet, over about forty minutes, the attacker
 * registers an app named like a mailbox export tool, gives an account they control the
 * ApplicationImpersonation role, shortens the victim's mailbox audit retention to one day, turns
 * on IMAP and POP for the victim's mailbox, removes the victim's MFA methods, and shares the
 * finance folder with an outside address. Exchange provisioning a new mailbox the same morning
 * (NT AUTHORITY\SYSTEM giving Discovery Management FullAccess on DiscoverySearchMailbox) must
 * stay quiet. attacker-persistence.expectations.json lists the events a correct product raises.
 */
import type { AppConsent, TenantScenario } from '../state.ts';
import { CONTOSO } from './baseline.ts';
import {
  APPS,
  DEVICES,
  SERVICE_ACTORS,
  clientIpForm,
  directoryRecords,
  exchangeCmdlet,
  mailboxIdentity,
  sharePointRecord,
  signInRecords,
  type DirectorySpec,
  type Person,
} from './builders.ts';
import { ATTACKER_NETWORKS } from './network.ts';
import { createPerson } from './people.ts';
import { generateTenantDay, registrationDetails, roleAssignment } from './tenant-day.ts';
import { createPrng } from '../prng.ts';

/** Facts of the story that attacker-persistence.expectations.json refers to. */
export const ATTACKER_PERSISTENCE = {
  adminUpn: 'helena.voss@contoso.com',
  victimUpn: 'oliver.grant@contoso.com',
  attackerIp: '159.203.84.140',
  /** The app the attacker registers: the name of a mailbox export tool seen in business e-mail compromise. */
  appName: 'PERFECTDATA SOFTWARE',
  appId: '0a4b6c8e-1f3d-4e5a-9b7c-2d4f6a8c0e1b',
  /** The account given ApplicationImpersonation. */
  impersonator: 'svc-mailsync@contoso.com',
  outsideAddress: 'o.grant.files@gmail.com',
  financeSite: 'https://contoso.sharepoint.com/sites/Finance',
  financeFolder: 'Shared Documents/Payroll',
} as const;

export interface AttackerPersistenceOptions {
  seed?: string | number;
  day?: string;
  users?: number;
  consents: AppConsent[];
}

export function attackerPersistenceScenario(options: AttackerPersistenceOptions): TenantScenario {
  const day = generateTenantDay({
    seed: options.seed ?? 'attacker-persistence',
    day: options.day ?? '2024-05-06',
    userCount: options.users ?? 60,
    ctx: { ...CONTOSO },
    consents: options.consents,
  });
  const { ctx, prng: p, directory } = day;
  const taken = new Set(day.people.map((x) => x.alias));
  const add = (givenName: string, surname: string, jobTitle: string, isAdmin = false): Person => {
    const person = createPerson(ctx, p, day.dayStart, taken, { givenName, surname, jobTitle, isAdmin, region: 0 });
    day.people.push(person);
    directory.registrationDetails.push(registrationDetails(createPrng(`${ctx.tenantId}/${person.alias}/mfa`), person, day.dayStart, true));
    return person;
  };
  const admin = add('Helena', 'Voss', 'IT Manager', true);
  const victim = add('Oliver', 'Grant', 'Chief Financial Officer');
  directory.roleAssignments.push(roleAssignment(ctx, admin, 'Global Administrator'));
  for (const [person, upn] of [
    [admin, ATTACKER_PERSISTENCE.adminUpn],
    [victim, ATTACKER_PERSISTENCE.victimUpn],
  ] as const) {
    if (person.user.userPrincipalName !== upn) throw new Error(`attacker-persistence: expected ${upn}, generated ${person.user.userPrincipalName}`);
  }
  const at = (hhmm: string, seconds = 0): number => Date.parse(`${new Date(day.dayStart).toISOString().slice(0, 10)}T${hhmm}:00Z`) + seconds * 1000;
  const ip = ATTACKER_PERSISTENCE.attackerIp;
  const directoryChange = (spec: Omit<DirectorySpec, 'actor' | 'actorIp'>): void => {
    const r = directoryRecords(ctx, p, { actor: admin, actorIp: ip, ...spec });
    day.directoryAudits.push(r.graph);
    day.publish(r.audit, spec.at);
  };
  const cmdlet = (when: number, operation: string, parameters: [string, string][], objectId: string): void => {
    day.publish(
      exchangeCmdlet(ctx, p, { person: admin, at: when, operation, parameters, objectId, clientIp: clientIpForm(ip, 'port', p), appPool: 'PowerShell' }),
      when,
    );
  };

  // Look-alike: Exchange provisions a mailbox's discovery access as itself.
  const provisionAt = at('06:40', 12);
  day.publish(
    exchangeCmdlet(ctx, p, {
      person: admin,
      actor: SERVICE_ACTORS.exchangeServiceHost,
      at: provisionAt,
      operation: 'Add-MailboxPermission',
      parameters: [
        ['Identity', 'DiscoverySearchMailbox{D919BA05-46A6-415f-80AD-7E09334BB852}'],
        ['User', 'Discovery Management'],
        ['AccessRights', 'FullAccess'],
        ['InheritanceType', 'All'],
      ],
      objectId: 'DiscoverySearchMailbox{D919BA05-46A6-415f-80AD-7E09334BB852}',
      clientIp: '',
      appPool: 'MSExchangeServiceHost',
    }),
    provisionAt,
  );

  // 1. The attacker signs in as the admin from a droplet.
  const signInAt = at('10:02', 31);
  const s = signInRecords(ctx, p, {
    person: admin,
    at: signInAt,
    network: ATTACKER_NETWORKS.hostingSpray,
    app: APPS.officeHome,
    device: DEVICES.windowsChrome,
    ipAddress: ip,
  });
  day.signIns.push(s.graph);
  day.publish(s.audit, signInAt);

  // 2. An app registration named like a mailbox export tool.
  directoryChange({
    at: at('10:06', 4),
    operation: 'Add application.',
    category: 'ApplicationManagement',
    operationType: 'Add',
    target: { id: p.guid(), displayName: ATTACKER_PERSISTENCE.appName, type: 'Application' },
    modifiedProperties: [
      { name: 'AppId', oldValue: '[]', newValue: `["${ATTACKER_PERSISTENCE.appId}"]` },
      { name: 'DisplayName', oldValue: '[]', newValue: `["${ATTACKER_PERSISTENCE.appName}"]` },
      { name: 'Included Updated Properties', oldValue: '', newValue: 'AppId, DisplayName' },
    ],
  });

  // 3. ApplicationImpersonation for an account the attacker controls.
  cmdlet(
    at('10:11', 40),
    'New-ManagementRoleAssignment',
    [
      ['Name', 'MailSync-Impersonation'],
      ['Role', 'ApplicationImpersonation'],
      ['User', ATTACKER_PERSISTENCE.impersonator],
    ],
    'MailSync-Impersonation',
  );
  // 4. The victim's mailbox forgets its audit records after one day.
  cmdlet(
    at('10:15', 2),
    'Set-Mailbox',
    [
      ['Identity', ATTACKER_PERSISTENCE.victimUpn],
      ['AuditLogAgeLimit', '1.00:00:00'],
    ],
    mailboxIdentity(ctx, victim),
  );
  // 5. IMAP and POP on for the victim's mailbox.
  cmdlet(
    at('10:17', 55),
    'Set-CASMailbox',
    [
      ['Identity', ATTACKER_PERSISTENCE.victimUpn],
      ['ImapEnabled', 'True'],
      ['PopEnabled', 'True'],
    ],
    mailboxIdentity(ctx, victim),
  );

  // 6. The victim's MFA methods removed.
  directoryChange({
    at: at('10:24', 9),
    operation: 'Update user.',
    category: 'UserManagement',
    operationType: 'Update',
    target: { id: victim.user.id, displayName: null, type: 'User', userPrincipalName: victim.user.userPrincipalName },
    modifiedProperties: [
      { name: 'StrongAuthenticationMethod', oldValue: '[{"MethodType":6,"Default":true},{"MethodType":7,"Default":false}]', newValue: '[]' },
      { name: 'Included Updated Properties', oldValue: '', newValue: 'StrongAuthenticationMethod' },
    ],
  });

  // 7. The payroll folder shared with an outside address.
  const shareAt = at('10:38', 17);
  day.publish(
    sharePointRecord(ctx, p, {
      person: admin,
      at: shareAt,
      operation: 'SharingInvitationCreated',
      recordType: 14,
      siteUrl: ATTACKER_PERSISTENCE.financeSite,
      relativeUrl: ATTACKER_PERSISTENCE.financeFolder,
      fileName: 'Payroll',
      itemType: 'Folder',
      clientIp: ip,
      userAgent: DEVICES.windowsChrome.userAgent,
      extra: { TargetUserOrGroupName: ATTACKER_PERSISTENCE.outsideAddress, TargetUserOrGroupType: 'Guest', EventData: '<Type>Edit</Type>' },
    }),
    shareAt,
  );

  return day.toScenario();
}
