import type { RuleCase } from '../types.ts';
import { exchangeCmdlet } from './fixtures/case-records.ts';

const admin = 'admin@contoso.onmicrosoft.com';
const mailbox = (parameters: [string, string][], user = admin) =>
  exchangeCmdlet({ operation: 'Set-Mailbox', user, appPool: 'PowerShell', parameters: [['Identity', 'cfo@contoso.com'], ...parameters] });

export const cases: RuleCase[] = [
  { name: "MailItemsAccessed removed from the owner's audit set", expected: true, record: mailbox([['AuditOwner', '@{Remove="MailItemsAccessed"}']]) },
  { name: 'owner audit set replaced by logins only', expected: true, record: mailbox([['AuditOwner', 'MailboxLogin']]) },
  { name: 'small tenant: delegate auditing emptied', expected: true, userCount: 5, record: mailbox([['AuditDelegate', '$null']]) },
  { name: 'near miss: an action added', expected: false, record: mailbox([['AuditOwner', '@{Add="SearchQueryInitiated"}']]) },
  {
    name: 'near miss: a full owner set including every key action',
    expected: false,
    record: mailbox([['AuditOwner', 'MailItemsAccessed,HardDelete,SoftDelete,MoveToDeletedItems,UpdateInboxRules,Send,Update']]),
  },
  {
    name: "near miss: auditing turned off is the other rule's event",
    expected: false,
    record: mailbox([
      ['AuditEnabled', 'False'],
      ['AuditOwner', 'None'],
    ]),
  },
];
