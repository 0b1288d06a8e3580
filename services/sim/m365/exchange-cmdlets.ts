/**
 * The Exchange Online cmdlets the admin API (InvokeCommand) serves, over the simulator's
 * state: transport rules (Get/Set/Enable/Disable/Remove-TransportRule), mailbox forwarding
 * (Get/Set-Mailbox) and inbox rules (Get/Enable/Disable/Remove-InboxRule, on the same rules
 * Graph's messageRules show). Each cmdlet declares the parameters it binds, so a misspelt
 * parameter fails the way PowerShell's binder fails.
 */
import { toGraphTime } from './clock.ts';
import type { MessageRule, TransportRule } from './directory.ts';
import {
  findInboxRule,
  findMailbox,
  hasMailbox,
  inboxRuleObject,
  inboxRules,
  mailboxAlias,
  mailboxObject,
  normalizeForwardingSmtpAddress,
  setMailboxForwarding,
  type ForwardingChange,
} from './mailboxes.ts';
import type { GraphUser } from './records.ts';
import type { SimTenant } from './state.ts';

export const EXCHANGE_SERVER = 'CH0PR13A001DC001.NAMPR13A001.PROD.OUTLOOK.COM';

/** A cmdlet failure as the admin API reports it: the HTTP status, the .NET exception type and PowerShell's text. */
export class CmdletError extends Error {
  constructor(
    readonly status: number,
    readonly exceptionType: string,
    readonly text: string,
    /** Exchange's error id (`Ex6F9304`), present on errors raised by Exchange's own tasks. */
    readonly errorId = '',
  ) {
    super(`${errorId}|${exceptionType}|${text}`);
  }
}

const NOT_FOUND = 'Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException';
const BINDING = 'System.Management.Automation.ParameterBindingException';

export const objectNotFound = (identity: string): CmdletError =>
  new CmdletError(404, NOT_FOUND, `The operation couldn't be performed because object '${identity}' couldn't be found on '${EXCHANGE_SERVER}'.`, 'Ex6F9304');
const recipientNotFound = (identity: string): CmdletError =>
  new CmdletError(
    404,
    NOT_FOUND,
    `Couldn't find object "${identity}". Please make sure that it was spelled correctly or specify a different object.`,
    'Ex6F9304',
  );
const cannotBind = (parameter: string, detail: string): CmdletError => new CmdletError(400, BINDING, `Cannot bind parameter '${parameter}'. ${detail}`);

export interface CmdletContext {
  tenant: SimTenant;
  parameters: Record<string, unknown>;
  nowMs: number;
  /** Warnings the cmdlet wrote (returned in `adminapi.warnings`). */
  warnings: string[];
}

interface Cmdlet {
  /** Parameters the cmdlet binds (besides Confirm, accepted by every cmdlet that changes something). */
  parameters: readonly string[];
  mandatory?: readonly string[];
  changesState?: boolean;
  run(ctx: CmdletContext): Record<string, unknown>[];
}

function text(ctx: CmdletContext, name: string): string | undefined {
  const value = ctx.parameters[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string')
    throw cannotBind(name, `Cannot convert '${JSON.stringify(value)}' to the type 'System.String' required by parameter '${name}'.`);
  return value;
}

function bool(ctx: CmdletContext, name: string): boolean | undefined {
  const value = ctx.parameters[name];
  if (value === undefined) return undefined;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string' && /^\$?(true|false)$/i.test(value)) return value.replace('$', '').toLowerCase() === 'true';
  throw cannotBind(
    name,
    `Cannot convert value "${String(value)}" to type "System.Boolean". Boolean parameters accept only Boolean values and numbers, such as $True, $False, 1 or 0.`,
  );
}

// ---- transport rules ----

function matchesTransportRule(rule: TransportRule, identity: string): boolean {
  const key = identity.trim().toLowerCase();
  return [rule.Identity, rule.Name, rule.Guid].some((v) => v.toLowerCase() === key);
}

function transportRuleOf(ctx: CmdletContext): TransportRule {
  const identity = text(ctx, 'Identity') ?? '';
  const rule = ctx.tenant.directory.transportRules.find((r) => matchesTransportRule(r, identity));
  if (!rule) throw objectNotFound(identity);
  return rule;
}

function byPriority(tenant: SimTenant): TransportRule[] {
  return [...tenant.directory.transportRules].sort((a, b) => a.Priority - b.Priority);
}

/** Priorities stay 0…n-1 in order, as Exchange keeps them. */
function renumber(rules: TransportRule[]): void {
  rules.forEach((r, i) => (r.Priority = i));
}

const SCOPES = ['InOrganization', 'NotInOrganization', 'ExternalPartner', 'ExternalNonPartner'];
/** Set-TransportRule parameters this simulator binds, by kind of value. */
const TRANSPORT_RULE_SETTINGS = {
  list: [
    'BlindCopyTo',
    'CopyTo',
    'AddToRecipients',
    'RedirectMessageTo',
    'From',
    'SentTo',
    'FromAddressContainsWords',
    'SubjectContainsWords',
    'SubjectOrBodyContainsWords',
    'RecipientDomainIs',
    'SenderDomainIs',
    'ExceptIfFrom',
    'ExceptIfSentTo',
    'ModerateMessageByUser',
    'AnyOfRecipientAddressContainsWords',
  ],
  bool: ['DeleteMessage', 'StopRuleProcessing', 'Quarantine'],
  enum: {
    Mode: ['Enforce', 'Audit', 'AuditAndNotify'],
    FromScope: SCOPES.slice(0, 2),
    SentToScope: SCOPES,
    ExceptIfFromScope: SCOPES.slice(0, 2),
    ExceptIfSentToScope: SCOPES,
    SenderAddressLocation: ['Header', 'Envelope', 'HeaderOrEnvelope'],
  } as Record<string, string[]>,
  text: [
    'Comments',
    'PrependSubject',
    'SetHeaderName',
    'SetHeaderValue',
    'RejectMessageReasonText',
    'ActivationDate',
    'ExpiryDate',
    'RouteMessageOutboundConnector',
    'ApplyHtmlDisclaimerText',
  ],
} as const;
const TRANSPORT_RULE_PARAMETERS = [
  'Name',
  'Priority',
  'SetSCL',
  ...TRANSPORT_RULE_SETTINGS.list,
  ...TRANSPORT_RULE_SETTINGS.bool,
  ...Object.keys(TRANSPORT_RULE_SETTINGS.enum),
  ...TRANSPORT_RULE_SETTINGS.text,
];

function setTransportRule(ctx: CmdletContext): Record<string, unknown>[] {
  const rule = transportRuleOf(ctx);
  const before = JSON.stringify(rule);
  const changes: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(ctx.parameters)) {
    if (name === 'Identity' || name === 'Confirm') continue;
    if (name === 'Name') {
      const newName = text(ctx, name);
      if (!newName) throw cannotBind(name, 'The argument is null or empty. Provide an argument that is not null or empty, and then try the command again.');
      if (ctx.tenant.directory.transportRules.some((r) => r !== rule && r.Name.toLowerCase() === newName.toLowerCase())) {
        throw new CmdletError(
          400,
          'Microsoft.Exchange.MessagingPolicies.Rules.Tasks.ArgumentException',
          `A transport rule with the name '${newName}' already exists.`,
          'Ex5F2D68',
        );
      }
      changes.Name = newName;
      changes.Identity = newName;
    } else if (name === 'Priority') {
      const count = ctx.tenant.directory.transportRules.length;
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value >= count) {
        throw new CmdletError(400, 'System.ArgumentOutOfRangeException', `The value of parameter Priority must be between 0 and ${count - 1}.`, 'ExB2A91C');
      }
      changes.Priority = value;
    } else if (name === 'SetSCL') {
      if (value !== null && (typeof value !== 'number' || !Number.isInteger(value) || value < -1 || value > 9))
        throw cannotBind(name, 'The SCL value must be between -1 and 9.');
      changes.SetSCL = value;
    } else if ((TRANSPORT_RULE_SETTINGS.list as readonly string[]).includes(name)) {
      if (value === null) changes[name] = null;
      else if (typeof value === 'string')
        changes[name] = value
          .split(',')
          .map((v) => v.trim())
          .filter(Boolean);
      else if (Array.isArray(value) && value.every((v) => typeof v === 'string')) changes[name] = value;
      else
        throw cannotBind(
          name,
          `Cannot convert '${JSON.stringify(value)}' to the type 'Microsoft.Exchange.Configuration.Tasks.RecipientIdParameter[]' required by parameter '${name}'.`,
        );
    } else if ((TRANSPORT_RULE_SETTINGS.bool as readonly string[]).includes(name)) {
      changes[name] = bool(ctx, name);
    } else if (name in TRANSPORT_RULE_SETTINGS.enum) {
      const allowed = TRANSPORT_RULE_SETTINGS.enum[name] ?? [];
      const given = value === null ? null : text(ctx, name);
      const match = given === null ? null : allowed.find((a) => a.toLowerCase() === (given ?? '').toLowerCase());
      if (given !== null && !match)
        throw cannotBind(
          name,
          `Cannot convert value "${String(given)}" to type "${name}". Error: "Unable to match the identifier name ${String(given)} to a valid enumerator name. Specify one of the following enumerator names and try again: ${allowed.join(', ')}"`,
        );
      changes[name] = match;
    } else {
      changes[name] = value === null ? null : text(ctx, name);
    }
  }
  const priority = changes.Priority;
  delete changes.Priority;
  Object.assign(rule, changes);
  if (typeof priority === 'number' && priority !== rule.Priority) {
    const ordered = byPriority(ctx.tenant).filter((r) => r !== rule);
    ordered.splice(priority, 0, rule);
    renumber(ordered);
  }
  if (JSON.stringify(rule) === before) {
    ctx.warnings.push(`The command completed successfully but no settings of '${rule.Identity}' have been modified.`);
  } else {
    rule.WhenChanged = toGraphTime(ctx.nowMs);
  }
  return [];
}

// ---- mailboxes ----

function mailboxOf(ctx: CmdletContext, parameter: string): GraphUser {
  const identity = text(ctx, parameter) ?? '';
  const user = findMailbox(ctx.tenant, identity);
  if (!user) throw objectNotFound(identity);
  return user;
}

const DEFAULT_RESULT_SIZE = 1000;

function getMailbox(ctx: CmdletContext): Record<string, unknown>[] {
  if (ctx.parameters.Identity !== undefined) return [mailboxObject(ctx.tenant, mailboxOf(ctx, 'Identity'))];
  const size = ctx.parameters.ResultSize;
  let limit = DEFAULT_RESULT_SIZE;
  if (typeof size === 'string' && size.toLowerCase() === 'unlimited') limit = Number.POSITIVE_INFINITY;
  else if (typeof size === 'number' && Number.isInteger(size) && size > 0) limit = size;
  else if (size !== undefined)
    throw cannotBind('ResultSize', `Cannot convert value "${String(size)}" to type "Microsoft.Exchange.Data.Unlimited\`1[System.UInt32]".`);
  const all = ctx.tenant.users.filter(hasMailbox).sort((a, b) => mailboxAlias(a).localeCompare(mailboxAlias(b)));
  if (size === undefined && all.length > limit)
    ctx.warnings.push(
      'By default, only the first 1000 items are returned. Use the ResultSize parameter to specify the number of items returned. To return all items, specify "-ResultSize Unlimited". Be aware that, depending on the actual number of items, returning all items can take a long time and consume a large amount of memory. Also, we don\'t recommend storing the results in a variable. Instead, pipe the results to another task or script to perform batch changes.',
    );
  return all.slice(0, limit).map((u) => mailboxObject(ctx.tenant, u));
}

function setMailbox(ctx: CmdletContext): Record<string, unknown>[] {
  const user = mailboxOf(ctx, 'Identity');
  const change: ForwardingChange = {};
  if ('ForwardingSmtpAddress' in ctx.parameters) {
    const value = text(ctx, 'ForwardingSmtpAddress');
    if (value === undefined || value === '') change.ForwardingSmtpAddress = null;
    else {
      const address = normalizeForwardingSmtpAddress(value);
      if (!address)
        throw cannotBind(
          'ForwardingSmtpAddress',
          `Cannot convert value "${value}" to type "Microsoft.Exchange.Data.ProxyAddress". Error: "The address '${value}' is invalid: "${value}" isn't a valid SMTP address. The domain name can't contain spaces and it has to have a prefix and a suffix, such as example.com."`,
        );
      change.ForwardingSmtpAddress = address;
    }
  }
  if ('ForwardingAddress' in ctx.parameters) {
    const value = text(ctx, 'ForwardingAddress');
    if (value === undefined || value === '') change.ForwardingAddress = null;
    else {
      const recipient = findMailbox(ctx.tenant, value);
      if (!recipient) throw recipientNotFound(value);
      change.ForwardingAddress = mailboxAlias(recipient);
    }
  }
  const deliver = bool(ctx, 'DeliverToMailboxAndForward');
  if (deliver !== undefined) change.DeliverToMailboxAndForward = deliver;
  const current = mailboxObject(ctx.tenant, user);
  const changed = Object.entries(change).some(([k, v]) => current[k] !== v);
  if (!changed) {
    ctx.warnings.push(`The command completed successfully but no settings of '${String(current.Identity)}' have been modified.`);
    return [];
  }
  setMailboxForwarding(ctx.tenant, user, change, ctx.nowMs);
  return [];
}

// ---- inbox rules ----

/**
 * The mailbox and rule an inbox rule cmdlet names: `-Mailbox` plus `-Identity` (name or
 * RuleIdentity), or `-Identity mailbox\RuleIdentity`. An app has no mailbox of its own, so
 * without either the rule cannot be found.
 */
function inboxRuleTarget(ctx: CmdletContext): { user: GraphUser; rules: MessageRule[]; rule: MessageRule | undefined; identity: string | undefined } {
  const identity = text(ctx, 'Identity');
  const mailbox = text(ctx, 'Mailbox');
  if (mailbox !== undefined) {
    const user = mailboxOf(ctx, 'Mailbox');
    const rules = inboxRules(ctx.tenant, user);
    if (identity === undefined) return { user, rules, rule: undefined, identity };
    const slash = identity.indexOf('\\');
    const rule =
      findInboxRule(rules, identity) ??
      (slash > 0 && findMailbox(ctx.tenant, identity.slice(0, slash)) === user ? findInboxRule(rules, identity.slice(slash + 1)) : undefined);
    if (!rule) throw objectNotFound(identity);
    return { user, rules, rule, identity };
  }
  const slash = identity?.indexOf('\\') ?? -1;
  if (identity === undefined || slash <= 0) throw objectNotFound(identity ?? '');
  const user = findMailbox(ctx.tenant, identity.slice(0, slash));
  if (!user) throw objectNotFound(identity);
  const rules = inboxRules(ctx.tenant, user);
  const rule = findInboxRule(rules, identity.slice(slash + 1));
  if (!rule) throw objectNotFound(identity);
  return { user, rules, rule, identity };
}

function getInboxRule(ctx: CmdletContext): Record<string, unknown>[] {
  const { user, rules, rule } = inboxRuleTarget(ctx);
  const selected = rule ? [rule] : [...rules].sort((a, b) => a.sequence - b.sequence);
  return selected.map((r) => inboxRuleObject(ctx.tenant, user, r));
}

function changeInboxRule(change: (target: { rules: MessageRule[]; rule: MessageRule }) => void) {
  return (ctx: CmdletContext): Record<string, unknown>[] => {
    const target = inboxRuleTarget(ctx);
    if (!target.rule) throw new CmdletError(400, BINDING, 'Cannot process command because of one or more missing mandatory parameters: Identity.');
    change({ rules: target.rules, rule: target.rule });
    return [];
  };
}

const INBOX_RULE_CHANGE = ['Identity', 'Mailbox', 'AlwaysDeleteOutlookRulesBlob', 'Force'] as const;

export const CMDLETS: Readonly<Record<string, Cmdlet>> = {
  'Get-TransportRule': {
    parameters: ['Identity', 'State', 'ResultSize'],
    run: (ctx) => {
      let rules = byPriority(ctx.tenant);
      const identity = text(ctx, 'Identity');
      if (identity !== undefined) {
        rules = rules.filter((r) => matchesTransportRule(r, identity));
        if (rules.length === 0) throw objectNotFound(identity);
      }
      const state = text(ctx, 'State');
      if (state !== undefined) rules = rules.filter((r) => r.State.toLowerCase() === state.toLowerCase());
      return rules;
    },
  },
  'Set-TransportRule': { parameters: ['Identity', ...TRANSPORT_RULE_PARAMETERS], mandatory: ['Identity'], changesState: true, run: setTransportRule },
  'Enable-TransportRule': {
    parameters: ['Identity', 'Mode'],
    mandatory: ['Identity'],
    changesState: true,
    run: (ctx) => {
      const rule = transportRuleOf(ctx);
      const mode = text(ctx, 'Mode');
      if (mode !== undefined) {
        const match = (TRANSPORT_RULE_SETTINGS.enum.Mode ?? []).find((m) => m.toLowerCase() === mode.toLowerCase());
        if (!match) throw cannotBind('Mode', `Cannot convert value "${mode}" to type "RuleMode".`);
        rule.Mode = match as TransportRule['Mode'];
      }
      rule.State = 'Enabled';
      rule.WhenChanged = toGraphTime(ctx.nowMs);
      return [];
    },
  },
  'Disable-TransportRule': {
    parameters: ['Identity'],
    mandatory: ['Identity'],
    changesState: true,
    run: (ctx) => {
      const rule = transportRuleOf(ctx);
      rule.State = 'Disabled';
      rule.WhenChanged = toGraphTime(ctx.nowMs);
      return [];
    },
  },
  'Remove-TransportRule': {
    parameters: ['Identity'],
    mandatory: ['Identity'],
    changesState: true,
    run: (ctx) => {
      const rule = transportRuleOf(ctx);
      const remaining = byPriority(ctx.tenant).filter((r) => r !== rule);
      renumber(remaining);
      ctx.tenant.directory.transportRules = remaining;
      return [];
    },
  },
  'Get-Mailbox': { parameters: ['Identity', 'ResultSize'], run: getMailbox },
  'Set-Mailbox': {
    parameters: ['Identity', 'ForwardingSmtpAddress', 'ForwardingAddress', 'DeliverToMailboxAndForward', 'Force'],
    mandatory: ['Identity'],
    changesState: true,
    run: setMailbox,
  },
  'Get-InboxRule': { parameters: ['Identity', 'Mailbox', 'IncludeHidden', 'SweepRules'], run: getInboxRule },
  'Enable-InboxRule': {
    parameters: INBOX_RULE_CHANGE,
    mandatory: ['Identity'],
    changesState: true,
    run: changeInboxRule(({ rule }) => (rule.isEnabled = true)),
  },
  'Disable-InboxRule': {
    parameters: INBOX_RULE_CHANGE,
    mandatory: ['Identity'],
    changesState: true,
    run: changeInboxRule(({ rule }) => (rule.isEnabled = false)),
  },
  'Remove-InboxRule': {
    parameters: INBOX_RULE_CHANGE,
    mandatory: ['Identity'],
    changesState: true,
    run: changeInboxRule(({ rules, rule }) => rules.splice(rules.indexOf(rule), 1)),
  },
};

/**
 * Binds the parameters and runs one cmdlet. The REST endpoint never prompts: `Confirm`
 * (callers send `false`, as scripts pass `-Confirm:$false`) is accepted on every cmdlet that
 * changes something.
 */
export function runCmdlet(name: string, ctx: CmdletContext): Record<string, unknown>[] {
  const cmdlet = CMDLETS[name];
  if (!cmdlet)
    throw new CmdletError(
      400,
      'System.Management.Automation.CommandNotFoundException',
      `The term '${name}' is not recognized as the name of a cmdlet, function, script file, or operable program.`,
    );
  const common = cmdlet.changesState ? ['Confirm'] : [];
  for (const parameter of Object.keys(ctx.parameters)) {
    if (!cmdlet.parameters.includes(parameter) && !common.includes(parameter))
      throw new CmdletError(400, BINDING, `A parameter cannot be found that matches parameter name '${parameter}'.`);
  }
  const missing = (cmdlet.mandatory ?? []).filter((p) => ctx.parameters[p] === undefined || ctx.parameters[p] === null || ctx.parameters[p] === '');
  if (missing.length > 0)
    throw new CmdletError(400, BINDING, `Cannot process command because of one or more missing mandatory parameters: ${missing.join(' ')}.`);
  for (const parameter of common) bool(ctx, parameter);
  return cmdlet.run(ctx);
}
