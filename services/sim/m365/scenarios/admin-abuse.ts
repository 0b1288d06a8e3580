/**
 * `admin-abuse`: a compromised Global Administrator at Contoso on top of an ordinary day. In
 * the small hours (Redmond time) the attacker signs in as the IT administrator from a hosting
 * provider, disables per-user MFA for a dormant sales account and makes it a Global
 * Administrator (a backdoor), resets the password of the emergency-access (break-glass) account
 * and signs in with it, then turns off unified audit log ingestion. The same admin account, at
 * its usual time and from the office, grants a non-privileged role and turns MFA on for a new
 * hire: look-alikes that must stay quiet. admin-abuse.expectations.json lists the security
 * events a correct product raises.
 *
 * The break-glass account is a tenant setting of the product (`breakGlassAccounts` in
 * detection settings): nothing in Microsoft's records marks an account as emergency access.
 */
import type { AppConsent, TenantScenario } from '../state.ts';
import { derivedId } from '../directory.ts';
import { toGraphTime } from '../clock.ts';
import { CONTOSO } from './baseline.ts';
import { APPS, DEVICES, clientIpForm, directoryRecords, exchangeCmdlet, signInRecords, type DirectorySpec, type Person } from './builders.ts';
import { ATTACKER_NETWORKS } from './network.ts';
import { createPerson } from './people.ts';
import { generateTenantDay, registrationDetails, roleAssignment } from './tenant-day.ts';
import { createPrng } from '../prng.ts';

const GLOBAL_ADMIN = { templateId: '62e90394-69f5-4237-9190-012177145e10', displayName: 'Global Administrator', wellKnown: 'TenantAdmins' } as const;
const SECURITY_READER = { templateId: '5d6b6bb7-de71-4623-b4af-96380a352509', displayName: 'Security Reader', wellKnown: '' } as const;

/** Facts of the story that admin-abuse.expectations.json refers to. */
export const ADMIN_ABUSE = {
  /** The compromised Global Administrator whose account does everything. */
  adminUpn: 'marcus.lindqvist@contoso.com',
  /** DigitalOcean droplet the attacker works from. */
  attackerIp: '159.203.84.92',
  /** Dormant account: MFA disabled, then made Global Administrator. */
  backdoorUpn: 'daniel.okafor@contoso.com',
  /**
   * Emergency-access account: cloud-only, on the initial domain, Global Administrator, no
   * licence (Microsoft's guidance). The product learns it from its `breakGlassAccounts` setting.
   */
  breakGlassUpn: 'breakglass.01@contoso.onmicrosoft.com',
  /** Look-alikes by the admin from the office during working hours. */
  newHireUpn: 'priya.raman@contoso.com',
  securityReaderUpn: 'tomas.berg@contoso.com',
} as const;

export interface AdminAbuseOptions {
  seed?: string | number;
  day?: string;
  users?: number;
  consents: AppConsent[];
}

/** The per-user MFA requirement as the audit log renders it (a JSON array with CRLF line breaks). */
function strongAuthRequirement(since: string): string {
  return `[\r\n  {\r\n    "RelyingParty": "*",\r\n    "State": 1,\r\n    "RememberDevicesNotIssuedBefore": "${since}"\r\n  }\r\n]`;
}

function roleProperties(role: { templateId: string; displayName: string; wellKnown: string }, objectId: string): DirectorySpec['modifiedProperties'] {
  return [
    { name: 'Role.ObjectID', oldValue: '', newValue: `"${objectId}"` },
    { name: 'Role.DisplayName', oldValue: '', newValue: `"${role.displayName}"` },
    { name: 'Role.TemplateId', oldValue: '', newValue: `"${role.templateId}"` },
    { name: 'Role.WellKnownObjectName', oldValue: '', newValue: `"${role.wellKnown}"` },
  ];
}

function userTarget(person: Person): DirectorySpec['target'] {
  return { id: person.user.id, displayName: null, type: 'User', userPrincipalName: person.user.userPrincipalName };
}

export function adminAbuseScenario(options: AdminAbuseOptions): TenantScenario {
  const day = generateTenantDay({
    seed: options.seed ?? 'admin-abuse',
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
  const admin = add('Marcus', 'Lindqvist', 'Senior Systems Administrator', true);
  const backdoor = add('Daniel', 'Okafor', 'Sales Representative');
  const newHire = add('Priya', 'Raman', 'Account Executive');
  const securityReader = add('Tomas', 'Berg', 'IT Auditor');
  const breakGlass = createPerson(ctx, p, day.dayStart, taken, {
    givenName: 'Break',
    surname: 'Glass',
    jobTitle: 'Emergency access',
    isAdmin: true,
    region: 0,
  });
  breakGlass.user = {
    ...breakGlass.user,
    displayName: 'Emergency Access 01',
    userPrincipalName: ADMIN_ABUSE.breakGlassUpn,
    mail: null,
    assignedLicenses: [],
    jobTitle: null,
    officeLocation: null,
  };
  day.people.push(breakGlass);
  directory.registrationDetails.push({
    ...registrationDetails(createPrng(`${ctx.tenantId}/break-glass/mfa`), breakGlass, day.dayStart, true),
    methodsRegistered: ['fido2'],
    systemPreferredAuthenticationMethods: ['Fido2'],
    userPreferredMethodForSecondaryAuthentication: 'none',
  });
  directory.roleAssignments.push(roleAssignment(ctx, admin, 'Global Administrator'), roleAssignment(ctx, breakGlass, 'Global Administrator'));
  for (const [person, upn] of [
    [admin, ADMIN_ABUSE.adminUpn],
    [backdoor, ADMIN_ABUSE.backdoorUpn],
    [newHire, ADMIN_ABUSE.newHireUpn],
    [securityReader, ADMIN_ABUSE.securityReaderUpn],
  ] as const) {
    if (person.user.userPrincipalName !== upn) throw new Error(`admin-abuse: expected ${upn}, generated ${person.user.userPrincipalName}`);
  }

  const at = (hhmm: string, seconds = 0): number => Date.parse(`${new Date(day.dayStart).toISOString().slice(0, 10)}T${hhmm}:00Z`) + seconds * 1000;
  const attacker = ATTACKER_NETWORKS.hostingSpray;
  const directoryChange = (spec: Omit<DirectorySpec, 'actor' | 'category'> & { category?: string; actor?: Person }): void => {
    const r = directoryRecords(ctx, p, { category: 'UserManagement', actor: admin, ...spec });
    day.directoryAudits.push(r.graph);
    day.publish(r.audit, spec.at);
  };
  const signIn = (person: Person, when: number, spec: Partial<Parameters<typeof signInRecords>[2]>): void => {
    const s = signInRecords(ctx, p, { person, at: when, network: attacker, app: APPS.officeHome, device: DEVICES.windowsChrome, ...spec });
    day.signIns.push(s.graph);
    day.publish(s.audit, when);
    person.user.signInActivity = {
      ...person.user.signInActivity,
      lastSignInDateTime: s.graph.createdDateTime,
      lastSignInRequestId: s.graph.id,
      lastSuccessfulSignInDateTime: s.graph.createdDateTime,
      lastSuccessfulSignInRequestId: s.graph.id,
    };
  };

  // Look-alikes, earlier in the day: the admin at work in the office (Redmond, UTC-7).
  const officeIp = admin.home.address(p);
  signIn(admin, at('15:58', 14), { network: admin.home, ipAddress: officeIp, device: DEVICES.windowsEdge });
  // A new hire gets per-user MFA switched on: the requirement goes from [] to State 1.
  directoryChange({
    at: at('16:12', 40),
    actorIp: officeIp,
    operation: 'Update user.',
    operationType: 'Update',
    target: userTarget(newHire),
    modifiedProperties: [
      { name: 'StrongAuthenticationRequirement', oldValue: '[]', newValue: strongAuthRequirement(toGraphTime(at('16:12', 40)).replace('Z', '.000Z')) },
      { name: 'Included Updated Properties', oldValue: '', newValue: 'StrongAuthenticationRequirement' },
    ],
  });
  // An auditor gets Security Reader, a read-only role.
  directoryChange({
    at: at('16:31', 5),
    actorIp: officeIp,
    operation: 'Add member to role.',
    category: 'RoleManagement',
    operationType: 'Assign',
    target: userTarget(securityReader),
    modifiedProperties: roleProperties(SECURITY_READER, derivedId(ctx.tenantId, 'directoryRole', SECURITY_READER.templateId)),
  });

  // 1. 02:10 in Redmond: the attacker signs in as the admin from a DigitalOcean droplet.
  const ip = ADMIN_ABUSE.attackerIp;
  signIn(admin, at('09:10', 22), { ipAddress: ip });

  // 2. Per-user MFA disabled for the dormant account: Microsoft writes both records.
  const mfaAt = at('09:14', 3);
  const mfaProps = [
    { name: 'StrongAuthenticationRequirement', oldValue: strongAuthRequirement('2023-11-02T17:20:31.000Z'), newValue: '[]' },
    { name: 'Included Updated Properties', oldValue: '', newValue: 'StrongAuthenticationRequirement' },
  ];
  directoryChange({
    at: mfaAt,
    actorIp: ip,
    operation: 'Disable Strong Authentication.',
    operationType: 'Update',
    target: userTarget(backdoor),
    modifiedProperties: mfaProps,
  });
  directoryChange({
    at: mfaAt + 1000,
    actorIp: ip,
    operation: 'Update user.',
    operationType: 'Update',
    target: userTarget(backdoor),
    modifiedProperties: mfaProps,
  });

  // 3. The dormant account becomes Global Administrator.
  directoryChange({
    at: at('09:16', 48),
    actorIp: ip,
    operation: 'Add member to role.',
    category: 'RoleManagement',
    operationType: 'Assign',
    target: userTarget(backdoor),
    modifiedProperties: roleProperties(GLOBAL_ADMIN, derivedId(ctx.tenantId, 'directoryRole', GLOBAL_ADMIN.templateId)),
  });
  directory.roleAssignments.push(roleAssignment(ctx, backdoor, 'Global Administrator'));

  // 4. The break-glass account's password reset by the admin, then used from the same droplet.
  directoryChange({
    at: at('09:21', 10),
    actorIp: ip,
    operation: 'Reset user password.',
    operationType: 'Update',
    target: userTarget(breakGlass),
    modifiedProperties: [],
  });
  signIn(breakGlass, at('09:24', 37), { ipAddress: ip });

  // 5. Unified audit log ingestion turned off over remote PowerShell.
  const auditOffAt = at('09:31', 2);
  day.publish(
    exchangeCmdlet(ctx, p, {
      person: admin,
      at: auditOffAt,
      operation: 'Set-AdminAuditLogConfig',
      parameters: [['UnifiedAuditLogIngestionEnabled', 'False']],
      objectId: 'Admin Audit Log Settings',
      clientIp: clientIpForm(ip, 'port', p),
      appPool: 'PowerShell',
    }),
    auditOffAt,
  );

  return day.toScenario();
}
