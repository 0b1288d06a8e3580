import type { RuleCase } from '../types.ts';
import { graphSignIn } from './fixtures/case-records.ts';

export const cases: RuleCase[] = [
  { name: 'IMAP4 success', expected: true, record: graphSignIn({ user: 'megan.bowen@contoso.com', ip: '159.203.84.17', clientAppUsed: 'IMAP4' }) },
  {
    name: 'Other clients success',
    expected: true,
    record: graphSignIn({ user: 'megan.bowen@contoso.com', ip: '159.203.84.17', clientAppUsed: 'Other clients' }),
  },
  {
    name: 'near miss: failed legacy attempt (spray noise, counted by the spray rule)',
    expected: false,
    record: graphSignIn({ user: 'megan.bowen@contoso.com', ip: '159.203.84.17', clientAppUsed: 'Other clients', errorCode: 50126 }),
  },
  {
    name: 'near miss: modern desktop client',
    expected: false,
    record: graphSignIn({ user: 'megan.bowen@contoso.com', ip: '203.0.113.10', clientAppUsed: 'Mobile Apps and Desktop clients' }),
  },
];
