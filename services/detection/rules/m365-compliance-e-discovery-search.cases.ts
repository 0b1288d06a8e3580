import type { RuleCase } from '../types.ts';
import { generalRecord } from './fixtures/case-records.ts';

// Security & Compliance Center cmdlets (RecordType 18) carry their parameters as one string,
// not the [{Name, Value}] list of Exchange admin cmdlets.
const cmdlet = (operation: string, parameters: string) =>
  generalRecord({
    operation,
    workload: 'SecurityComplianceCenter',
    recordType: 18,
    extra: { Parameters: parameters, NonPIIParameters: parameters.replace(/"[^"]*"/g, '"<redacted>"') },
  });

export const cases: RuleCase[] = [
  {
    name: 'content search over all mailboxes',
    expected: true,
    record: cmdlet('New-ComplianceSearch', '-Name "q2" -ExchangeLocation "All" -ContentMatchQuery "password OR invoice"'),
  },
  { name: 'export of the results', expected: true, record: cmdlet('New-ComplianceSearchAction', '-SearchName "q2" -Export -Format "FxStream"') },
  {
    name: 'export of the results, switch given as $true',
    expected: true,
    record: cmdlet('New-ComplianceSearchAction', "-SearchName 'q2' -Export:$true -Scope IndexedItemsOnly"),
  },
  {
    name: 'purge of the results',
    expected: true,
    record: cmdlet('New-ComplianceSearchAction', '-SearchName "q2" -Purge -PurgeType SoftDelete -Confirm:$false'),
  },
  {
    name: 'export downloaded (Discovery record)',
    expected: true,
    record: generalRecord({ operation: 'SearchExportDownloaded', workload: 'SecurityComplianceCenter', recordType: 24, objectId: 'q2', result: 'Success' }),
  },
  { name: 'near miss: a preview-only search action', expected: false, record: cmdlet('New-ComplianceSearchAction', '-SearchName "q2" -Preview') },
  { name: 'near miss: export switched off', expected: false, record: cmdlet('New-ComplianceSearchAction', '-SearchName "q2" -Export:$false -Preview') },
];
