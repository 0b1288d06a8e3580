import type { RuleCase } from '../types.ts';
import { exchangeCmdlet } from './fixtures/case-records.ts';

const admin = 'admin@contoso.onmicrosoft.com';

export const cases: RuleCase[] = [
  {
    name: "the CFO's mailbox keeps audit records for one day",
    expected: true,
    record: exchangeCmdlet({
      operation: 'Set-Mailbox',
      user: admin,
      appPool: 'PowerShell',
      parameters: [
        ['Identity', 'cfo@contoso.com'],
        ['AuditLogAgeLimit', '1.00:00:00'],
      ],
    }),
  },
  {
    name: 'small tenant: 30 days as a bare number',
    expected: true,
    userCount: 7,
    record: exchangeCmdlet({
      operation: 'Set-Mailbox',
      user: admin,
      parameters: [
        ['Identity', 'owner@contoso.com'],
        ['AuditLogAgeLimit', '30'],
      ],
    }),
  },
  {
    name: 'near miss: retention raised to 180 days',
    expected: false,
    record: exchangeCmdlet({
      operation: 'Set-Mailbox',
      user: admin,
      parameters: [
        ['Identity', 'cfo@contoso.com'],
        ['AuditLogAgeLimit', '180.00:00:00'],
      ],
    }),
  },
  {
    name: 'near miss: other Set-Mailbox parameters',
    expected: false,
    record: exchangeCmdlet({
      operation: 'Set-Mailbox',
      user: admin,
      parameters: [
        ['Identity', 'cfo@contoso.com'],
        ['RetainDeletedItemsFor', '14.00:00:00'],
      ],
    }),
  },
  {
    name: 'near miss: Exchange provisioning as NT AUTHORITY\\SYSTEM',
    expected: false,
    record: exchangeCmdlet({
      operation: 'Set-Mailbox',
      user: 'NT AUTHORITY\\SYSTEM (w3wp)',
      parameters: [
        ['Identity', 'DiscoverySearchMailbox{D919BA05-46A6-415f-80AD-7E09334BB852}'],
        ['AuditLogAgeLimit', '7.00:00:00'],
      ],
    }),
  },
];
