import { clip, emailAddresses, isExternalAddress, isTrue, param, succeeded } from '../records.ts';
import { defineRule } from '../types.ts';
import { ACCOUNT_TAKEOVER, noSettings, user } from './lib/common.ts';

/** Transport-rule actions that send a copy of, or divert, the message (Exchange transport rule action parameters). */
const DELIVERY_PARAMS = ['BlindCopyTo', 'CopyTo', 'RedirectMessageTo', 'AddToRecipients', 'GenerateIncidentReport'];

/**
 * A mail flow (transport) rule that copies or redirects mail outside the organisation, lets mail
 * skip spam filtering (`SetSCL -1`), or silently deletes mail. Transport rules act on every
 * mailbox, so one is worth more to an attacker than any inbox rule (MITRE T1114.003, T1562).
 */
export const suspiciousMailFlowRule = defineRule({
  id: 'M365.Exchange.SuspiciousMailFlowRule',
  title: 'Mail flow rule sends mail outside, bypasses spam filtering or deletes mail',
  severity: 'high',
  mitre: ['TA0009:T1114.003', 'TA0005:T1562.001'],
  description:
    "A transport rule was created or changed to blind-copy, copy, redirect or add recipients outside the tenant's domains, to set the spam confidence level to -1 (skip filtering), or to delete messages.",
  howToReact: [
    '1. Open the rule in the Exchange admin center (Mail flow > Rules) and compare with the event: conditions, scope (e.g. all outgoing mail) and actions.',
    "2. Ask the tenant's Exchange administrators whether it was planned (journaling to an archiving vendor or an allow rule for a phishing simulation can be legitimate, and are documented).",
    '3. If not: disable the rule at once (disable-mail-flow-rule), then treat the actor as compromised: revoke sessions, reset the password, require MFA re-registration, review their admin roles.',
    '4. For copy or redirect rules, use message trace to list the mail already sent to the outside address and assess the data exposure.',
    '5. For SCL -1 rules, check what was delivered through the bypass since the rule was made.',
  ].join('\n'),
  remediations: { user: ACCOUNT_TAKEOVER, mail_flow_rule: ['disable-mail-flow-rule', 'remove-mail-flow-rule'] },
  dedupMinutes: 24 * 60,
  settings: noSettings,
  on: { sources: ['Audit.Exchange', 'import'], operations: ['New-TransportRule', 'Set-TransportRule'] },
  match(record, ctx) {
    if (!succeeded(record)) return null;
    const outside = [...new Set(DELIVERY_PARAMS.flatMap((p) => emailAddresses(param(record, p))))].filter((a) => isExternalAddress(a, ctx.tenant));
    const bypass = (param(record, 'SetSCL') ?? '').trim() === '-1';
    const deletes = isTrue(param(record, 'DeleteMessage'));
    if (outside.length === 0 && !bypass && !deletes) return null;
    const name = param(record, 'Name') ?? param(record, 'Identity') ?? record.target ?? '(unnamed rule)';
    const what = [
      ...(outside.length ? [`sends mail to ${outside.join(', ')}`] : []),
      ...(bypass ? ['lets mail skip spam filtering (SCL -1)'] : []),
      ...(deletes ? ['deletes messages'] : []),
    ];
    const actor = record.actorUpn ?? 'someone';
    return {
      primary: { kind: 'mail_flow_rule', key: name },
      related: record.actorUpn ? [user(record.actorUpn)] : [],
      // Bypass alone is often an allow-list for a vendor or a phishing simulation.
      severity: outside.length || deletes ? 'high' : 'medium',
      description: `${actor} ${record.operation === 'New-TransportRule' ? 'created' : 'changed'} mail flow rule '${clip(name)}' that ${what.join(' and ')}.`,
      eventType: record.operation === 'New-TransportRule' ? 'MailFlowRuleCreated' : 'MailFlowRuleModified',
      operationResult: 'Success',
      target: name,
      fields: { ruleName: name, recipients: outside, bypassesSpamFilter: bypass, deletes },
    };
  },
});
