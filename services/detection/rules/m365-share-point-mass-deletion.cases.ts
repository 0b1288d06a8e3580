import type { RuleCase } from '../types.ts';
import { sharePoint } from './fixtures/case-records.ts';

const deletions = (n: number, op = 'FileDeleted') =>
  Array.from({ length: n }, (_, i) =>
    sharePoint({
      operation: op,
      workload: 'OneDrive',
      minutes: i * 0.05,
      objectId: `https://contoso-my.sharepoint.com/personal/megan_contoso_com/Documents/Projects/file ${i}.docx`,
    }),
  );

export const cases: RuleCase[] = [
  {
    name: '100 files deleted in five minutes',
    expected: true,
    history: deletions(99),
    record: sharePoint({
      operation: 'FileDeleted',
      workload: 'OneDrive',
      minutes: 5,
      objectId: 'https://contoso-my.sharepoint.com/personal/megan_contoso_com/Documents/Projects/file 99.docx',
    }),
  },
  {
    name: 'files sent to the recycle bin count too',
    expected: true,
    history: deletions(99, 'FileRecycled'),
    record: sharePoint({
      operation: 'FileRecycled',
      workload: 'OneDrive',
      minutes: 5,
      objectId: 'https://contoso-my.sharepoint.com/personal/megan_contoso_com/Documents/Projects/file 99.docx',
    }),
  },
  {
    name: 'near miss: 99 files',
    expected: false,
    history: deletions(98),
    record: sharePoint({
      operation: 'FileDeleted',
      workload: 'OneDrive',
      minutes: 5,
      objectId: 'https://contoso-my.sharepoint.com/personal/megan_contoso_com/Documents/Projects/file 98.docx',
    }),
  },
];
