/**
 * Exchange Online mailboxes: their forwarding settings (Get-Mailbox / Set-Mailbox) and the
 * Exchange view of inbox rules (Get-InboxRule). Inbox rules are one state per mailbox, the
 * Graph `messageRule` list in `directory.messageRules`; the InboxRule objects here are computed
 * from it, so a change through either API is visible through the other.
 */
import { toGraphTime } from './clock.ts';
import { derivedId, type MessageRule, type Recipient } from './directory.ts';
import type { AuditRecord, GraphUser } from './records.ts';
import { WELL_KNOWN_FOLDERS, mailFolderId } from './scenarios/mail-folders.ts';
import type { SimTenant } from './state.ts';

/** What Set-Mailbox changes for forwarding; a mailbox without an entry forwards nowhere. */
export interface MailboxForwarding {
  /** `smtp:someone@fabrikam.com`, as Exchange stores it, or null. */
  ForwardingSmtpAddress: string | null;
  /** A recipient in the organisation (its name), or null. */
  ForwardingAddress: string | null;
  DeliverToMailboxAndForward: boolean;
  WhenChanged: string;
}

const NO_FORWARDING = { ForwardingSmtpAddress: null, ForwardingAddress: null, DeliverToMailboxAndForward: false } as const;

/** Every user with a mail address has a mailbox. */
export function hasMailbox(user: GraphUser): boolean {
  return typeof user.mail === 'string' && user.mail.length > 0;
}

export function mailboxAlias(user: GraphUser): string {
  return (user.mail ?? user.userPrincipalName).split('@')[0] ?? user.id;
}

/** The mailbox a Get-Mailbox / Set-Mailbox `Identity` (or Get-InboxRule `Mailbox`) names: alias, name, address, UPN, object id, GUID or DN. */
export function findMailbox(tenant: SimTenant, identity: string): GraphUser | undefined {
  const key = identity.trim().toLowerCase();
  if (!key) return undefined;
  // `NAMPR…PROD.OUTLOOK.COM/Microsoft Exchange Hosted Organizations/contoso.onmicrosoft.com/<object id or alias>`
  const last = key.includes('/') ? key.slice(key.lastIndexOf('/') + 1) : key;
  return tenant.users.filter(hasMailbox).find((u) => {
    const alias = mailboxAlias(u).toLowerCase();
    const names = [
      u.id,
      u.userPrincipalName,
      u.mail ?? '',
      alias,
      u.displayName,
      `${alias}@${tenant.initialDomain}`,
      derivedId(tenant.id, 'mailbox', u.id),
    ].map((n) => n.toLowerCase());
    return names.includes(key) || names.includes(last) || distinguishedName(tenant, u).toLowerCase() === key;
  });
}

function distinguishedName(tenant: SimTenant, user: GraphUser): string {
  return `CN=${mailboxAlias(user)},OU=${tenant.initialDomain},OU=Microsoft Exchange Hosted Organizations,DC=NAMPR13A001,DC=PROD,DC=OUTLOOK,DC=COM`;
}

export function mailboxForwarding(tenant: SimTenant, user: GraphUser): MailboxForwarding | undefined {
  return tenant.directory.mailboxes.get(user.id.toLowerCase());
}

/** Get-Mailbox's object for a user (PascalCase, the properties in use). */
export function mailboxObject(tenant: SimTenant, user: GraphUser): Record<string, unknown> {
  const alias = mailboxAlias(user);
  const forwarding = mailboxForwarding(tenant, user);
  return {
    Identity: alias,
    Name: alias,
    Alias: alias,
    DisplayName: user.displayName,
    UserPrincipalName: user.userPrincipalName,
    PrimarySmtpAddress: user.mail,
    WindowsEmailAddress: user.mail,
    EmailAddresses: [`SMTP:${user.mail ?? user.userPrincipalName}`, `smtp:${alias}@${tenant.initialDomain}`],
    ExternalDirectoryObjectId: user.id,
    Guid: derivedId(tenant.id, 'mailbox', user.id),
    ExchangeGuid: derivedId(tenant.id, 'exchange-guid', user.id),
    DistinguishedName: distinguishedName(tenant, user),
    OrganizationalUnit: `NAMPR13A001.PROD.OUTLOOK.COM/Microsoft Exchange Hosted Organizations/${tenant.initialDomain}`,
    RecipientType: 'UserMailbox',
    RecipientTypeDetails: 'UserMailbox',
    AccountDisabled: !user.accountEnabled,
    IsMailboxEnabled: true,
    ForwardingAddress: forwarding?.ForwardingAddress ?? null,
    ForwardingSmtpAddress: forwarding?.ForwardingSmtpAddress ?? null,
    DeliverToMailboxAndForward: forwarding?.DeliverToMailboxAndForward ?? false,
    WhenCreated: user.createdDateTime,
    WhenChanged: forwarding?.WhenChanged ?? user.createdDateTime,
  };
}

const SMTP = /^(?:smtp:)?([^\s@<>"]+@[^\s@<>"]+\.[^\s@<>"]+)$/i;

/** `x@fabrikam.com` or `smtp:x@fabrikam.com` → `smtp:x@fabrikam.com`; undefined when not an address. */
export function normalizeForwardingSmtpAddress(value: string): string | undefined {
  const match = SMTP.exec(value.trim());
  return match?.[1] ? `smtp:${match[1]}` : undefined;
}

export interface ForwardingChange {
  ForwardingSmtpAddress?: string | null;
  ForwardingAddress?: string | null;
  DeliverToMailboxAndForward?: boolean;
}

/** Applies validated forwarding parameters; a mailbox back to no forwarding at all has no entry. */
export function setMailboxForwarding(tenant: SimTenant, user: GraphUser, change: ForwardingChange, nowMs: number): void {
  const key = user.id.toLowerCase();
  const next: MailboxForwarding = { ...NO_FORWARDING, ...tenant.directory.mailboxes.get(key), ...change, WhenChanged: toGraphTime(nowMs) };
  tenant.directory.mailboxes.set(key, next);
}

/**
 * Brings mailbox state in line with the successful Set-Mailbox records of a scenario (or of
 * records injected later), in time order: the audit log says what was done to the mailbox.
 */
export function applyAuditedMailboxChanges(tenant: SimTenant, records: AuditRecord[]): void {
  const setMailbox = records
    .filter((r) => r.Workload === 'Exchange' && r.Operation === 'Set-Mailbox' && (r.ResultStatus === 'True' || r.ResultStatus === 'Succeeded'))
    .sort((a, b) => a.CreationTime.localeCompare(b.CreationTime));
  for (const record of setMailbox) {
    const parameters = Array.isArray(record.Parameters) ? (record.Parameters as { Name: string; Value: string }[]) : [];
    const value = (name: string): string | undefined => parameters.find((p) => p.Name === name)?.Value;
    const identity = value('Identity') ?? (typeof record.ObjectId === 'string' ? record.ObjectId : '');
    const user = findMailbox(tenant, identity) ?? (typeof record.ObjectId === 'string' ? findMailbox(tenant, record.ObjectId) : undefined);
    if (!user) continue;
    const change: ForwardingChange = {};
    const smtp = value('ForwardingSmtpAddress');
    if (smtp !== undefined) change.ForwardingSmtpAddress = smtp === '' ? null : (normalizeForwardingSmtpAddress(smtp) ?? smtp);
    const recipient = value('ForwardingAddress');
    if (recipient !== undefined) change.ForwardingAddress = recipient === '' ? null : recipient;
    const deliver = value('DeliverToMailboxAndForward');
    if (deliver !== undefined) change.DeliverToMailboxAndForward = deliver.toLowerCase() === 'true';
    setMailboxForwarding(tenant, user, change, Date.parse(`${record.CreationTime}Z`));
  }
}

/** The mailbox's inbox rules: the stored list itself (edit it in place), or an empty one when the mailbox has none. */
export function inboxRules(tenant: SimTenant, user: GraphUser): MessageRule[] {
  return tenant.directory.messageRules.get(user.id.toLowerCase()) ?? [];
}

/** Exchange's RuleIdentity: the eight bytes of Graph's messageRule id as an unsigned little-endian integer. */
export function ruleIdentity(rule: MessageRule): string {
  const bytes = Buffer.from(rule.id, 'base64');
  return bytes.length === 8 ? bytes.readBigUInt64LE(0).toString() : rule.id;
}

/** The rule an InboxRule `Identity` names within a mailbox: its name, RuleIdentity or `mailbox\RuleIdentity`. */
export function findInboxRule(rules: MessageRule[], identity: string): MessageRule | undefined {
  const key = identity.trim();
  return (
    rules.find((r) => r.displayName === key || ruleIdentity(r) === key || r.id === key) ?? rules.find((r) => r.displayName.toLowerCase() === key.toLowerCase())
  );
}

function recipients(list: unknown): string[] | null {
  if (!Array.isArray(list) || list.length === 0) return null;
  return (list as Recipient[]).map((r) => `"${r.emailAddress.name || r.emailAddress.address}" [SMTP:${r.emailAddress.address}]`);
}

function words(list: unknown): string[] | null {
  return Array.isArray(list) && list.length > 0 ? (list as string[]) : null;
}

function folderName(tenant: SimTenant, user: GraphUser, folderId: unknown): string | null {
  if (typeof folderId !== 'string') return null;
  const names = [...WELL_KNOWN_FOLDERS, ...(tenant.directory.mailFolders.get(user.id.toLowerCase()) ?? [])];
  const name = names.find((n) => mailFolderId(user.id, n) === folderId);
  return name ? `${mailboxAlias(user)}:\\${name}` : folderId;
}

/** Get-InboxRule's object for one messageRule. */
export function inboxRuleObject(tenant: SimTenant, user: GraphUser, rule: MessageRule): Record<string, unknown> {
  const conditions = rule.conditions ?? {};
  const actions = rule.actions ?? {};
  const exceptions = rule.exceptions ?? {};
  const alias = mailboxAlias(user);
  const identity = ruleIdentity(rule);
  const description: string[] = [];
  if (words(conditions.bodyOrSubjectContains))
    description.push(`If the message:\r\n\tincludes '${(conditions.bodyOrSubjectContains as string[]).join("' or '")}' in the subject or body`);
  if (recipients(conditions.fromAddresses))
    description.push(`If the message:\r\n\tis received from ${(recipients(conditions.fromAddresses) ?? []).join(' or ')}`);
  const taken: string[] = [];
  if (recipients(actions.forwardTo)) taken.push(`forward the message to ${(recipients(actions.forwardTo) ?? []).join(' or ')}`);
  if (recipients(actions.redirectTo)) taken.push(`redirect the message to ${(recipients(actions.redirectTo) ?? []).join(' or ')}`);
  if (actions.moveToFolder) taken.push(`move the message to folder '${folderName(tenant, user, actions.moveToFolder) ?? ''}'`);
  if (actions.delete === true) taken.push('delete the message');
  if (actions.markAsRead === true) taken.push('mark the message as read');
  if (actions.stopProcessingRules === true) taken.push('stop processing more rules on this message');
  return {
    Identity: `${alias}\\${identity}`,
    Name: rule.displayName,
    RuleIdentity: identity,
    MailboxOwnerId: alias,
    Enabled: rule.isEnabled,
    InError: rule.hasError,
    Priority: rule.sequence,
    SupportedByTask: true,
    Description: `${description.join('\r\n')}${taken.length ? `\r\nTake the following actions:\r\n\t${taken.join('\r\n\tand ')}\r\n` : ''}`,
    SubjectOrBodyContainsWords: words(conditions.bodyOrSubjectContains),
    SubjectContainsWords: words(conditions.subjectContains),
    BodyContainsWords: words(conditions.bodyContains),
    FromAddressContainsWords: words(conditions.senderContains),
    From: recipients(conditions.fromAddresses),
    SentTo: recipients(conditions.sentToAddresses),
    ExceptIfSubjectOrBodyContainsWords: words(exceptions.bodyOrSubjectContains),
    ForwardTo: recipients(actions.forwardTo),
    ForwardAsAttachmentTo: recipients(actions.forwardAsAttachmentTo),
    RedirectTo: recipients(actions.redirectTo),
    MoveToFolder: folderName(tenant, user, actions.moveToFolder),
    CopyToFolder: folderName(tenant, user, actions.copyToFolder),
    DeleteMessage: actions.delete === true,
    SoftDeleteMessage: actions.permanentDelete === true,
    MarkAsRead: actions.markAsRead === true,
    MarkImportance: typeof actions.markImportance === 'string' ? actions.markImportance.charAt(0).toUpperCase() + actions.markImportance.slice(1) : null,
    StopProcessingRules: actions.stopProcessingRules === true,
  };
}
