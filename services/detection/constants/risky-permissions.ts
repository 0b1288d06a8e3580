/**
 * Microsoft Graph (and Exchange / SharePoint) permissions that let an app read or control what
 * an attacker wants: mail, files, the directory. Consent to any of these is reviewed. Names are
 * the permission values as they appear in consent records (`Scope: Mail.Read offline_access`) and
 * app role assignments; each says why it is risky.
 */
export const RISKY_PERMISSIONS: readonly { permission: string; why: string }[] = [
  { permission: 'Mail.Read', why: 'Reads all mail the user (or, as an application permission, every user) can read.' },
  { permission: 'Mail.ReadWrite', why: 'Reads, changes and deletes mail: enough for inbox-rule-like hiding and for stealing mail.' },
  { permission: 'Mail.Send', why: 'Sends mail as the user: internal phishing and payment fraud from a trusted mailbox.' },
  { permission: 'Mail.ReadBasic.All', why: 'Reads headers of every mailbox.' },
  { permission: 'MailboxSettings.ReadWrite', why: 'Creates inbox rules and forwarding.' },
  { permission: 'EWS.AccessAsUser.All', why: 'Full mailbox access through Exchange Web Services.' },
  { permission: 'full_access_as_app', why: 'Full access to every mailbox (Exchange application permission).' },
  { permission: 'IMAP.AccessAsUser.All', why: 'Mailbox access over IMAP.' },
  { permission: 'POP.AccessAsUser.All', why: 'Mailbox access over POP.' },
  { permission: 'SMTP.Send', why: 'Sends mail as the user over SMTP.' },
  { permission: 'Files.Read.All', why: 'Reads every file the user can reach in OneDrive and SharePoint.' },
  { permission: 'Files.ReadWrite.All', why: 'Reads, changes and deletes every file the user can reach (ransomware-style encryption).' },
  { permission: 'Sites.Read.All', why: 'Reads every SharePoint site the user can reach.' },
  { permission: 'Sites.ReadWrite.All', why: 'Changes every SharePoint site the user can reach.' },
  { permission: 'Sites.FullControl.All', why: 'Full control of every site.' },
  { permission: 'Notes.Read.All', why: 'Reads all OneNote notebooks (passwords are often kept there).' },
  { permission: 'Notes.ReadWrite.All', why: 'Reads and changes all OneNote notebooks.' },
  { permission: 'Contacts.Read', why: 'Harvests contacts for further phishing.' },
  { permission: 'Chat.Read', why: 'Reads Teams chats.' },
  { permission: 'Chat.ReadWrite', why: 'Reads and sends Teams chats.' },
  { permission: 'Directory.ReadWrite.All', why: 'Changes the directory: users, groups, apps.' },
  { permission: 'Directory.AccessAsUser.All', why: 'Everything the signed-in user can do in the directory, as them.' },
  { permission: 'User.ReadWrite.All', why: 'Changes every user.' },
  { permission: 'Application.ReadWrite.All', why: 'Adds credentials to any app: persistence with the apps\' own permissions.' },
  { permission: 'AppRoleAssignment.ReadWrite.All', why: 'Grants itself or others any application permission.' },
  { permission: 'RoleManagement.ReadWrite.Directory', why: 'Grants directory roles, Global Administrator included.' },
  { permission: 'UserAuthenticationMethod.ReadWrite.All', why: 'Changes users\' MFA methods.' },
  { permission: 'Policy.ReadWrite.ConditionalAccess', why: 'Switches off Conditional Access.' },
  { permission: 'Group.ReadWrite.All', why: 'Changes groups, including membership of privileged groups.' },
];

const BY_NAME = new Map(RISKY_PERMISSIONS.map((p) => [p.permission.toLowerCase(), p]));

/** The risky permissions among `scopes`, in their canonical spelling. */
export function riskyPermissions(scopes: readonly string[]): string[] {
  return [...new Set(scopes.map((s) => BY_NAME.get(s.toLowerCase())?.permission).filter((p): p is string => p !== undefined))];
}
