import type { RuleCase } from '../types.ts';
import { exchangeCmdlet } from './fixtures/case-records.ts';

const rule = (operation: 'New-TransportRule' | 'Set-TransportRule', parameters: [string, string][]) =>
  exchangeCmdlet({ operation, appPool: 'PowerShell', objectId: parameters.find(([n]) => n === 'Name')?.[1] ?? 'Rule', parameters });

export const cases: RuleCase[] = [
  {
    name: 'BCC of outgoing mail to an outside address',
    expected: true,
    record: rule('New-TransportRule', [
      ['Name', 'Finance Compliance Archive'],
      ['FromScope', 'InOrganization'],
      ['SentToScope', 'NotInOrganization'],
      ['BlindCopyTo', 'archive.ledger@fabrikam-finance.example'],
      ['Mode', 'Enforce'],
    ]),
  },
  {
    name: 'redirect to outside',
    expected: true,
    record: rule('Set-TransportRule', [
      ['Identity', 'CEO mail'],
      ['RedirectMessageTo', 'ceo.mail@fabrikam.com'],
    ]),
  },
  {
    name: 'spam filter bypass for everything from a domain',
    expected: true,
    record: rule('New-TransportRule', [
      ['Name', 'Allow partner'],
      ['SenderDomainIs', 'fabrikam.com'],
      ['SetSCL', '-1'],
    ]),
  },
  {
    name: 'deletes messages',
    expected: true,
    record: rule('New-TransportRule', [
      ['Name', 'Drop alerts'],
      ['SubjectContainsWords', 'security alert'],
      ['DeleteMessage', 'True'],
    ]),
  },
  {
    name: 'near miss: BCC to an internal compliance mailbox',
    expected: false,
    record: rule('New-TransportRule', [
      ['Name', 'Compliance copy'],
      ['BlindCopyTo', 'compliance@contoso.com'],
    ]),
  },
  {
    name: 'near miss: disclaimer rule',
    expected: false,
    record: rule('New-TransportRule', [
      ['Name', 'Disclaimer'],
      ['ApplyHtmlDisclaimerText', '<p>Confidential</p>'],
      ['SetSCL', '5'],
    ]),
  },
];
