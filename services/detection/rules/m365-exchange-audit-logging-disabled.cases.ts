import type { RuleCase } from '../types.ts';
import { exchangeCmdlet } from './fixtures/case-records.ts';

export const cases: RuleCase[] = [
  {
    name: 'unified audit log ingestion off',
    expected: true,
    record: exchangeCmdlet({ operation: 'Set-AdminAuditLogConfig', appPool: 'PowerShell', parameters: [['UnifiedAuditLogIngestionEnabled', 'False']] }),
  },
  {
    name: 'mailbox auditing off for one mailbox',
    expected: true,
    record: exchangeCmdlet({
      operation: 'Set-Mailbox',
      parameters: [
        ['Identity', 'cfo@contoso.com'],
        ['AuditEnabled', 'False'],
      ],
    }),
  },
  {
    name: 'organisation-wide mailbox auditing off',
    expected: true,
    record: exchangeCmdlet({ operation: 'Set-OrganizationConfig', parameters: [['AuditDisabled', 'True']] }),
  },
  {
    name: 'near miss: auditing turned on',
    expected: false,
    record: exchangeCmdlet({ operation: 'Set-AdminAuditLogConfig', parameters: [['UnifiedAuditLogIngestionEnabled', 'True']] }),
  },
  {
    name: 'near miss: other Set-Mailbox parameters',
    expected: false,
    record: exchangeCmdlet({
      operation: 'Set-Mailbox',
      parameters: [
        ['Identity', 'cfo@contoso.com'],
        ['AuditOwner', 'MailboxLogin,HardDelete'],
      ],
    }),
  },
];
