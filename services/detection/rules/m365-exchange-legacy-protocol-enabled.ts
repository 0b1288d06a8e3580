import { param, succeeded } from '../records.ts';
import { defineRule } from '../types.ts';
import { ACCOUNT_TAKEOVER, noSettings, user } from './lib/common.ts';
import { EXCHANGE_ADMIN_SOURCES, isOn } from './lib/exchange-admin.ts';
import { isSystemActor } from './lib/system-actor.ts';

/** Set-CASMailbox switches that open a mailbox to protocols attackers use to pull mail. */
const PROTOCOLS = [
  { parameter: 'PopEnabled', name: 'POP3' },
  { parameter: 'ImapEnabled', name: 'IMAP4' },
  { parameter: 'EwsEnabled', name: 'EWS' },
] as const;

/**
 * POP, IMAP or EWS turned on for a mailbox: with a stolen password (or token for EWS) these
 * download the whole mailbox with a script, and POP/IMAP over basic authentication skip MFA
 * where it is still allowed (MITRE T1114.002).
 */
export const legacyProtocolEnabled = defineRule({
  id: 'M365.Exchange.LegacyProtocolEnabled',
  title: 'POP, IMAP or EWS turned on for a mailbox',
  severity: 'medium',
  mitre: ['TA0009:T1114.002', 'TA0005:T1562.001'],
  description: 'Set-CASMailbox turned on PopEnabled, ImapEnabled or EwsEnabled for a mailbox.',
  howToReact: [
    '1. Check who turned it on for which mailbox and whether the user asked for a mail client that needs it (rare today).',
    '2. If unexpected: turn it off again (Set-CASMailbox <mailbox> -PopEnabled $false -ImapEnabled $false), and treat the admin account as compromised.',
    "3. Look at the mailbox's sign-ins for IMAP/POP or EWS clients since the change (a legacy authentication sign-in event).",
    '4. Disable POP and IMAP for new mailboxes (Set-CASMailboxPlan) and block legacy authentication with Conditional Access.',
  ].join('\n'),
  remediations: { user: ACCOUNT_TAKEOVER },
  dedupMinutes: 24 * 60,
  settings: noSettings,
  on: { sources: EXCHANGE_ADMIN_SOURCES, operations: ['Set-CASMailbox'] },
  match(record) {
    if (!succeeded(record) || isSystemActor(record)) return null;
    const opened = PROTOCOLS.filter((p) => isOn(param(record, p.parameter))).map((p) => p.name);
    if (opened.length === 0) return null;
    const mailbox = (param(record, 'Identity') ?? record.target ?? '').toLowerCase();
    const actor = record.actorUpn ?? 'someone';
    return {
      primary: { kind: 'mailbox', key: mailbox },
      related: [
        ...(mailbox.includes('@') ? [user(mailbox)] : []),
        ...(record.actorUpn?.includes('@') && record.actorUpn !== mailbox ? [user(record.actorUpn)] : []),
      ],
      description: `${actor} turned on ${opened.join(', ')} for mailbox ${mailbox}.`,
      eventType: 'MailboxProtocolEnabled',
      operationResult: 'Success',
      userName: mailbox.includes('@') ? mailbox : record.actorUpn,
      target: mailbox,
      fields: { protocols: opened },
    };
  },
});
