/**
 * Mail flow (transport) rules, read with Get-TransportRule through the Exchange admin API: on or
 * off, enforced or only audited, their priority, and in plain words what they match and do.
 * The actions attackers use are named for what they do: a blind copy outside the organisation
 * (BlindCopyTo), redirection (RedirectMessageTo), skipping spam filtering (SetSCL -1), deleting.
 */
import type { ExchangeClient } from '../../services/microsoft/exchange-client.ts';
import { describeFailure } from './failure.ts';
import type { MailFlowRuleSnapshot } from './mail-flow-rule-snapshot.ts';
import { clause, describeRule, type Clause } from './plain-words.ts';
import { recorded, unavailable, type EnrichContext, type EnrichmentResult, type JsonObject, type JsonValue } from './types.ts';

export const MAIL_FLOW_RULE_SCHEMA_VERSION = 1;

interface TransportRuleBody {
  Identity?: string;
  Name?: string;
  Guid?: string;
  State?: string;
  Mode?: string;
  Priority?: number;
  Comments?: string | null;
  Description?: string | null;
  WhenChanged?: string | null;
  [parameter: string]: unknown;
}

export type { MailFlowRuleSnapshot } from './mail-flow-rule-snapshot.ts';

/** Get-TransportRule fields that are not conditions or actions. */
const META = new Set([
  'Identity',
  'Name',
  'Guid',
  'State',
  'Mode',
  'Priority',
  'Comments',
  'Description',
  'WhenChanged',
  'DistinguishedName',
  'ImmutableId',
  'RuleVersion',
  'ManuallyModified',
  'ObjectState',
  'IsValid',
  'OrganizationId',
  'Conditions',
  'Exceptions',
  'Actions',
  'RuleErrorAction',
  'SenderAddressLocation',
  'CreatedBy',
  'LastModifiedBy',
  'RouteMessageOutboundRequireTls',
  'StopRuleProcessing',
  'ExchangeObjectId',
  'Id',
  'ExchangeVersion',
  'WhenChangedUTC',
  'WhenCreated',
  'WhenCreatedUTC',
]);

const SCOPES: Record<string, string> = {
  InOrganization: 'inside the organisation',
  NotInOrganization: 'outside the organisation',
  ExternalPartner: 'at a partner organisation',
  ExternalNonPartner: 'outside the organisation and not a partner',
};

export async function enrichMailFlowRule(exchange: ExchangeClient, key: string, context: EnrichContext = {}): Promise<EnrichmentResult> {
  if (!key.trim()) return unavailable('no-data', 'A mail flow rule is identified by its name or GUID.');
  const answer = await exchange.invoke<TransportRuleBody>('Get-TransportRule', { Identity: key });
  if (!answer.ok) {
    return describeFailure(answer.failure, {
      permission: 'Exchange.ManageAsApp (with an Exchange role such as View-Only Organization Management)',
      notFound: 'The mail flow rule no longer exists: it was removed.',
      service: 'Exchange Online',
    });
  }
  const rule = answer.body[0];
  if (!rule) return unavailable('entity-deleted', 'The mail flow rule no longer exists: it was removed.');

  const parameters: JsonObject = {};
  for (const [name, value] of Object.entries(rule)) {
    if (META.has(name) || value === null || value === undefined || value === false || value === '' || (Array.isArray(value) && value.length === 0)) continue;
    parameters[name] = JSON.parse(JSON.stringify(value)) as JsonValue;
  }
  const conditions = clausesFor(rule, '', 'condition');
  const exceptions = clausesFor(rule, 'ExceptIf', 'exception');
  const copiesTo = [...new Set(['BlindCopyTo', 'CopyTo', 'AddToRecipients', 'RedirectMessageTo', 'AddManagerAsRecipientType'].flatMap((k) => list(rule[k])))];

  const snapshot: MailFlowRuleSnapshot = {
    schemaVersion: MAIL_FLOW_RULE_SCHEMA_VERSION,
    identity: rule.Identity ?? rule.Name ?? key,
    guid: rule.Guid ?? null,
    name: rule.Name ?? rule.Identity ?? key,
    status: rule.State === 'Disabled' ? 'disabled' : 'enabled',
    mode: rule.Mode ?? null,
    priority: typeof rule.Priority === 'number' ? rule.Priority : null,
    comments: rule.Comments || null,
    description: describeRule(conditions, exceptions, actionClauses(rule), 'For every message'),
    exchangeDescription: rule.Description ?? null,
    copiesTo,
    deletesMessages: rule.DeleteMessage === true,
    bypassesSpamFiltering: Number(rule.SetSCL) === -1,
    whenChanged: rule.WhenChanged ?? null,
    flaggedReason: context.reason ?? null,
    parameters,
  };
  return recorded(snapshot);
}

function list(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String).filter(Boolean);
  return typeof value === 'string' && value ? [value] : [];
}

/** Conditions (prefix '') or exceptions (prefix 'ExceptIf'): the common predicates, then any other by name. */
function clausesFor(rule: TransportRuleBody, prefix: string, kind: 'condition' | 'exception'): Clause[] {
  const out: Clause[] = [];
  const used = new Set<string>();
  const get = (name: string): unknown => {
    used.add(prefix + name);
    return rule[prefix + name];
  };
  const words = (name: string, what: string) => {
    const v = list(get(name));
    if (v.length) out.push(clause(kind, `${what} `, { values: v, joiner: 'or' }));
  };
  const scope = (name: string, what: string) => {
    const v = get(name);
    if (typeof v === 'string' && v) out.push(clause(kind, `${what} ${SCOPES[v] ?? ''}`.trimEnd(), ...(SCOPES[v] ? [] : [' ', { value: v }])));
  };
  scope('FromScope', 'the sender is');
  scope('SentToScope', 'a recipient is');
  words('From', 'the message is from');
  words('FromMemberOf', 'the sender is a member of');
  words('FromAddressContainsWords', "the sender's address contains");
  words('SenderDomainIs', "the sender's domain is");
  words('SentTo', 'the message is sent to');
  words('SentToMemberOf', 'a recipient is a member of');
  words('RecipientDomainIs', "a recipient's domain is");
  words('RecipientAddressContainsWords', "a recipient's address contains");
  words('SubjectContainsWords', 'the subject contains');
  words('SubjectOrBodyContainsWords', 'the subject or body contains');
  words('AttachmentNameMatchesPatterns', 'an attachment name matches');
  words('AttachmentExtensionMatchesWords', 'an attachment extension is');
  const header = get('HeaderContainsMessageHeader');
  const headerWords = list(get('HeaderContainsWords'));
  if (typeof header === 'string' && header && headerWords.length)
    out.push(clause(kind, 'the header ', { value: header }, ' contains ', { values: headerWords, joiner: 'or' }));
  if (get('AttachmentHasExecutableContent') === true) out.push(clause(kind, 'an attachment has executable content'));
  if (get('HasNoClassification') === true) out.push(clause(kind, 'the message has no classification'));
  const type = get('MessageTypeMatches');
  if (typeof type === 'string' && type) out.push(clause(kind, 'the message type is ', { value: type }));
  // Anything else Exchange supports, named by its parameter so nothing is hidden.
  if (kind === 'exception') {
    for (const [name, value] of Object.entries(rule)) {
      if (!name.startsWith('ExceptIf') || used.has(name) || value === null || value === false || value === '' || (Array.isArray(value) && value.length === 0))
        continue;
      out.push(clause(kind, `${name.slice('ExceptIf'.length)} is `, { value: Array.isArray(value) ? value.map(String).join('; ') : String(value) }));
    }
  }
  return out;
}

function actionClauses(rule: TransportRuleBody): Clause[] {
  const out: Clause[] = [];
  const to = (name: string, what: string) => {
    const v = list(rule[name]);
    if (v.length) out.push(clause('action', `${what} `, { values: v, joiner: 'and' }));
  };
  to('RedirectMessageTo', 'redirect the message to');
  to('BlindCopyTo', 'blind copy (Bcc) the message to');
  to('CopyTo', 'copy (Cc) the message to');
  to('AddToRecipients', 'add as recipients');
  to('ModerateMessageByUser', 'send the message for approval to');
  if (rule.DeleteMessage === true) out.push(clause('action', 'delete the message without notifying anyone'));
  if (typeof rule.RejectMessageReasonText === 'string' && rule.RejectMessageReasonText)
    out.push(clause('action', 'reject the message with the explanation ', { value: rule.RejectMessageReasonText }));
  if (rule.Quarantine === true) out.push(clause('action', 'deliver the message to the hosted quarantine'));
  if (rule.SetSCL !== undefined && rule.SetSCL !== null && rule.SetSCL !== '') {
    const scl = Number(rule.SetSCL);
    out.push(
      scl === -1
        ? clause('action', 'bypass spam filtering (set the spam confidence level to -1)')
        : clause('action', 'set the spam confidence level to ', { value: String(rule.SetSCL) }),
    );
  }
  if (typeof rule.PrependSubject === 'string' && rule.PrependSubject) out.push(clause('action', 'prepend the subject with ', { value: rule.PrependSubject }));
  if (typeof rule.SetHeaderName === 'string' && rule.SetHeaderName)
    out.push(clause('action', 'set the header ', { value: rule.SetHeaderName }, ' to ', { value: String(rule.SetHeaderValue ?? '') }));
  if (typeof rule.RemoveHeader === 'string' && rule.RemoveHeader) out.push(clause('action', 'remove the header ', { value: rule.RemoveHeader }));
  if (typeof rule.RouteMessageOutboundConnector === 'string' && rule.RouteMessageOutboundConnector)
    out.push(clause('action', 'route the message through the connector ', { value: rule.RouteMessageOutboundConnector }));
  if (typeof rule.ApplyHtmlDisclaimerText === 'string' && rule.ApplyHtmlDisclaimerText)
    out.push(clause('action', 'append the disclaimer ', { value: rule.ApplyHtmlDisclaimerText }));
  if (rule.StopRuleProcessing === true) out.push(clause('action', 'stop processing more rules'));
  return out;
}
