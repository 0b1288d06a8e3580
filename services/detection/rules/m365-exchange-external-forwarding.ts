import { asString, emailAddresses, isExternalAddress, isTrue, param, rawOf, succeeded } from '../records.ts';
import { defineRule } from '../types.ts';
import { ACCOUNT_TAKEOVER, noSettings, user } from './lib/common.ts';

/**
 * Mailbox-level forwarding (`Set-Mailbox -ForwardingSmtpAddress smtp:x@y` or
 * `-ForwardingAddress <recipient>`): every message the mailbox receives is sent on, with no
 * inbox rule to see. `DeliverToMailboxAndForward False` means the owner does not even keep a copy.
 */
export const externalForwarding = defineRule({
  id: 'M365.Exchange.ExternalForwarding',
  title: 'Mailbox forwards all mail outside the organisation',
  severity: 'high',
  mitre: ['TA0009:T1114.003'],
  description:
    "Forwarding of a whole mailbox was set to an address outside the tenant's domains (Set-Mailbox ForwardingSmtpAddress), or to a recipient object that may be an outside contact (ForwardingAddress).",
  howToReact: [
    '1. Check who set it (the actor) and for which mailbox; an admin setting forwarding for a leaver is common, the owner setting it from an unusual IP is not.',
    '2. Confirm with the owner or their manager by phone. If unexpected: remove the forwarding (remove-mailbox-forwarding), revoke sessions, reset the password, require MFA re-registration.',
    '3. If "keep a copy" was off, the user has not been seeing their mail: find what went out in the message trace and tell the people affected.',
    '4. Consider blocking automatic external forwarding tenant-wide in the outbound spam policy.',
  ].join('\n'),
  remediations: { user: ACCOUNT_TAKEOVER, mailbox: ['remove-mailbox-forwarding'] },
  dedupMinutes: 24 * 60,
  settings: noSettings,
  on: { sources: ['Audit.Exchange', 'import'], operations: ['Set-Mailbox'] },
  match(record, ctx) {
    if (!succeeded(record)) return null;
    const smtp = param(record, 'ForwardingSmtpAddress');
    const recipient = param(record, 'ForwardingAddress');
    const outside = [...emailAddresses(smtp), ...emailAddresses(recipient)].filter((a) => isExternalAddress(a, ctx.tenant));
    // A recipient object by name or id: Exchange resolves it; a mail contact there is outside.
    const unresolved =
      recipient && emailAddresses(recipient).length === 0 && recipient.trim() !== '' && !/^\$?null$/i.test(recipient.trim()) ? recipient.trim() : null;
    if (outside.length === 0 && !unresolved) return null;
    const mailbox = (param(record, 'Identity') ?? record.target ?? record.actorUpn ?? '').toLowerCase();
    const keepsCopy = isTrue(param(record, 'DeliverToMailboxAndForward'));
    // The event is about the mailbox changed. Its owner is known when the identity is an
    // address, or when the owner changed their own settings in Outlook on the web; an admin
    // naming a mailbox any other way gets one event per mailbox, never one per admin.
    const ownSettings = /owa/i.test(asString(rawOf(record).AppPoolName) ?? '') || !param(record, 'Identity');
    const owner = mailbox.includes('@') ? mailbox : ownSettings ? record.actorUpn : null;
    const to = outside.length ? outside.join(', ') : `recipient '${unresolved}' (check whether it is an outside mail contact)`;
    return {
      primary: owner ? user(owner) : { kind: 'mailbox', key: mailbox },
      related: [{ kind: 'mailbox', key: mailbox || owner || '' }, ...(record.actorUpn && record.actorUpn !== owner ? [user(record.actorUpn)] : [])],
      userName: owner,
      severity: outside.length ? 'high' : 'medium',
      description: `${record.actorUpn ?? 'Someone'} set forwarding of mailbox ${owner ?? mailbox} to ${to}${param(record, 'DeliverToMailboxAndForward') === null ? '' : keepsCopy ? ', keeping a copy' : ', without keeping a copy'}.`,
      eventType: 'MailboxForwardingSet',
      operationResult: 'Success',
      target: outside[0] ?? unresolved,
      fields: { forwardTo: outside, keepsCopy },
    };
  },
});
