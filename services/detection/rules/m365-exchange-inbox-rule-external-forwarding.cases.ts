import type { RuleCase } from '../types.ts';
import { inboxRule, updateInboxRules } from './fixtures/case-records.ts';

export const cases: RuleCase[] = [
  {
    name: 'New-InboxRule forwarding invoices outside and deleting them (captured shape)',
    expected: true,
    record: inboxRule({
      name: '.',
      parameters: [
        ['SubjectOrBodyContainsWords', 'invoice;payment'],
        ['ForwardTo', 'remit.desk@fabrikam-finance.example'],
        ['DeleteMessage', 'True'],
        ['StopProcessingRules', 'True'],
      ],
    }),
  },
  {
    name: 'RedirectTo in Exchange recipient form with smtp: prefix',
    expected: true,
    record: inboxRule({ name: 'Redirect', parameters: [['RedirectTo', '"Remit Desk" [SMTP:remit.desk@fabrikam.com]']] }),
  },
  {
    name: 'Set-InboxRule adds ForwardAsAttachmentTo an outside address',
    expected: true,
    record: inboxRule({
      operation: 'Set-InboxRule',
      name: 'Vendor',
      parameters: [
        ['Identity', 'megan.bowen\\Vendor'],
        ['ForwardAsAttachmentTo', 'megan.personal@gmail.com'],
      ],
    }),
  },
  {
    name: 'Outlook desktop rule (UpdateInboxRules) forwarding outside',
    expected: true,
    record: updateInboxRules({
      ruleName: 'sync',
      actions: [{ ActionType: 'Forward', Recipients: [{ DisplayName: 'x', SmtpAddress: 'collector@fabrikam.com' }] }],
    }),
  },
  {
    name: 'Outlook rule in the ServerRule shape (ForwardToRecipientsAction)',
    expected: true,
    record: updateInboxRules({
      ruleName: 'x',
      actions: [],
      serverRule: {
        Actions: [{ ActionType: 'ForwardToRecipientsAction', Recipients: [{ Values: [{ PropTag: 'PR_SMTP_ADDRESS', Value: 'drop.box@fabrikam.com' }] }] }],
        Condition: { ConditionType: 'TrueCondition' },
      },
    }),
  },
  {
    name: "near miss: forwarding to a colleague in the tenant's own domain",
    expected: false,
    record: inboxRule({ name: 'To assistant', parameters: [['ForwardTo', 'assistant@contoso.com']] }),
  },
  {
    name: 'near miss: forwarding to the initial .onmicrosoft.com domain learned from the record',
    expected: false,
    record: inboxRule({ name: 'To team', parameters: [['ForwardTo', 'team@contoso.onmicrosoft.com']] }),
  },
  {
    name: "near miss: forwarding to a subdomain of the tenant's domain",
    expected: false,
    record: inboxRule({ name: 'To ops', parameters: [['ForwardTo', 'ops@mail.contoso.com']] }),
  },
  {
    name: 'benign: newsletters into a folder',
    expected: false,
    record: inboxRule({
      name: 'Newsletters',
      parameters: [
        ['From', 'news@fabrikam.com'],
        ['MoveToFolder', 'Newsletters'],
      ],
    }),
  },
  {
    name: 'failed cmdlet (ResultStatus False)',
    expected: false,
    record: inboxRule({ name: 'x', result: 'False', parameters: [['ForwardTo', 'a@fabrikam.com']] }),
  },
];
