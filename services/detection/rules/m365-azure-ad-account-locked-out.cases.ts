import type { RuleCase } from '../types.ts';
import { graphSignIn, ualSignIn } from './fixtures/case-records.ts';

export const cases: RuleCase[] = [
  {
    name: 'audit log IdsLocked',
    expected: true,
    record: ualSignIn({ user: 'megan.bowen@contoso.com', ip: '185.220.101.4', errorNumber: 50053, logonError: 'IdsLocked' }),
  },
  { name: 'Graph 50053', expected: true, record: graphSignIn({ user: 'megan.bowen@contoso.com', ip: '185.220.101.4', errorCode: 50053 }) },
  {
    name: 'near miss: wrong password, not locked',
    expected: false,
    record: ualSignIn({ user: 'megan.bowen@contoso.com', ip: '185.220.101.4', errorNumber: 50126 }),
  },
];
