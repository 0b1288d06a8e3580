/**
 * What an inbox-rule change does, from either way it is logged: the `New-InboxRule` /
 * `Set-InboxRule` cmdlet (Outlook on the web, PowerShell, Graph) with its parameters, or the
 * mailbox audit's `UpdateInboxRules` (Outlook desktop over MAPI) with `RuleActions` as JSON text.
 */
import { suspiciousWords } from './constants/inbox-rule-words.ts';
import { asObject, asString, emailAddresses, isTrue, nameValue, param, rawOf, succeeded } from './records.ts';
import type { DetectionRecord } from './types.ts';

export type InboxRuleChange = {
  /** Lower-case UPN (or alias) of the mailbox owner. */
  mailbox: string;
  name: string;
  /** `mailbox\name`: the inbox-rule entity key (the form of the record's ObjectId). */
  key: string;
  operation: 'created' | 'modified';
  /** Addresses the rule forwards or redirects to. */
  forwardsTo: string[];
  /** Recipient values that are not addresses (names, legacy DNs): resolved inside Exchange. */
  forwardsToNames: string[];
  deletes: boolean;
  marksRead: boolean;
  /** Folder it moves to, last path segment (`RSS Feeds`), or null. */
  movesTo: string | null;
  /** Condition text (subject/body/sender words), for the keyword rule. */
  conditionText: string;
  words: string[];
};

export const INBOX_RULE_OPERATIONS = ['New-InboxRule', 'Set-InboxRule', 'UpdateInboxRules'] as const;

const FORWARD_PARAMS = ['ForwardTo', 'RedirectTo', 'ForwardAsAttachmentTo'];
const CONDITION_PARAMS = [
  'SubjectContainsWords',
  'SubjectOrBodyContainsWords',
  'BodyContainsWords',
  'FromAddressContainsWords',
  'HeaderContainsWords',
  'RecipientAddressContainsWords',
];

function folderName(value: string | null): string | null {
  if (!value) return null;
  const last = value.split('\\').pop()?.trim() ?? '';
  return last === '' ? value.trim() : last;
}

export function inboxRuleChange(record: DetectionRecord): InboxRuleChange | null {
  if (!succeeded(record)) return null;
  const raw = rawOf(record);
  const actor = record.actorUpn ?? '';
  if (record.operation === 'New-InboxRule' || record.operation === 'Set-InboxRule') {
    const identity = param(record, 'Identity');
    const objectId = asString(raw.ObjectId) ?? '';
    const name =
      param(record, 'Name') ??
      (identity?.includes('\\') ? identity.slice(identity.lastIndexOf('\\') + 1) : null) ??
      (objectId.includes('\\') ? objectId.slice(objectId.lastIndexOf('\\') + 1) : '') ??
      '';
    const mailbox = (param(record, 'Mailbox') ?? (identity?.includes('\\') ? identity.slice(0, identity.indexOf('\\')) : null) ?? actor).toLowerCase();
    const recipients = FORWARD_PARAMS.map((p) => param(record, p)).filter((v): v is string => !!v && v.trim() !== '');
    const forwardsTo = [...new Set(recipients.flatMap(emailAddresses))];
    const forwardsToNames = recipients.filter((v) => emailAddresses(v).length === 0);
    const conditionText = CONDITION_PARAMS.map((p) => param(record, p) ?? '')
      .join(' ')
      .trim();
    return {
      mailbox,
      name,
      key: `${mailbox}\\${name}`,
      operation: record.operation === 'New-InboxRule' ? 'created' : 'modified',
      forwardsTo,
      forwardsToNames,
      deletes: isTrue(param(record, 'DeleteMessage')) || isTrue(param(record, 'SoftDeleteMessage')) || isTrue(param(record, 'PermanentDelete')),
      marksRead: isTrue(param(record, 'MarkAsRead')),
      movesTo: folderName(param(record, 'MoveToFolder')),
      conditionText,
      words: suspiciousWords(conditionText),
    };
  }
  if (record.operation === 'UpdateInboxRules') {
    const props = raw.OperationProperties;
    const ruleOperation = nameValue(props, 'RuleOperation') ?? '';
    if (!/^(Add|Modify)MailboxRule$/i.test(ruleOperation)) return null;
    const name = nameValue(props, 'RuleName') ?? '';
    const mailbox = (asString(raw.MailboxOwnerUPN) ?? actor).toLowerCase();
    // Two shapes are logged: `RuleActions` (a JSON list of {ActionType, …}) and, in newer
    // records, `ServerRule` (JSON with `Actions[]` of e.g. ForwardToRecipientsAction whose
    // `Recipients[].Values[].Value` hold the addresses, and a `Condition` tree).
    const parse = (text: string | null): unknown => {
      try {
        return text ? JSON.parse(text) : null;
      } catch {
        return null;
      }
    };
    const listed = parse(nameValue(props, 'RuleActions'));
    const serverRule = asObject(parse(nameValue(props, 'ServerRule')));
    const actions = [...(Array.isArray(listed) ? listed : []), ...(Array.isArray(serverRule?.Actions) ? serverRule.Actions : [])]
      .map(asObject)
      .filter((a): a is Record<string, unknown> => a !== null);
    const type = (a: Record<string, unknown>) => (asString(a.ActionType) ?? '').toLowerCase();
    const forwarding = actions.filter((a) => /forward|redirect/.test(type(a)));
    const conditionText = nameValue(props, 'RuleCondition') ?? (serverRule?.Condition ? JSON.stringify(serverRule.Condition) : '');
    const move = actions.find((a) => type(a).startsWith('move'));
    return {
      mailbox,
      name,
      key: `${mailbox}\\${name}`,
      operation: /^Add/i.test(ruleOperation) ? 'created' : 'modified',
      forwardsTo: [...new Set(forwarding.flatMap((a) => emailAddresses(JSON.stringify(a))))],
      forwardsToNames: [],
      deletes: actions.some((a) => /delete/.test(type(a))),
      marksRead: actions.some((a) => /markasread|mark_as_read/.test(type(a))),
      movesTo: move ? (asString(move.DestinationFolderName) ?? asString(move.FolderName) ?? '(another folder)') : null,
      conditionText,
      words: suspiciousWords(conditionText),
    };
  }
  return null;
}

/**
 * Folders attackers move mail to so the user never sees it: rarely opened, or folders whose
 * content Outlook does not notify about. Lower-case.
 */
export const HIDING_FOLDERS = new Set([
  'rss feeds',
  'rss subscriptions',
  'conversation history',
  'archive',
  'deleted items',
  'junk email',
  'junk e-mail',
  'notes',
  'sync issues',
  'conflicts',
  'local failures',
  'server failures',
]);

/** A folder name made of one or two characters or no letters at all (`.`, `..`, `-`): made to be overlooked. */
export function isObscureFolder(name: string): boolean {
  const n = name.trim();
  return n.length <= 2 || !/[\p{L}\p{N}]/u.test(n);
}

/** What the rule does to hide mail, in words; empty when it hides nothing. */
export function hidingBehaviour(change: InboxRuleChange): string[] {
  const out: string[] = [];
  if (change.deletes) out.push('deletes messages');
  if (change.movesTo && (HIDING_FOLDERS.has(change.movesTo.toLowerCase()) || isObscureFolder(change.movesTo)))
    out.push(`moves messages to '${change.movesTo}'`);
  else if (change.movesTo && change.marksRead) out.push(`marks messages read and moves them to '${change.movesTo}'`);
  return out;
}
