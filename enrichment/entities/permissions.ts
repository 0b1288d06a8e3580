/**
 * Microsoft Graph permissions an app can be granted, in the words an MSP admin needs and with
 * the risk each carries when an unknown app holds it. One table for delegated scopes and
 * application roles (names are shared; an application grant covers every user, so it is never
 * rated lower than the delegated one).
 *
 * Risk, in short: `critical` = can take over the tenant (write the directory, grant itself
 * roles); `high` = can read or exfiltrate every mailbox or file it reaches, send as users, or
 * keep access; `medium` = reads broad organisational data or keeps access without a user;
 * `low` = sign-in and the user's own profile.
 *
 * services/detection may hold a similar list for its rules; the two should become one.
 */
export const RISK_LEVELS = ['low', 'medium', 'high', 'critical'] as const;
export type RiskLevel = (typeof RISK_LEVELS)[number];

export interface PermissionInfo {
  description: string;
  /** Risk when granted as a delegated scope (on behalf of a signed-in user). */
  delegated: RiskLevel;
  /** Risk when granted as an application permission (no user, every mailbox/file/user). */
  application: RiskLevel;
}

const p = (description: string, delegated: RiskLevel, application: RiskLevel = delegated): PermissionInfo => ({ description, delegated, application });

export const GRAPH_PERMISSIONS: Readonly<Record<string, PermissionInfo>> = {
  // Sign-in and profile.
  openid: p('Sign users in.', 'low'),
  profile: p("See users' basic profile.", 'low'),
  email: p("See users' primary email address.", 'low'),
  offline_access: p('Keep access to the data it was given, even when the user is not using the app (refresh tokens).', 'medium'),
  'User.Read': p('Sign in and read the signed-in user\'s profile.', 'low'),
  'User.ReadBasic.All': p("Read all users' basic profiles.", 'low', 'medium'),
  'User.Read.All': p("Read all users' full profiles.", 'medium'),
  'User.ReadWrite.All': p("Read and change all users' profiles.", 'high', 'critical'),
  'User.ReadWrite': p("Read and change the signed-in user's profile.", 'low'),
  'User.EnableDisableAccount.All': p('Enable and disable user accounts.', 'high'),
  'User-PasswordProfile.ReadWrite.All': p("Reset users' passwords.", 'critical'),
  'UserAuthenticationMethod.ReadWrite.All': p("Read and change users' sign-in methods (MFA).", 'critical'),
  'UserAuthenticationMethod.Read.All': p("Read users' registered sign-in methods.", 'medium'),

  // Mail.
  'Mail.ReadBasic': p("Read the user's mail without bodies or attachments.", 'medium', 'high'),
  'Mail.ReadBasic.All': p('Read mail in all mailboxes without bodies or attachments.', 'high'),
  'Mail.Read': p("Read the user's mail.", 'high'),
  'Mail.Read.Shared': p('Read mail the user can access, including shared mailboxes.', 'high'),
  'Mail.ReadWrite': p("Read, change and delete the user's mail (not send).", 'high'),
  'Mail.ReadWrite.Shared': p('Read, change and delete mail the user can access, including shared mailboxes.', 'high'),
  'Mail.Send': p('Send mail as the user.', 'high'),
  'Mail.Send.Shared': p('Send mail as the user or on behalf of others.', 'high'),
  'MailboxSettings.Read': p("Read mailbox settings, including inbox rules.", 'medium'),
  'MailboxSettings.ReadWrite': p('Change mailbox settings, including inbox rules and forwarding.', 'high'),
  'EWS.AccessAsUser.All': p("Full access to the user's mailbox through Exchange Web Services.", 'high'),
  'IMAP.AccessAsUser.All': p("Read and write the user's mailbox over IMAP.", 'high'),
  'POP.AccessAsUser.All': p("Read the user's mailbox over POP.", 'high'),
  'SMTP.Send': p('Send mail as the user over SMTP.', 'high'),
  'Contacts.Read': p("Read the user's contacts.", 'medium', 'high'),
  'Contacts.ReadWrite': p("Read and change the user's contacts.", 'medium', 'high'),
  'Calendars.Read': p("Read the user's calendars.", 'medium', 'high'),
  'Calendars.ReadWrite': p("Read and change the user's calendars.", 'medium', 'high'),

  // Files and sites.
  'Files.Read': p("Read the user's files.", 'medium'),
  'Files.ReadWrite': p("Read, change and delete the user's files.", 'medium', 'high'),
  'Files.Read.All': p('Read all files the user can access.', 'high'),
  'Files.ReadWrite.All': p('Read, change and delete all files the user can access.', 'high'),
  'Sites.Read.All': p('Read documents and lists in all sites.', 'high'),
  'Sites.ReadWrite.All': p('Read, change and delete documents and lists in all sites.', 'high'),
  'Sites.FullControl.All': p('Full control of all sites.', 'critical'),
  'Notes.Read.All': p('Read all OneNote notebooks the user can access.', 'medium', 'high'),

  // Teams and chat.
  'Chat.Read': p("Read the user's Teams chats.", 'high'),
  'Chat.ReadWrite': p("Read and send the user's Teams chat messages.", 'high'),
  'Chat.Read.All': p('Read all Teams chats.', 'high'),
  'ChannelMessage.Read.All': p('Read all channel messages.', 'high'),
  'Team.ReadBasic.All': p('Read the names and descriptions of teams.', 'low'),
  'TeamsAppInstallation.ReadWriteForUser': p("Install and remove Teams apps for the user.", 'medium'),

  // Directory, apps and roles.
  'Directory.Read.All': p('Read the whole directory: users, groups, apps, devices.', 'medium'),
  'Directory.ReadWrite.All': p('Read and change the whole directory.', 'critical'),
  'Directory.AccessAsUser.All': p('Access the directory as the signed-in user, with all their rights.', 'critical'),
  'Group.Read.All': p('Read all groups and their content.', 'medium', 'high'),
  'Group.ReadWrite.All': p('Create, change and delete groups and their content.', 'high', 'critical'),
  'GroupMember.ReadWrite.All': p('Add and remove members of any group.', 'high', 'critical'),
  'Application.Read.All': p('Read all app registrations and enterprise apps.', 'medium'),
  'Application.ReadWrite.All': p('Create and change apps, including adding credentials to them.', 'critical'),
  'AppRoleAssignment.ReadWrite.All': p('Grant any app any permission, including itself.', 'critical'),
  'DelegatedPermissionGrant.ReadWrite.All': p('Grant any app any delegated permission, including itself.', 'critical'),
  'RoleManagement.Read.Directory': p('Read who holds which directory role.', 'medium'),
  'RoleManagement.ReadWrite.Directory': p('Grant and remove directory roles, including Global Administrator.', 'critical'),
  'Policy.ReadWrite.ConditionalAccess': p('Change Conditional Access policies.', 'critical'),
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
  'full_access_as_app': p('Full access to every mailbox through Exchange Web Services.', 'critical'),
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
