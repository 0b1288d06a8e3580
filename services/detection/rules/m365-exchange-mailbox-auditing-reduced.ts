import { param, succeeded } from '../records.ts';
import { defineRule } from '../types.ts';
import { ACCOUNT_TAKEOVER, noSettings, user } from './lib/common.ts';
import { EXCHANGE_ADMIN_SOURCES } from './lib/exchange-admin.ts';
import { isSystemActor } from './lib/system-actor.ts';

/**
 * The mailbox actions an investigation cannot do without, per logon type: what was read
 * (MailItemsAccessed), sent, deleted, and rules changed. Microsoft's default audit sets include
 * them (Manage mailbox auditing, learn.microsoft.com/purview/audit-mailboxes).
 */
const KEY_ACTIONS: Record<string, readonly string[]> = {
  AuditOwner: ['MailItemsAccessed', 'HardDelete', 'SoftDelete', 'MoveToDeletedItems', 'UpdateInboxRules', 'Send'],
  AuditDelegate: ['MailItemsAccessed', 'HardDelete', 'SoftDelete', 'MoveToDeletedItems', 'UpdateInboxRules', 'SendAs', 'SendOnBehalf'],
  AuditAdmin: ['MailItemsAccessed', 'HardDelete', 'SoftDelete', 'MoveToDeletedItems', 'UpdateInboxRules', 'Send', 'SendAs', 'SendOnBehalf'],
};

/** Actions a parameter value takes away: `@{Remove="MailItemsAccessed"}`, or those missing from a plain list that replaces the set. */
export function removedAuditActions(parameter: string, value: string): string[] {
  const v = value.trim();
  const keys = KEY_ACTIONS[parameter] ?? [];
  const listed = (text: string) => keys.filter((k) => new RegExp(`\\b${k}\\b`, 'i').test(text));
  const removal = /remove\s*=\s*([^}]*)/i.exec(v);
  if (removal) return listed(removal[1] ?? '');
  if (/^@\{/.test(v)) return []; // `@{Add=…}` only adds
  if (/^\$?null$|^none$|^$/i.test(v)) return [...keys];
  return keys.filter((k) => !listed(v).includes(k));
}

/**
 * A mailbox's audit set reduced: key actions removed from what is recorded for the owner,
 * delegates or admins, or the mailbox taken off the default audit set. Turning auditing off
 * altogether is AuditLoggingDisabled (MITRE T1562.008).
 */
export const mailboxAuditingReduced = defineRule({
  id: 'M365.Exchange.MailboxAuditingReduced',
  title: 'Mailbox auditing reduced',
  severity: 'medium',
  mitre: ['TA0005:T1562.008'],
  description:
    'Set-Mailbox removed key actions (MailItemsAccessed, deletions, sends, inbox-rule changes) from what a mailbox audits for its owner, delegates or admins.',
  howToReact: [
    "1. Check who changed the mailbox's audit set and why; E3 and E5 tenants have no routine reason to record less.",
    "2. Restore Microsoft's default set: Set-Mailbox <mailbox> -DefaultAuditSet Admin,Delegate,Owner.",
    '3. If unexplained, treat the admin account as compromised (revoke sessions, reset the password) and review the mailbox: inbox rules, forwarding, delegates, recent access.',
    '4. Check other mailboxes for the same change (Get-Mailbox | Select AuditOwner, DefaultAuditSet).',
  ].join('\n'),
  remediations: { user: ACCOUNT_TAKEOVER },
  dedupMinutes: 24 * 60,
  settings: noSettings,
  // Auditing turned off altogether is the sharper event.
  suppressedBy: ['M365.Exchange.AuditLoggingDisabled'],
  on: { sources: EXCHANGE_ADMIN_SOURCES, operations: ['Set-Mailbox'] },
  match(record) {
    if (!succeeded(record) || isSystemActor(record)) return null;
    const removed: string[] = [];
    for (const parameter of Object.keys(KEY_ACTIONS)) {
      const value = param(record, parameter);
      if (value === null) continue;
      for (const a of removedAuditActions(parameter, value)) removed.push(`${a} (${parameter.replace('Audit', '').toLowerCase()})`);
    }
    if (removed.length === 0) return null;
    const mailbox = (param(record, 'Identity') ?? record.target ?? '').toLowerCase();
    const actor = record.actorUpn ?? 'someone';
    return {
      primary: { kind: 'mailbox', key: mailbox },
      related: record.actorUpn?.includes('@') ? [user(record.actorUpn)] : [],
      description: `${actor} stopped mailbox ${mailbox} from auditing ${removed.slice(0, 6).join(', ')}${removed.length > 6 ? ` and ${removed.length - 6} more` : ''}.`,
      eventType: 'AuditLoggingChange',
      operationResult: 'Success',
      userName: record.actorUpn,
      target: mailbox,
      fields: { removedAuditActions: removed },
    };
  },
});
