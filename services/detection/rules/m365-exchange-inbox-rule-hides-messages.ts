import { clip, succeeded } from '../records.ts';
import { hidingBehaviour, INBOX_RULE_OPERATIONS, inboxRuleChange } from '../inbox-rules.ts';
import { defineRule } from '../types.ts';
import { ACCOUNT_TAKEOVER, noSettings, user } from './lib/common.ts';

/**
 * An inbox rule that makes mail disappear: deletes it, or moves it to a folder nobody looks at
 * (RSS Feeds, Conversation History, Archive, a folder named `.`), or marks it read and files
 * it away. Attackers do this so the victim never sees replies to their fraud (MITRE T1564.008).
 */
export const inboxRuleHidesMessages = defineRule({
  id: 'M365.Exchange.InboxRuleHidesMessages',
  title: 'Inbox rule hides incoming mail',
  severity: 'medium',
  mitre: ['TA0005:T1564.008'],
  description:
    'An inbox rule was created or changed to delete mail, move it to a rarely opened or obscure folder (RSS Feeds, Conversation History, Archive, Deleted Items, a one-character name), or mark it read and file it away.',
  howToReact: [
    '1. Read the rule on the event page: what it matches (senders, words) and where mail goes.',
    '2. Ask the owner by phone whether they made it. Users do make "delete mail from X" rules; a rule with a name like "." or "..", a match on finance or security words, or one made from an unusual IP is not theirs.',
    '3. If not theirs: disable the rule (disable-inbox-rule), revoke sessions, reset the password and require MFA re-registration.',
    '4. Look in the target folder and Deleted Items for what was hidden: it tells you what the attacker is after (payments, security alerts).',
    "5. Check the account's recent sign-ins and other events for the way in.",
  ].join('\n'),
  remediations: { user: ACCOUNT_TAKEOVER, inbox_rule: ['disable-inbox-rule', 'delete-inbox-rule'] },
  dedupMinutes: 24 * 60,
  settings: noSettings,
  on: { sources: ['Audit.Exchange', 'import'], operations: INBOX_RULE_OPERATIONS },
  suppressedBy: ['M365.Exchange.InboxRuleExternalForwarding', 'M365.Exchange.InboxRuleSuspiciousWords'],
  match(record) {
    if (!succeeded(record)) return null;
    const change = inboxRuleChange(record);
    if (!change) return null;
    const hides = hidingBehaviour(change);
    if (hides.length === 0) return null;
    const actor = record.actorUpn ?? change.mailbox;
    return {
      primary: user(change.mailbox),
      related: [{ kind: 'inbox_rule', key: change.key }, ...(actor !== change.mailbox ? [user(actor)] : [])],
      description: `${actor} ${change.operation} inbox rule '${clip(change.name)}' in ${change.mailbox} that ${hides.join(' and ')}${change.conditionText ? ` when mail matches '${clip(change.conditionText, 80)}'` : ''}.`,
      eventType: change.operation === 'created' ? 'InboxRuleCreated' : 'InboxRuleModified',
      operationResult: 'Success',
      target: change.name,
      fields: { ruleName: change.name, mailbox: change.mailbox, moveToFolder: change.movesTo, deletes: change.deletes },
    };
  },
});
