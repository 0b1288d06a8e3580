import type { RuleCase } from '../types.ts';
import { exchangeCmdlet } from './fixtures/case-records.ts';

const admin = 'admin@contoso.onmicrosoft.com';

export const cases: RuleCase[] = [
  {
    name: 'IMAP and POP turned on for the victim',
    expected: true,
    record: exchangeCmdlet({
      operation: 'Set-CASMailbox',
      user: admin,
      appPool: 'PowerShell',
      parameters: [
        ['Identity', 'isabella.ruiz@contoso.com'],
        ['ImapEnabled', 'True'],
        ['PopEnabled', 'True'],
      ],
    }),
  },
  {
    name: 'small tenant: EWS turned on ($true form)',
    expected: true,
    userCount: 4,
    record: exchangeCmdlet({
      operation: 'Set-CASMailbox',
      user: admin,
      parameters: [
        ['Identity', 'owner@fabrikam.com'],
        ['EwsEnabled', '$true'],
      ],
    }),
  },
  {
    name: 'near miss: IMAP turned off',
    expected: false,
    record: exchangeCmdlet({
      operation: 'Set-CASMailbox',
      user: admin,
      parameters: [
        ['Identity', 'isabella.ruiz@contoso.com'],
        ['ImapEnabled', 'False'],
      ],
    }),
  },
  {
    name: 'near miss: OWA for devices changed',
    expected: false,
    record: exchangeCmdlet({
      operation: 'Set-CASMailbox',
      user: admin,
      parameters: [
        ['Identity', 'isabella.ruiz@contoso.com'],
        ['OWAforDevicesEnabled', 'True'],
      ],
    }),
  },
  {
    name: 'near miss: mailbox provisioning by NT AUTHORITY\\SYSTEM',
    expected: false,
    record: exchangeCmdlet({
      operation: 'Set-CASMailbox',
      user: 'NT AUTHORITY\\SYSTEM (Microsoft.Exchange.ServiceHost)',
      parameters: [
        ['Identity', 'new.hire@contoso.com'],
        ['PopEnabled', 'True'],
      ],
    }),
  },
];
