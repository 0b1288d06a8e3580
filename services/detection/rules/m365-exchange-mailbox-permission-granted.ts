import { param, succeeded } from '../records.ts';
import { defineRule } from '../types.ts';
import { isSystemActor } from './lib/system-actor.ts';
import { ACCOUNT_TAKEOVER, noSettings, user } from './lib/common.ts';

/** Principals Exchange grants to itself; not a person getting access. */
const SYSTEM_PRINCIPALS = /^(NT AUTHORITY\\|S-1-5-|SELF$)/i;

/**
 * FullAccess (read everything) or SendAs (send as the owner) granted on a mailbox: how an
 * attacker with an admin account reaches the CFO's mail without touching the CFO's account.
 */
export const mailboxPermissionGranted = defineRule({
  id: 'M365.Exchange.MailboxPermissionGranted',
  title: 'Full access or send-as granted on a mailbox',
  severity: 'medium',
  mitre: ['TA0003:T1098.002'],
  description: 'Add-MailboxPermission granted FullAccess, or Add-RecipientPermission granted SendAs, to another user.',
  howToReact: [
    '1. Check who granted it, to whom and on which mailbox. Delegation for assistants and shared mailboxes is normal when requested through the help desk.',
    '2. Ask the mailbox owner or their manager whether the access is expected.',
    '3. If not: remove the permission in the Exchange admin center (Mailboxes > Delegation), then treat the granting admin account as compromised: revoke sessions and reset the password.',
    '4. Use the mailbox audit (MailItemsAccessed) to see whether the grantee already read mail.',
  ].join('\n'),
  remediations: { user: ACCOUNT_TAKEOVER },
  dedupMinutes: 24 * 60,
  settings: noSettings,
  on: { sources: ['Audit.Exchange', 'import'], operations: ['Add-MailboxPermission', 'Add-RecipientPermission'] },
  match(record) {
    // Judge who gave it: Exchange setting up a mailbox (Discovery Management on
    // DiscoverySearchMailbox) is not a person granting access.
    if (!succeeded(record) || isSystemActor(record)) return null;
    const rights = param(record, 'AccessRights') ?? '';
    const right = /fullaccess/i.test(rights) ? 'FullAccess' : /sendas/i.test(rights) ? 'SendAs' : null;
    if (!right) return null;
    const grantee = (param(record, 'User') ?? param(record, 'Trustee') ?? '').trim();
    if (!grantee || SYSTEM_PRINCIPALS.test(grantee)) return null;
    const mailbox = (param(record, 'Identity') ?? record.target ?? '').toLowerCase();
    return {
      primary: { kind: 'mailbox', key: mailbox },
      related: [user(grantee), ...(record.actorUpn ? [user(record.actorUpn)] : [])],
      description: `${record.actorUpn ?? 'Someone'} granted ${right} on mailbox ${mailbox} to ${grantee}.`,
      eventType: 'MailboxPermissionGranted',
      operationResult: 'Success',
      userName: grantee.toLowerCase(),
      target: mailbox,
      fields: { accessRights: right, grantee },
    };
  },
});
