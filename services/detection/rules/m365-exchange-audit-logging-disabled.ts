import { isTrue, param, succeeded } from '../records.ts';
import { defineRule } from '../types.ts';
import { ACCOUNT_TAKEOVER, noSettings, user } from './lib/common.ts';

/**
 * Audit logging switched off: the unified audit log (`Set-AdminAuditLogConfig
 * -UnifiedAuditLogIngestionEnabled $false`), mailbox auditing for the organisation
 * (`Set-OrganizationConfig -AuditDisabled $true`) or one mailbox (`Set-Mailbox -AuditEnabled
 * $false`), or a mailbox audit bypass. Attackers blind the defenders first (MITRE T1562.008).
 */
export const auditLoggingDisabled = defineRule({
  id: 'M365.Exchange.AuditLoggingDisabled',
  title: 'Audit logging was turned off',
  severity: 'high',
  mitre: ['TA0005:T1562.008'],
  description:
    "Unified audit log ingestion, organisation-wide mailbox auditing or a mailbox's auditing was disabled, or an account was set to bypass mailbox auditing.",
  howToReact: [
    '1. Turn auditing back on now (Set-AdminAuditLogConfig -UnifiedAuditLogIngestionEnabled $true, or undo the change shown) : nothing is recorded while it is off, and Tenantwatch sees nothing either.',
    '2. Find out who made the change and whether a change request exists; there is rarely a good reason.',
    "3. If unexplained, treat the actor's account as compromised: revoke sessions, reset the password, review its roles.",
    '4. Review what the actor did shortly before and after, using the events and sign-ins Tenantwatch did record.',
  ].join('\n'),
  remediations: { user: ACCOUNT_TAKEOVER },
  dedupMinutes: 24 * 60,
  settings: noSettings,
  on: { operations: ['Set-AdminAuditLogConfig', 'Set-OrganizationConfig', 'Set-Mailbox', 'Set-MailboxAuditBypassAssociation'] },
  match(record) {
    if (!succeeded(record)) return null;
    let what: string | null = null;
    const off = (v: string | null) => v !== null && /^\$?false$/i.test(v.trim());
    if (record.operation === 'Set-AdminAuditLogConfig' && off(param(record, 'UnifiedAuditLogIngestionEnabled')))
      what = 'turned off unified audit log ingestion for the tenant';
    else if (record.operation === 'Set-OrganizationConfig' && isTrue(param(record, 'AuditDisabled')))
      what = 'turned off mailbox auditing for the whole organisation';
    else if (record.operation === 'Set-Mailbox' && off(param(record, 'AuditEnabled')))
      what = `turned off auditing of mailbox ${param(record, 'Identity') ?? record.target ?? ''}`.trim();
    else if (record.operation === 'Set-MailboxAuditBypassAssociation' && isTrue(param(record, 'AuditBypassEnabled')))
      what = `exempted ${param(record, 'Identity') ?? 'an account'} from mailbox auditing`;
    if (!what) return null;
    const actor = record.actorUpn ?? 'unknown';
    return {
      primary: user(actor),
      dedupKey: `${record.operation}|${(param(record, 'Identity') ?? '').toLowerCase()}`,
      description: `${actor} ${what}.`,
      eventType: 'AuditLoggingChange',
      operationResult: 'Success',
    };
  },
});
