import type { RuleCase } from '../types.ts';
import { graphSignIn, ualSignIn } from './fixtures/case-records.ts';

const user = 'megan.bowen@contoso.com';
const failures = (n: number, ip = '185.220.101.4') => Array.from({ length: n }, (_, i) => ualSignIn({ user, ip, errorNumber: 50126, minutes: i * 2 }));

export const cases: RuleCase[] = [
  {
    name: 'success after 8 failures from the same address',
    expected: true,
    history: failures(8),
    record: ualSignIn({ user, ip: '185.220.101.4', minutes: 20 }),
  },
  {
    name: 'MFA prompt (password right) after 10 failures, Graph record',
    expected: true,
    history: failures(10),
    record: graphSignIn({ user, ip: '185.220.101.4', errorCode: 50074, minutes: 25 }),
  },
  {
    name: 'the last failure arrives after the success',
    expected: true,
    history: [...failures(7), ualSignIn({ user, ip: '185.220.101.4', minutes: 20 })],
    record: ualSignIn({ user, ip: '185.220.101.4', errorNumber: 50126, minutes: 15 }),
  },
  {
    name: 'near miss: one typo then success',
    expected: false,
    history: failures(1, '203.0.113.10'),
    record: ualSignIn({ user, ip: '203.0.113.10', minutes: 3 }),
  },
  {
    name: 'near miss: failures two hours before the success',
    expected: false,
    history: failures(8),
    record: ualSignIn({ user, ip: '185.220.101.4', minutes: 140 }),
  },
  {
    name: 'small tenant (9 users): success after 5 failures',
    expected: true,
    userCount: 9,
    history: failures(5),
    record: ualSignIn({ user, ip: '185.220.101.4', minutes: 12 }),
  },
  {
    name: 'near miss: large tenant (300 users), success after 5 failures',
    expected: false,
    userCount: 300,
    history: failures(5),
    record: ualSignIn({ user, ip: '185.220.101.4', minutes: 12 }),
  },
  {
    name: 'near miss: small tenant (9 users), success after 4 failures (a forgetful Monday)',
    expected: false,
    userCount: 9,
    history: failures(4),
    record: ualSignIn({ user, ip: '185.220.101.4', minutes: 12 }),
  },
];
