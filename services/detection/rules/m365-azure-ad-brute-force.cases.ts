import type { RuleCase } from '../types.ts';
import { graphSignIn, ualSignIn } from './fixtures/case-records.ts';

const user = 'megan.bowen@contoso.com';
const failures = (n: number, ip = '185.220.101.4', step = 1) =>
  Array.from({ length: n }, (_, i) => ualSignIn({ user, ip, errorNumber: 50126, minutes: i * step }));

export const cases: RuleCase[] = [
  {
    name: '10 wrong passwords in 10 minutes',
    expected: true,
    history: failures(9),
    record: ualSignIn({ user, ip: '185.220.101.4', errorNumber: 50126, minutes: 9 }),
  },
  {
    name: 'late arrival: the earliest attempt processed last still sees the burst',
    expected: true,
    history: Array.from({ length: 9 }, (_, i) => ualSignIn({ user, ip: '185.220.101.4', errorNumber: 50126, minutes: 1 + i })),
    record: ualSignIn({ user, ip: '185.220.101.4', errorNumber: 50126, minutes: 0 }),
  },
  {
    name: 'near miss: the same 5 sign-ins seen in both feeds count once',
    expected: false,
    history: [
      ...Array.from({ length: 5 }, (_, i) =>
        ualSignIn({ user, ip: '185.220.101.4', errorNumber: 50126, minutes: i, id: `0a000000-0000-4000-8000-00000000000${i}` }),
      ),
      ...Array.from({ length: 4 }, (_, i) =>
        graphSignIn({ user, ip: '185.220.101.4', errorCode: 50126, minutes: i, id: `0a000000-0000-4000-8000-00000000000${i}` }),
      ),
    ],
    record: graphSignIn({ user, ip: '185.220.101.4', errorCode: 50126, minutes: 4, id: '0a000000-0000-4000-8000-000000000004' }),
  },
  { name: 'near miss: 9 failures', expected: false, history: failures(8), record: ualSignIn({ user, ip: '185.220.101.4', errorNumber: 50126, minutes: 8 }) },
  {
    name: 'near miss: 10 failures spread over 5 hours',
    expected: false,
    history: failures(9, '185.220.101.4', 30),
    record: ualSignIn({ user, ip: '185.220.101.4', errorNumber: 50126, minutes: 270 }),
  },
  {
    name: 'MFA prompts are not failed guesses',
    expected: false,
    history: Array.from({ length: 12 }, (_, i) =>
      ualSignIn({ user, ip: '203.0.113.10', errorNumber: 50074, logonError: 'UserStrongAuthClientAuthNRequiredInterrupt', minutes: i }),
    ),
    record: ualSignIn({ user, ip: '203.0.113.10', errorNumber: 50074, logonError: 'UserStrongAuthClientAuthNRequiredInterrupt', minutes: 12 }),
  },
  {
    name: 'small tenant (9 users): five wrong passwords for one account',
    expected: true,
    userCount: 9,
    history: failures(4),
    record: ualSignIn({ user, ip: '185.220.101.4', errorNumber: 50126, minutes: 4 }),
  },
  {
    name: 'near miss: small tenant (9 users), four wrong passwords stay under the floor of five',
    expected: false,
    userCount: 9,
    history: failures(3),
    record: ualSignIn({ user, ip: '185.220.101.4', errorNumber: 50126, minutes: 3 }),
  },
  {
    name: 'near miss: large tenant (300 users), five wrong passwords',
    expected: false,
    userCount: 300,
    history: failures(4),
    record: ualSignIn({ user, ip: '185.220.101.4', errorNumber: 50126, minutes: 4 }),
  },
];
