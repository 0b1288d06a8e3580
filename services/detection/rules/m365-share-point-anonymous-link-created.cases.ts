import type { RuleCase } from '../types.ts';
import { sharePoint } from './fixtures/case-records.ts';

export const cases: RuleCase[] = [
  {
    name: 'elastic fixture shape: OneDrive file, edit link',
    expected: true,
    record: sharePoint({
      operation: 'AnonymousLinkCreated',
      recordType: 14,
      workload: 'OneDrive',
      objectId: 'https://contoso-my.sharepoint.com/personal/megan_contoso_com/Documents/Screenshot.png',
      extra: { EventData: '<Type>Edit</Type>', UniqueSharingId: 'd323b5ea-ceca-4d65-a628-e22ca9296a76' },
    }),
  },
  {
    name: 'whole finance folder shared',
    expected: true,
    record: sharePoint({
      operation: 'AnonymousLinkCreated',
      recordType: 14,
      itemType: 'Folder',
      objectId: 'https://contoso.sharepoint.com/sites/Finance/Shared Documents/Finance/Wire Transfers',
      extra: { EventData: '<Type>View</Type>' },
    }),
  },
  {
    name: 'near miss: company-wide link (people in the organisation only)',
    expected: false,
    record: sharePoint({ operation: 'CompanyLinkCreated', recordType: 14 }),
  },
  {
    name: 'near miss: someone used an existing anonymous link',
    expected: false,
    record: sharePoint({
      operation: 'AnonymousLinkUsed',
      recordType: 14,
      user: 'urn:spo:anon#a81bd38ffe6e1aa5b3b3f1f2f36cfbd4f2a0e6d1ec1b8e4c0f2a6d7e8f9a0b1c',
    }),
  },
];
