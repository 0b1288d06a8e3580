/**
 * Inbox rules (Outlook `messageRule`, read through Graph with MailboxSettings.Read): whether the
 * rule is on, and what it does in plain words, conditions then actions ("If the subject or body
 * contains "invoice" or "payment": forward to "x@evil.example", delete the message, …").
 *
 * Audit records name rules (`New-InboxRule -Name`), Graph identifies them by id: the key takes
 * either after the mailbox, and a name is matched against the mailbox's rules. Rule names and
 * every string in the rule are attacker-written; they stay values (see plain-words.ts).
 */
import type { GraphClient } from '../../services/microsoft/graph-client.ts';
import { describeFailure } from './failure.ts';
import type { InboxRuleSnapshot } from './inbox-rule-snapshot.ts';
import { clause, describeRule, type Clause } from './plain-words.ts';
import { recorded, unavailable, type EnrichContext, type EnrichmentResult, type JsonObject, type MissingPart } from './types.ts';

export const INBOX_RULE_SCHEMA_VERSION = 1;

/** `{mailbox}\{rule id or name}`, the form Exchange itself uses for a rule's identity. */
export function inboxRuleKey(mailbox: string, ruleIdOrName: string): string {
  return `${mailbox}\\${ruleIdOrName}`;
}

export function parseInboxRuleKey(key: string): { mailbox: string; rule: string } | undefined {
  const at = key.indexOf('\\');
  if (at <= 0 || at === key.length - 1) return undefined;
  return { mailbox: key.slice(0, at), rule: key.slice(at + 1) };
}

interface Recipient {
  emailAddress?: { name?: string | null; address?: string | null } | null;
}

interface MessageRuleBody {
  id: string;
  displayName?: string | null;
  sequence?: number | null;
  isEnabled?: boolean | null;
  hasError?: boolean | null;
  isReadOnly?: boolean | null;
  conditions?: Record<string, unknown> | null;
  exceptions?: Record<string, unknown> | null;
  actions?: Record<string, unknown> | null;
}

export type { InboxRuleSnapshot } from './inbox-rule-snapshot.ts';

export async function enrichInboxRule(graph: GraphClient, key: string, context: EnrichContext = {}): Promise<EnrichmentResult> {
  const parsed = parseInboxRuleKey(key);
  if (!parsed) return unavailable('no-data', 'An inbox rule is identified as mailbox\\rule (the rule id or name).');
  const mailbox = encodeURIComponent(parsed.mailbox);
  const list = await graph.get<{ value: MessageRuleBody[] }>(`/users/${mailbox}/mailFolders/inbox/messageRules`);
  if (!list.ok) return describeFailure(list.failure, { permission: 'MailboxSettings.Read', notFound: 'The mailbox no longer exists in the tenant.' });
  const rules = list.body.value;
  const rule =
    rules.find((r) => r.id === parsed.rule) ??
    rules.find((r) => r.displayName === parsed.rule) ??
    rules.find((r) => (r.displayName ?? '').trim().toLowerCase() === parsed.rule.trim().toLowerCase());
  if (!rule) return unavailable('entity-deleted', 'The inbox rule no longer exists in the mailbox: it was deleted.');

  const missing: MissingPart[] = [];
  const folders = new Map<string, string>();
  const actions = rule.actions ?? {};
  const folderIds = [actions.moveToFolder, actions.copyToFolder].filter((f): f is string => typeof f === 'string' && f.length > 0);
  await Promise.all(
    folderIds.map(async (id) => {
      const folder = await graph.get<{ displayName?: string }>(`/users/${mailbox}/mailFolders/${encodeURIComponent(id)}?$select=displayName`);
      if (folder.ok && folder.body.displayName) folders.set(id, folder.body.displayName);
      else if (!folder.ok && !missing.some((m) => m.part === 'folderNames')) {
        const r = describeFailure(folder.failure, { permission: 'Mail.ReadBasic.All', notFound: 'The rule moves mail to a folder that no longer exists.' });
        missing.push({ part: 'folderNames', reason: r.reason, message: r.message });
      }
    }),
  );

  const forwardsTo = [...new Set(['forwardTo', 'forwardAsAttachmentTo', 'redirectTo'].flatMap((k) => addresses(actions[k])))];
  const snapshot: InboxRuleSnapshot = {
    schemaVersion: INBOX_RULE_SCHEMA_VERSION,
    mailbox: parsed.mailbox,
    ruleId: rule.id,
    name: rule.displayName ?? '',
    status: rule.isEnabled === false ? 'disabled' : 'enabled',
    sequence: rule.sequence ?? null,
    hasError: rule.hasError ?? false,
    isReadOnly: rule.isReadOnly ?? false,
    description: describeRule(
      predicateClauses(rule.conditions ?? {}, 'condition'),
      predicateClauses(rule.exceptions ?? {}, 'exception'),
      actionClauses(actions, folders),
    ),
    forwardsTo,
    deletesMessages: actions.delete === true || actions.permanentDelete === true,
    flaggedReason: context.reason ?? null,
    conditions: toJson(rule.conditions ?? {}),
    exceptions: toJson(rule.exceptions ?? {}),
    actions: toJson(actions),
    missing,
  };
  return recorded(snapshot);
}

function toJson(value: Record<string, unknown>): JsonObject {
  return JSON.parse(JSON.stringify(value)) as JsonObject;
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function addresses(value: unknown): string[] {
  const list = Array.isArray(value) ? value : value && typeof value === 'object' ? [value] : [];
  return list.map((r: Recipient) => r?.emailAddress?.address ?? r?.emailAddress?.name ?? '').filter(Boolean);
}

const words = (kind: Clause['kind'], what: string, values: string[]): Clause => clause(kind, `${what} `, { values, joiner: 'or' });

/** messageRulePredicates → clauses, in the order Outlook shows them. */
function predicateClauses(p: Record<string, unknown>, kind: 'condition' | 'exception'): Clause[] {
  const out: Clause[] = [];
  const list = (field: string, what: string) => {
    const v = strings(p[field]);
    if (v.length) out.push(words(kind, what, v));
  };
  const people = (field: string, what: string) => {
    const v = addresses(p[field]);
    if (v.length) out.push(words(kind, what, v));
  };
  people('fromAddresses', 'the message is from');
  list('senderContains', "the sender's address contains");
  people('sentToAddresses', 'the message is sent to');
  list('recipientContains', "a recipient's address contains");
  list('subjectContains', 'the subject contains');
  list('bodyContains', 'the body contains');
  list('bodyOrSubjectContains', 'the subject or body contains');
  list('headerContains', 'a message header contains');
  list('categories', 'the message has category');
  const flags: [string, string][] = [
    ['hasAttachments', 'the message has an attachment'],
    ['isAutomaticForward', 'the message was forwarded automatically'],
    ['isAutomaticReply', 'the message is an automatic reply'],
    ['isEncrypted', 'the message is encrypted'],
    ['isMeetingRequest', 'the message is a meeting request'],
    ['isMeetingResponse', 'the message is a meeting response'],
    ['isNonDeliveryReport', 'the message is a non-delivery report'],
    ['isReadReceipt', 'the message is a read receipt'],
    ['isSigned', 'the message is signed'],
    ['isVoicemail', 'the message is a voicemail'],
    ['sentOnlyToMe', 'the message is sent only to the mailbox owner'],
    ['sentToMe', 'the mailbox owner is on the To line'],
    ['sentCcMe', 'the mailbox owner is on the Cc line'],
    ['sentToOrCcMe', 'the mailbox owner is on the To or Cc line'],
    ['notSentToMe', 'the mailbox owner is not a recipient'],
  ];
  for (const [field, text] of flags) if (p[field] === true) out.push(clause(kind, text));
  if (typeof p.importance === 'string') out.push(clause(kind, 'the importance is ', { value: p.importance }));
  if (typeof p.sensitivity === 'string') out.push(clause(kind, 'the sensitivity is ', { value: p.sensitivity }));
  const size = p.withinSizeRange as { minimumSize?: number; maximumSize?: number } | undefined;
  if (size && typeof size === 'object') out.push(clause(kind, `the size is between ${size.minimumSize ?? 0} and ${size.maximumSize ?? 0} KB`));
  return out;
}

/** messageRuleActions → clauses, the riskiest first (mail leaving the mailbox, then mail disappearing). */
function actionClauses(a: Record<string, unknown>, folders: ReadonlyMap<string, string>): Clause[] {
  const out: Clause[] = [];
  const to = (field: string, what: string) => {
    const v = addresses(a[field]);
    if (v.length) out.push(clause('action', `${what} `, { values: v, joiner: 'and' }));
  };
  to('forwardTo', 'forward to');
  to('forwardAsAttachmentTo', 'forward as an attachment to');
  to('redirectTo', 'redirect to');
  if (a.permanentDelete === true) out.push(clause('action', 'delete the message permanently'));
  if (a.delete === true) out.push(clause('action', 'delete the message (move it to Deleted Items)'));
  const folder = (field: string, what: string) => {
    const id = a[field];
    if (typeof id !== 'string' || !id) return;
    const name = folders.get(id);
    out.push(name ? clause('action', `${what} `, { value: name }) : clause('action', `${what} a folder (id `, { value: id }, ')'));
  };
  folder('moveToFolder', 'move to');
  folder('copyToFolder', 'copy to');
  if (a.markAsRead === true) out.push(clause('action', 'mark as read'));
  if (typeof a.markImportance === 'string') out.push(clause('action', 'mark importance as ', { value: a.markImportance }));
  const categories = strings(a.assignCategories);
  if (categories.length) out.push(clause('action', 'assign category ', { values: categories, joiner: 'and' }));
  if (a.stopProcessingRules === true) out.push(clause('action', 'stop processing more rules'));
  return out;
}
