import type { RuleCase } from '../types.ts';
import { graphSignIn, ualSignIn } from './fixtures/case-records.ts';

const spray = (n: number, ip: string, minutesApart = 0.5) =>
  Array.from({ length: n }, (_, i) => ualSignIn({ user: `user${i}@contoso.com`, ip, errorNumber: 50126, minutes: i * minutesApart }));

export const cases: RuleCase[] = [
  {
    name: 'ten accounts, one wrong password each, from one droplet',
    expected: true,
    history: spray(9, '159.203.84.17'),
    record: ualSignIn({ user: 'user9@contoso.com', ip: '159.203.84.17', errorNumber: 50126, minutes: 5 }),
  },
  {
    name: 'Graph record with unknown user names (50034) counts too',
    expected: true,
    history: spray(9, '159.203.84.17'),
    record: graphSignIn({ user: 'nobody@contoso.com', ip: '159.203.84.17', errorCode: 50034, clientAppUsed: 'Other clients', minutes: 5 }),
  },
  {
    name: 'near miss: one account tried ten times is brute force, not spray',
    expected: false,
    history: Array.from({ length: 9 }, (_, i) => ualSignIn({ user: 'megan.bowen@contoso.com', ip: '159.203.84.17', errorNumber: 50126, minutes: i })),
    record: ualSignIn({ user: 'megan.bowen@contoso.com', ip: '159.203.84.17', errorNumber: 50126, minutes: 9 }),
  },
  {
    name: 'near miss: nine accounts from the office egress over an hour',
    expected: false,
    history: spray(8, '203.0.113.10', 7),
    record: ualSignIn({ user: 'user8@contoso.com', ip: '203.0.113.10', errorNumber: 50126, minutes: 56 }),
  },
  {
    name: 'near miss: ten accounts spread over a day',
    expected: false,
    history: spray(9, '159.203.84.17', 120),
    record: ualSignIn({ user: 'user9@contoso.com', ip: '159.203.84.17', errorNumber: 50126, minutes: 1080 }),
  },
  // Small tenants: the threshold is half the directory's users (at least 4), never above 10.
  {
    name: 'small tenant (9 users): six accounts tried once each from one address',
    expected: true,
    userCount: 9,
    history: spray(5, '159.203.84.17'),
    record: ualSignIn({ user: 'user5@contoso.com', ip: '159.203.84.17', errorNumber: 50126, minutes: 3 }),
  },
  {
    name: 'small tenant (5 users): every account tried from one address',
    expected: true,
    userCount: 5,
    history: spray(3, '159.203.84.17'),
    record: ualSignIn({ user: 'user3@contoso.com', ip: '159.203.84.17', errorNumber: 50126, minutes: 2 }),
  },
  {
    name: 'near miss: small tenant (9 users), four accounts mistyped from the office over an hour',
    expected: false,
    userCount: 9,
    history: spray(3, '203.0.113.10', 15),
    record: ualSignIn({ user: 'user3@contoso.com', ip: '203.0.113.10', errorNumber: 50126, minutes: 50 }),
  },
  {
    name: 'near miss: large tenant (300 users), six accounts from one address stay under 10',
    expected: false,
    userCount: 300,
    history: spray(5, '159.203.84.17'),
    record: ualSignIn({ user: 'user5@contoso.com', ip: '159.203.84.17', errorNumber: 50126, minutes: 3 }),
  },
  {
    name: "the spray tool's user agent is named (python-requests)",
    expected: true,
    history: Array.from({ length: 9 }, (_, i) =>
      ualSignIn({ user: `user${i}@contoso.com`, ip: '159.203.84.17', errorNumber: 50126, minutes: i * 0.5, userAgent: 'python-requests/2.31.0' }),
    ),
    record: ualSignIn({ user: 'user9@contoso.com', ip: '159.203.84.17', errorNumber: 50126, minutes: 5, userAgent: 'python-requests/2.31.0' }),
  },
];
