import type { RuleCase } from '../types.ts';
import { generalRecord } from './case-records.ts';

export const cases: RuleCase[] = [
  { name: 'content search over all mailboxes', expected: true, record: generalRecord({ operation: 'New-ComplianceSearch', workload: 'SecurityComplianceCenter', recordType: 18, parameters: [['Name', 'q2'], ['ExchangeLocation', 'All'], ['ContentMatchQuery', 'password OR invoice']] }) },
  { name: 'export of the results', expected: true, record: generalRecord({ operation: 'New-ComplianceSearchAction', workload: 'SecurityComplianceCenter', recordType: 18, parameters: [['SearchName', 'q2'], ['Export', 'True'], ['Format', 'FxStream']] }) },
  { name: 'export downloaded (Discovery record)', expected: true, record: generalRecord({ operation: 'SearchExportDownloaded', workload: 'SecurityComplianceCenter', recordType: 24, objectId: 'q2', result: 'Success' }) },
  { name: 'near miss: a preview-only search action', expected: false, record: generalRecord({ operation: 'New-ComplianceSearchAction', workload: 'SecurityComplianceCenter', recordType: 18, parameters: [['SearchName', 'q2'], ['Preview', 'True']] }) },
];
