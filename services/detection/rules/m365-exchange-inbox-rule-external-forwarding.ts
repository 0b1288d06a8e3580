import { clip, succeeded } from '../records.ts';
import { hidingBehaviour, INBOX_RULE_OPERATIONS, inboxRuleChange } from '../inbox-rules.ts';
import { isExternalAddress } from '../records.ts';
import { defineRule } from '../types.ts';
import { ACCOUNT_TAKEOVER, noSettings, user } from './lib/common.ts';

/**
 * An inbox rule that forwards or redirects mail to an address outside the organisation: the
 * classic way an attacker keeps reading a mailbox after losing access (MITRE T1114.003).
 */
export const inboxRuleExternalForwarding = defineRule({
  id: 'M365.Exchange.InboxRuleExternalForwarding',
  title: 'Inbox rule forwards mail outside the organisation',
  severity: 'high',
  mitre: ['TA0009:T1114.003'],
  description: "An inbox rule was created or changed to forward, forward as attachment or redirect mail to an address outside the tenant's domains.",
  howToReact: [
    '1. Open the event and read the rule: its name, conditions, the outside address, and whether it also deletes or hides mail.',
    '2. Ask the mailbox owner by phone (not by e-mail: the mailbox may be read) whether they made this rule. Forwarding to a personal address is also a data-loss issue even if they did.',
    '3. If not theirs: disable the rule (disable-inbox-rule; delete it once evidence is kept), revoke sessions and reset the password, and require MFA re-registration.',
    '4. Check the same user for other events: sign-ins from new countries or anonymising IPs, app consents, mailbox forwarding, mail flow rules.',
    '5. Search the sent items and the message trace for mail already forwarded to the address; warn recipients of payment-change requests if invoices were involved.',
  ].join('\n'),
  remediations: { user: ACCOUNT_TAKEOVER, inbox_rule: ['disable-inbox-rule', 'delete-inbox-rule'] },
  dedupMinutes: 24 * 60,
  settings: noSettings,
  on: { sources: ['Audit.Exchange', 'import'], operations: INBOX_RULE_OPERATIONS },
  match(record, ctx) {
    if (!succeeded(record)) return null;
    const change = inboxRuleChange(record);
    if (!change) return null;
    const outside = change.forwardsTo.filter((a) => isExternalAddress(a, ctx.tenant));
    if (outside.length === 0) return null;
    const also = [...hidingBehaviour(change), ...(change.words.length ? [`acts on mail about ${change.words.join(', ')}`] : [])];
    const actor = record.actorUpn ?? change.mailbox;
    return {
      primary: user(change.mailbox),
      related: [{ kind: 'inbox_rule', key: change.key }, ...(actor !== change.mailbox ? [user(actor)] : [])],
      description: `${actor} ${change.operation} inbox rule '${clip(change.name)}' in ${change.mailbox} that forwards mail to ${outside.join(', ')}${also.length ? ` and ${also.join(' and ')}` : ''}.`,
      eventType: change.operation === 'created' ? 'InboxRuleCreated' : 'InboxRuleModified',
      operationResult: 'Success',
      target: change.name,
      fields: { forwardTo: outside, ruleName: change.name, mailbox: change.mailbox },
    };
  },
});
