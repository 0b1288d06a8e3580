import { clip, succeeded } from '../records.ts';
import { hidingBehaviour, INBOX_RULE_OPERATIONS, inboxRuleChange } from '../inbox-rules.ts';
import { defineRule } from '../types.ts';
import { ACCOUNT_TAKEOVER, noSettings, user } from './lib/common.ts';

/**
 * An inbox rule keyed on payment or security words (invoice, payment, wire, bank, password…)
 * that hides or diverts what it matches: the business-email-compromise pattern of catching the
 * replies to a fraudulent payment request (constants/inbox-rule-words.ts lists the words).
 */
export const inboxRuleSuspiciousWords = defineRule({
  id: 'M365.Exchange.InboxRuleSuspiciousWords',
  title: 'Inbox rule hides mail about payments or security',
  severity: 'high',
  mitre: ['TA0005:T1564.008', 'TA0009:T1114.002'],
  description:
    'An inbox rule whose conditions look for invoice, payment, wire, bank, password or similar words, and which deletes, hides, marks read or forwards the matching mail.',
  howToReact: [
    '1. Treat the mailbox as compromised until the owner confirms the rule by phone: legitimate rules that delete payment mail are rare.',
    '2. Disable the rule (disable-inbox-rule), revoke sessions, reset the password, require MFA re-registration.',
    "3. Ask finance to hold payments whose bank details changed recently and to call vendors on known numbers; look in the rule's target folder for the conversations it hid.",
    "4. Search the mailbox's sent items for payment-change requests sent by the attacker and warn the recipients.",
    "5. Review the account's sign-ins, app consents and forwarding settings for the way in and other persistence.",
  ].join('\n'),
  remediations: { user: ACCOUNT_TAKEOVER, inbox_rule: ['disable-inbox-rule', 'delete-inbox-rule'] },
  dedupMinutes: 24 * 60,
  settings: noSettings,
  on: { sources: ['Audit.Exchange', 'import'], operations: INBOX_RULE_OPERATIONS },
  suppressedBy: ['M365.Exchange.InboxRuleExternalForwarding'],
  match(record) {
    if (!succeeded(record)) return null;
    const change = inboxRuleChange(record);
    if (!change || change.words.length === 0) return null;
    // Filing invoices into an "Invoices" folder is ordinary; hiding or diverting them is not.
    const actions = [
      ...hidingBehaviour(change),
      ...(change.marksRead ? ['marks them read'] : []),
      ...(change.forwardsTo.length || change.forwardsToNames.length ? ['forwards them'] : []),
    ];
    if (actions.length === 0) return null;
    const actor = record.actorUpn ?? change.mailbox;
    return {
      primary: user(change.mailbox),
      related: [{ kind: 'inbox_rule', key: change.key }, ...(actor !== change.mailbox ? [user(actor)] : [])],
      description: `${actor} ${change.operation} inbox rule '${clip(change.name)}' in ${change.mailbox} that catches mail about ${change.words.join(', ')} and ${[...new Set(actions)].join(' and ')}.`,
      eventType: change.operation === 'created' ? 'InboxRuleCreated' : 'InboxRuleModified',
      operationResult: 'Success',
      target: change.name,
      fields: { ruleName: change.name, mailbox: change.mailbox, words: change.words },
    };
  },
});
