import type { RuleCase } from '../types.ts';
import { sharePoint } from './fixtures/case-records.ts';

const downloads = (n: number, step = 0.05) =>
  Array.from({ length: n }, (_, i) =>
    sharePoint({ operation: 'FileDownloaded', minutes: i * step, objectId: `https://contoso.sharepoint.com/sites/Finance/Shared Documents/Ledger ${i}.xlsx` }),
  );

export const cases: RuleCase[] = [
  {
    name: '100 files in five minutes',
    expected: true,
    history: downloads(99),
    record: sharePoint({ operation: 'FileDownloaded', minutes: 5, objectId: 'https://contoso.sharepoint.com/sites/Finance/Shared Documents/Ledger 99.xlsx' }),
  },
  {
    name: 'near miss: the same file downloaded 100 times',
    expected: false,
    history: Array.from({ length: 99 }, (_, i) => sharePoint({ operation: 'FileDownloaded', minutes: i * 0.05 })),
    record: sharePoint({ operation: 'FileDownloaded', minutes: 5 }),
  },
  {
    name: 'near miss: 100 files over a working day',
    expected: false,
    history: downloads(99, 5),
    record: sharePoint({ operation: 'FileDownloaded', minutes: 500, objectId: 'https://contoso.sharepoint.com/sites/Finance/Shared Documents/Ledger 99.xlsx' }),
  },
];
