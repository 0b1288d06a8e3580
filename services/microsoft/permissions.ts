import type { Resource } from './token-provider.ts';

/**
 * Every Microsoft permission Tenantwatch knows, in one place:
 * - `GRAPH_PERMISSIONS`: what each permission an app can be granted allows, in the words an MSP
 *   admin needs, the risk it carries when an unknown app holds it, and (`review`) why consent to
 *   it is reviewed by the risky-consent detection;
 * - `REQUIRED_PERMISSIONS`: what Tenantwatch itself asks a tenant for, and what stops working
 *   without each (the onboarding check).
 *
 * One table for delegated scopes and application roles (names are shared; an application grant
 * covers every user, so it is never rated lower than the delegated one).
 *
 * Risk, in short: `critical` = can take over the tenant (write the directory, grant itself
 * roles); `high` = can read or exfiltrate every mailbox or file it reaches, send as users, or
 * keep access; `medium` = reads broad organisational data or keeps access without a user;
 * `low` = sign-in and the user's own profile.
 */
export const RISK_LEVELS = ['low', 'medium', 'high', 'critical'] as const;
export type RiskLevel = (typeof RISK_LEVELS)[number];

export interface PermissionInfo {
  description: string;
  /** Risk when granted as a delegated scope (on behalf of a signed-in user). */
  delegated: RiskLevel;
  /** Risk when granted as an application permission (no user, every mailbox/file/user). */
  application: RiskLevel;
  /**
   * Set when consent to this permission is reviewed (M365.AzureAD.RiskyAppConsent): why an
   * attacker wants it, in a sentence.
   */
  review?: string;
}

const p = (description: string, delegated: RiskLevel, application: RiskLevel = delegated, extra: { review?: string } = {}): PermissionInfo => ({
  description,
  delegated,
  application,
  ...extra,
});

export const GRAPH_PERMISSIONS: Readonly<Record<string, PermissionInfo>> = {
  // Sign-in and profile.
  openid: p('Sign users in.', 'low'),
  profile: p("See users' basic profile.", 'low'),
  email: p("See users' primary email address.", 'low'),
  offline_access: p('Keep access to the data it was given, even when the user is not using the app (refresh tokens).', 'medium'),
  'User.Read': p("Sign in and read the signed-in user's profile.", 'low'),
  'User.ReadBasic.All': p("Read all users' basic profiles.", 'low', 'medium'),
  'User.Read.All': p("Read all users' full profiles.", 'medium'),
  'User.ReadWrite.All': p("Read and change all users' profiles.", 'high', 'critical', { review: 'Changes every user.' }),
  'User.ReadWrite': p("Read and change the signed-in user's profile.", 'low'),
  'User.EnableDisableAccount.All': p('Enable and disable user accounts.', 'high'),
  'User-PasswordProfile.ReadWrite.All': p("Reset users' passwords.", 'critical'),
  'UserAuthenticationMethod.ReadWrite.All': p("Read and change users' sign-in methods (MFA).", 'critical', 'critical', {
    review: "Changes users' MFA methods.",
  }),
  'UserAuthenticationMethod.Read.All': p("Read users' registered sign-in methods.", 'medium'),

  // Mail.
  'Mail.ReadBasic': p("Read the user's mail without bodies or attachments.", 'medium', 'high'),
  'Mail.ReadBasic.All': p('Read mail in all mailboxes without bodies or attachments.', 'high', 'high', { review: 'Reads headers of every mailbox.' }),
  'Mail.Read': p("Read the user's mail.", 'high', 'high', { review: 'Reads all mail the user (or, as an application permission, every user) can read.' }),
  'Mail.Read.Shared': p('Read mail the user can access, including shared mailboxes.', 'high'),
  'Mail.ReadWrite': p("Read, change and delete the user's mail (not send).", 'high', 'high', {
    review: 'Reads, changes and deletes mail: enough for inbox-rule-like hiding and for stealing mail.',
  }),
  'Mail.ReadWrite.Shared': p('Read, change and delete mail the user can access, including shared mailboxes.', 'high'),
  'Mail.Send': p('Send mail as the user.', 'high', 'high', { review: 'Sends mail as the user: internal phishing and payment fraud from a trusted mailbox.' }),
  'Mail.Send.Shared': p('Send mail as the user or on behalf of others.', 'high'),
  'MailboxSettings.Read': p('Read mailbox settings, including inbox rules.', 'medium'),
  'MailboxSettings.ReadWrite': p('Change mailbox settings, including inbox rules and forwarding.', 'high', 'high', {
    review: 'Creates inbox rules and forwarding.',
  }),
  'EWS.AccessAsUser.All': p("Full access to the user's mailbox through Exchange Web Services.", 'high', 'high', {
    review: 'Full mailbox access through Exchange Web Services.',
  }),
  'IMAP.AccessAsUser.All': p("Read and write the user's mailbox over IMAP.", 'high', 'high', { review: 'Mailbox access over IMAP.' }),
  'POP.AccessAsUser.All': p("Read the user's mailbox over POP.", 'high', 'high', { review: 'Mailbox access over POP.' }),
  'SMTP.Send': p('Send mail as the user over SMTP.', 'high', 'high', { review: 'Sends mail as the user over SMTP.' }),
  'Contacts.Read': p("Read the user's contacts.", 'medium', 'high', { review: 'Harvests contacts for further phishing.' }),
  'Contacts.ReadWrite': p("Read and change the user's contacts.", 'medium', 'high'),
  'Calendars.Read': p("Read the user's calendars.", 'medium', 'high'),
  'Calendars.ReadWrite': p("Read and change the user's calendars.", 'medium', 'high'),

  // Files and sites.
  'Files.Read': p("Read the user's files.", 'medium'),
  'Files.ReadWrite': p("Read, change and delete the user's files.", 'medium', 'high'),
  'Files.Read.All': p('Read all files the user can access.', 'high', 'high', { review: 'Reads every file the user can reach in OneDrive and SharePoint.' }),
  'Files.ReadWrite.All': p('Read, change and delete all files the user can access.', 'high', 'high', {
    review: 'Reads, changes and deletes every file the user can reach (ransomware-style encryption).',
  }),
  'Sites.Read.All': p('Read documents and lists in all sites.', 'high', 'high', { review: 'Reads every SharePoint site the user can reach.' }),
  'Sites.ReadWrite.All': p('Read, change and delete documents and lists in all sites.', 'high', 'high', {
    review: 'Changes every SharePoint site the user can reach.',
  }),
  'Sites.FullControl.All': p('Full control of all sites.', 'critical', 'critical', { review: 'Full control of every site.' }),
  'Notes.Read.All': p('Read all OneNote notebooks the user can access.', 'medium', 'high', {
    review: 'Reads all OneNote notebooks (passwords are often kept there).',
  }),
  'Notes.ReadWrite.All': p('Read and change all OneNote notebooks the user can access.', 'high', 'high', {
    review: 'Reads and changes all OneNote notebooks.',
  }),

  // Teams and chat.
  'Chat.Read': p("Read the user's Teams chats.", 'high', 'high', { review: 'Reads Teams chats.' }),
  'Chat.ReadWrite': p("Read and send the user's Teams chat messages.", 'high', 'high', { review: 'Reads and sends Teams chats.' }),
  'Chat.Read.All': p('Read all Teams chats.', 'high'),
  'ChannelMessage.Read.All': p('Read all channel messages.', 'high'),
  'Team.ReadBasic.All': p('Read the names and descriptions of teams.', 'low'),
  'TeamsAppInstallation.ReadWriteForUser': p('Install and remove Teams apps for the user.', 'medium'),

  // Directory, apps and roles.
  'Directory.Read.All': p('Read the whole directory: users, groups, apps, devices.', 'medium'),
  'Directory.ReadWrite.All': p('Read and change the whole directory.', 'critical', 'critical', { review: 'Changes the directory: users, groups, apps.' }),
  'Directory.AccessAsUser.All': p('Access the directory as the signed-in user, with all their rights.', 'critical', 'critical', {
    review: 'Everything the signed-in user can do in the directory, as them.',
  }),
  'Group.Read.All': p('Read all groups and their content.', 'medium', 'high'),
  'Group.ReadWrite.All': p('Create, change and delete groups and their content.', 'high', 'critical', {
    review: 'Changes groups, including membership of privileged groups.',
  }),
  'GroupMember.ReadWrite.All': p('Add and remove members of any group.', 'high', 'critical'),
  'Application.Read.All': p('Read all app registrations and enterprise apps.', 'medium'),
  'Application.ReadWrite.All': p('Create and change apps, including adding credentials to them.', 'critical', 'critical', {
    review: "Adds credentials to any app: persistence with the apps' own permissions.",
  }),
  'AppRoleAssignment.ReadWrite.All': p('Grant any app any permission, including itself.', 'critical', 'critical', {
    review: 'Grants itself or others any application permission.',
  }),
  'DelegatedPermissionGrant.ReadWrite.All': p('Grant any app any delegated permission, including itself.', 'critical'),
  'RoleManagement.Read.Directory': p('Read who holds which directory role.', 'medium'),
  'RoleManagement.ReadWrite.Directory': p('Grant and remove directory roles, including Global Administrator.', 'critical', 'critical', {
    review: 'Grants directory roles, Global Administrator included.',
  }),
  'Policy.ReadWrite.ConditionalAccess': p('Change Conditional Access policies.', 'critical', 'critical', { review: 'Switches off Conditional Access.' }),
  'Policy.Read.All': p("Read the organisation's policies.", 'low', 'medium'),
  'Organization.Read.All': p('Read organisation details and licences.', 'low'),
  'Domain.ReadWrite.All': p('Add and change domains (can federate the tenant).', 'critical'),

  // Audit and security.
  'AuditLog.Read.All': p('Read audit and sign-in logs.', 'medium'),
  'SecurityEvents.ReadWrite.All': p('Read and change security alerts.', 'high'),
  'SecurityAlert.Read.All': p('Read security alerts.', 'medium'),
  'IdentityRiskEvent.Read.All': p('Read risk detections.', 'medium'),
  'IdentityRiskyUser.Read.All': p('Read risky users.', 'medium'),
  'Device.ReadWrite.All': p('Read and change all devices.', 'high'),
  'DeviceManagementManagedDevices.PrivilegedOperations.All': p('Wipe, lock and reset managed devices.', 'critical'),

  // Exchange Online as an application.
  'Exchange.ManageAsApp': p('Run Exchange Online admin commands as the organisation.', 'critical'),
  full_access_as_app: p('Full access to every mailbox through Exchange Web Services.', 'critical', 'critical', {
    review: 'Full access to every mailbox (Exchange application permission).',
  }),
};

export interface RatedPermission {
  name: string;
  description: string;
  risk: RiskLevel;
  /** Whether the rating comes from the table or, for a permission it does not know, from the name. */
  rating: 'table' | 'name';
}

/**
 * Description and risk of a permission granted as `kind`. Unknown names are rated by their
 * shape (`*.ReadWrite.All` high, `*.All` medium, else low) and described by `fallback`
 * (the resource's own description) when given.
 */
export function ratePermission(name: string, kind: 'delegated' | 'application', fallback?: string | null): RatedPermission {
  const known = GRAPH_PERMISSIONS[name];
  if (known) return { name, description: known.description, risk: known[kind], rating: 'table' };
  const risk: RiskLevel = /ReadWrite/i.test(name) && /\.All$/i.test(name) ? 'high' : /\.All$/i.test(name) || kind === 'application' ? 'medium' : 'low';
  return { name, description: fallback?.trim() || 'No description known for this permission.', risk, rating: 'name' };
}

export function highestRisk(levels: readonly RiskLevel[]): RiskLevel | null {
  let best = -1;
  for (const l of levels) best = Math.max(best, RISK_LEVELS.indexOf(l));
  return best < 0 ? null : (RISK_LEVELS[best] ?? null);
}

/**
 * Permissions that let an app read or control what an attacker wants (mail, files, the
 * directory): consent to any of these is reviewed. Names as they appear in consent records
 * (`Scope: Mail.Read offline_access`) and app role assignments.
 */
export const RISKY_PERMISSIONS: readonly { permission: string; why: string }[] = Object.entries(GRAPH_PERMISSIONS).flatMap(([permission, info]) =>
  info.review ? [{ permission, why: info.review }] : [],
);

const RISKY_BY_NAME = new Map(RISKY_PERMISSIONS.map((r) => [r.permission.toLowerCase(), r]));

/** The risky permissions among `scopes` (any case), in their canonical spelling. */
export function riskyPermissions(scopes: readonly string[]): string[] {
  return [...new Set(scopes.map((s) => RISKY_BY_NAME.get(s.toLowerCase())?.permission).filter((r): r is string => r !== undefined))];
}

/**
 * The application permissions Tenantwatch asks a tenant for, and what stops working without
 * each: the words the onboarding check shows an admin.
 */
export const REQUIRED_PERMISSIONS: readonly { api: Resource; permission: string; apiName: string; without: string }[] = [
  {
    api: 'manage',
    permission: 'ActivityFeed.Read',
    apiName: 'Office 365 Management APIs',
    without: 'no unified audit log: sign-ins, mailbox and inbox-rule changes, SharePoint and OneDrive sharing, and admin activity are not collected',
  },
  { api: 'graph', permission: 'AuditLog.Read.All', apiName: 'Microsoft Graph', without: 'no sign-in logs or directory audit logs from Graph' },
  {
    api: 'graph',
    permission: 'Directory.Read.All',
    apiName: 'Microsoft Graph',
    without: 'users, roles and apps cannot be looked up, so events show no user or app details',
  },
  { api: 'graph', permission: 'SecurityAlert.Read.All', apiName: 'Microsoft Graph', without: 'Microsoft Defender alerts are not collected' },
  { api: 'graph', permission: 'IdentityRiskEvent.Read.All', apiName: 'Microsoft Graph', without: 'Identity Protection risk detections are not collected' },
  { api: 'graph', permission: 'IdentityRiskyUser.Read.All', apiName: 'Microsoft Graph', without: 'risky users from Identity Protection are not collected' },
  {
    api: 'graph',
    permission: 'MailboxSettings.Read',
    apiName: 'Microsoft Graph',
    without: 'inbox rules cannot be read, so events about them show no rule details',
  },
  {
    api: 'graph',
    permission: 'Files.Read.All',
    apiName: 'Microsoft Graph',
    without: 'shared files cannot be read, so anonymous-link events show no link details',
  },
  {
    api: 'exchange',
    permission: 'Exchange.ManageAsApp',
    apiName: 'Office 365 Exchange Online',
    without:
      'mail flow (transport) rules cannot be read, so events about them show no rule details (the app also needs an Exchange role such as View-Only Organization Management)',
  },
];
