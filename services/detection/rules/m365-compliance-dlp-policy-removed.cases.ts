import type { RuleCase } from '../types.ts';
import { exchangeCmdlet, generalRecord } from './fixtures/case-records.ts';

// Security & Compliance Center cmdlets (RecordType 18) carry their parameters as one string.
const cmdlet = (operation: string, parameters: string, user = 'admin@contoso.onmicrosoft.com') =>
  generalRecord({ operation, user, workload: 'SecurityComplianceCenter', recordType: 18, extra: { Parameters: parameters } });

export const cases: RuleCase[] = [
  { name: 'Purview DLP policy removed', expected: true, record: cmdlet('Remove-DlpCompliancePolicy', '-Identity "U.S. Financial Data" -Confirm:$false') },
  { name: 'Purview DLP policy disabled (Mode Disable)', expected: true, record: cmdlet('Set-DlpCompliancePolicy', '-Identity "Card numbers" -Mode Disable') },
  {
    name: 'small tenant: DLP rule disabled',
    expected: true,
    userCount: 9,
    record: cmdlet('Set-DlpComplianceRule', '-Identity "Block card numbers outside" -Disabled $true'),
  },
  {
    name: 'Exchange transport DLP policy disabled',
    expected: true,
    record: exchangeCmdlet({
      operation: 'Set-DlpPolicy',
      user: 'admin@contoso.onmicrosoft.com',
      parameters: [
        ['Identity', 'PII (U.S.)'],
        ['State', 'Disabled'],
      ],
    }),
  },
  { name: 'near miss: DLP policy turned on', expected: false, record: cmdlet('Set-DlpCompliancePolicy', '-Identity "Card numbers" -Mode Enable') },
  { name: 'near miss: rule re-enabled', expected: false, record: cmdlet('Set-DlpComplianceRule', '-Identity "Block card numbers outside" -Disabled $false') },
];
