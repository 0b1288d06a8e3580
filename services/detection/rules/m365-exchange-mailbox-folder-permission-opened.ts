import { z } from 'zod';
import { param, succeeded } from '../records.ts';
import { defineRule } from '../types.ts';
import { isSystemActor } from './lib/system-actor.ts';
import { ACCOUNT_TAKEOVER, user } from './lib/common.ts';

/**
 * Folder roles and single permissions that let the grantee read items (Exchange's
 * Add-MailboxFolderPermission reference: every role from Reviewer up includes ReadItems).
 * Contributor, AvailabilityOnly, LimitedDetails and None do not.
 */
const READING_RIGHTS = new Set([
  'owner',
  'publishingeditor',
  'editor',
  'publishingauthor',
  'author',
  'nonediting author',
  'noneditingauthor',
  'reviewer',
  'readitems',
]);

/** Folders that are not mail: sharing a calendar with everyone in the company is ordinary. */
const NOT_MAIL = new Set(['calendar', 'contacts', 'tasks', 'notes', 'journal']);

/** The mail folders whose opening is an attacker's persistence (Inbox, the mailbox root) rather than a shared project folder. */
const KEY_FOLDERS = new Set(['', 'inbox', 'sent items', 'top of information store']);

/**
 * `mailbox:\Folder\Sub`: the mailbox and the folder path (empty for the root, the "Top of
 * Information Store"). Identity may also be a folder id; then the folder is unknown.
 */
function parseFolderIdentity(identity: string): { mailbox: string; folder: string | null } {
  const at = identity.indexOf(':\\');
  if (at < 0) return { mailbox: identity.trim().toLowerCase(), folder: null };
  return {
    mailbox: identity.slice(0, at).trim().toLowerCase(),
    folder: identity
      .slice(at + 2)
      .replace(/\\+$/, '')
      .trim(),
  };
}

const settings = z.object({
  /** Non-mail folders (calendars, contacts) opened to everyone are ordinary sharing. */
  ignoreNonMailFolders: z.boolean().default(true),
});

/**
 * A mailbox folder opened to `Default` (every authenticated user of the organisation) or
 * `Anonymous` with a role that can read items: an attacker who holds any account in the tenant
 * can then read the victim's Inbox through EWS, with no sign-in as the victim and no mailbox
 * delegate to find (MITRE T1098.002). Set-MailboxFolderPermission changing the same entries counts.
 */
export const mailboxFolderPermissionOpened = defineRule({
  id: 'M365.Exchange.MailboxFolderPermissionOpened',
  title: 'Mailbox folder opened to everyone in the organisation or to anonymous users',
  severity: 'high',
  mitre: ['TA0003:T1098.002', 'TA0009:T1114.002'],
  description:
    'Add-MailboxFolderPermission or Set-MailboxFolderPermission gave the Default or Anonymous user a role that reads items (Reviewer, Author, Editor, Owner…) on a mail folder: high for the Inbox, Sent Items or the mailbox root, medium for other mail folders.',
  howToReact: [
    '1. Check the mailbox, the folder, the role and who ran the cmdlet. Opening an Inbox or a whole mailbox to everyone is almost never a business need; shared project folders sometimes are.',
    '2. If unexpected: set the entry back with Set-MailboxFolderPermission -Identity "<mailbox>:\\<folder>" -User Default -AccessRights None (and Anonymous), on the root folder too.',
    '3. Treat the account that ran the cmdlet as compromised: revoke sessions, reset the password; check its other changes (inbox rules, forwarding, delegates).',
    '4. Look for folder permissions the same way on other mailboxes (Get-MailboxFolderPermission for Default/Anonymous) and for MailItemsAccessed by unexpected users.',
  ].join('\n'),
  remediations: { user: ACCOUNT_TAKEOVER },
  dedupMinutes: 24 * 60,
  settings,
  on: { sources: ['Audit.Exchange', 'import'], operations: ['Add-MailboxFolderPermission', 'Set-MailboxFolderPermission'] },
  match(record, ctx) {
    if (!succeeded(record) || isSystemActor(record)) return null;
    const grantee = (param(record, 'User') ?? '').trim();
    if (!/^(default|anonymous)$/i.test(grantee)) return null;
    const rights = (param(record, 'AccessRights') ?? '').split(/[,;\s]+/).filter(Boolean);
    const reading = rights.filter((r) => READING_RIGHTS.has(r.toLowerCase()));
    if (reading.length === 0) return null;
    const identity = param(record, 'Identity') ?? record.target ?? '';
    const { mailbox, folder } = parseFolderIdentity(identity);
    const lastPart = folder?.split('\\').pop()?.toLowerCase() ?? null;
    if (ctx.settings.ignoreNonMailFolders && lastPart !== null && NOT_MAIL.has(lastPart)) return null;
    const key = folder === null || KEY_FOLDERS.has(folder.toLowerCase());
    const where = folder === null ? `a folder of ${mailbox}` : folder === '' ? `the whole mailbox ${mailbox} (root folder)` : `${mailbox}:\\${folder}`;
    const who = /^anonymous$/i.test(grantee) ? 'anonymous users' : 'everyone in the organisation (Default)';
    return {
      primary: { kind: 'mailbox', key: mailbox },
      related: record.actorUpn ? [user(record.actorUpn)] : [],
      dedupKey: `${mailbox}|${grantee.toLowerCase()}`,
      severity: key ? 'high' : 'medium',
      description: `${record.actorUpn ?? 'Someone'} gave ${who} ${reading.join(', ')} on ${where}.`,
      eventType: 'MailboxPermissionGranted',
      operationResult: 'Success',
      userName: mailbox.includes('@') ? mailbox : record.actorUpn,
      target: identity,
      fields: { accessRights: rights, grantee, folder },
    };
  },
});
