import type { RuleCase } from '../types.ts';
import { exchangeCmdlet } from './fixtures/case-records.ts';

const identity = 'NAMPR04A001.PROD.OUTLOOK.COM/Microsoft Exchange Hosted Organizations/contoso.onmicrosoft.com/311b45d6-1f1c-4a40-a3d2-6f8b7c1b2a90';

export const cases: RuleCase[] = [
  {
    name: 'captured shape: ForwardingSmtpAddress with smtp: prefix, keep copy on',
    expected: true,
    record: exchangeCmdlet({
      operation: 'Set-Mailbox',
      parameters: [
        ['Identity', identity],
        ['ForwardingSmtpAddress', 'smtp:bla@fabrikam.com'],
        ['DeliverToMailboxAndForward', 'True'],
      ],
    }),
  },
  {
    name: 'forwarding without a copy',
    expected: true,
    record: exchangeCmdlet({
      operation: 'Set-Mailbox',
      parameters: [
        ['Identity', 'megan.bowen@contoso.com'],
        ['ForwardingSmtpAddress', 'smtp:remit.desk@fabrikam-finance.example'],
        ['DeliverToMailboxAndForward', 'False'],
      ],
    }),
  },
  {
    name: 'ForwardingAddress to a named recipient (may be a mail contact)',
    expected: true,
    record: exchangeCmdlet({
      operation: 'Set-Mailbox',
      parameters: [
        ['Identity', 'megan.bowen@contoso.com'],
        ['ForwardingAddress', 'Remit Desk'],
      ],
    }),
  },
  {
    name: 'near miss: forwarding to an internal address',
    expected: false,
    record: exchangeCmdlet({
      operation: 'Set-Mailbox',
      parameters: [
        ['Identity', 'megan.bowen@contoso.com'],
        ['ForwardingSmtpAddress', 'smtp:assistant@contoso.com'],
      ],
    }),
  },
  {
    name: 'near miss: forwarding cleared',
    expected: false,
    record: exchangeCmdlet({
      operation: 'Set-Mailbox',
      parameters: [
        ['Identity', 'megan.bowen@contoso.com'],
        ['ForwardingSmtpAddress', ''],
        ['ForwardingAddress', '$null'],
      ],
    }),
  },
  {
    name: 'other Set-Mailbox change',
    expected: false,
    record: exchangeCmdlet({
      operation: 'Set-Mailbox',
      parameters: [
        ['Identity', 'megan.bowen@contoso.com'],
        ['ProhibitSendQuota', '49.5 GB'],
      ],
    }),
  },
  {
    name: "an admin forwards a mailbox named by its Exchange identity: the event is the mailbox's, not the admin's",
    expected: true,
    record: exchangeCmdlet({
      operation: 'Set-Mailbox',
      user: 'admin@contoso.onmicrosoft.com',
      appPool: 'PowerShell',
      parameters: [
        ['Identity', 'NAMPR04A001.PROD.OUTLOOK.COM/Microsoft Exchange Hosted Organizations/contoso.onmicrosoft.com/Lidia Holloway'],
        ['ForwardingSmtpAddress', 'smtp:drop@fabrikam-mail.example'],
      ],
    }),
  },
  {
    name: 'small tenant: the owner forwards their own mailbox in Outlook on the web',
    expected: true,
    userCount: 5,
    record: exchangeCmdlet({
      operation: 'Set-Mailbox',
      user: 'owner@contoso.com',
      parameters: [
        ['Identity', 'NAMPR04A001.PROD.OUTLOOK.COM/Microsoft Exchange Hosted Organizations/contoso.onmicrosoft.com/owner'],
        ['ForwardingSmtpAddress', 'smtp:owner.private@gmail.com'],
      ],
    }),
  },
];
