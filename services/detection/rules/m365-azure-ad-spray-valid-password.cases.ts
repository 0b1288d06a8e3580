import type { RuleCase } from '../types.ts';
import { graphSignIn, ualSignIn } from './fixtures/case-records.ts';

const spray = (n: number, ip: string) =>
  Array.from({ length: n }, (_, i) => ualSignIn({ user: `user${i}@contoso.com`, ip, errorNumber: 50126, minutes: i * 0.5 }));

export const cases: RuleCase[] = [
  {
    name: 'MFA required (50074) for one account from the spraying address',
    expected: true,
    history: spray(12, '159.203.84.17'),
    record: ualSignIn({
      user: 'isabella.ruiz@contoso.com',
      ip: '159.203.84.17',
      errorNumber: 50074,
      logonError: 'UserStrongAuthClientAuthNRequiredInterrupt',
      minutes: 7,
    }),
  },
  {
    name: 'outright success from the spraying address (Graph)',
    expected: true,
    history: spray(10, '159.203.84.17'),
    record: graphSignIn({ user: 'isabella.ruiz@contoso.com', ip: '159.203.84.17', clientAppUsed: 'Other clients', minutes: 6 }),
  },
  {
    name: "near miss: the same account's own failures do not count",
    expected: false,
    history: Array.from({ length: 12 }, (_, i) => ualSignIn({ user: 'isabella.ruiz@contoso.com', ip: '159.203.84.17', errorNumber: 50126, minutes: i })),
    record: ualSignIn({ user: 'isabella.ruiz@contoso.com', ip: '159.203.84.17', minutes: 13 }),
  },
  {
    name: 'near miss: success from another address during the spray',
    expected: false,
    history: spray(12, '159.203.84.17'),
    record: ualSignIn({ user: 'isabella.ruiz@contoso.com', ip: '203.0.113.10', minutes: 7 }),
  },
  {
    name: 'near miss: another wrong password from the spraying address',
    expected: false,
    history: spray(12, '159.203.84.17'),
    record: ualSignIn({ user: 'isabella.ruiz@contoso.com', ip: '159.203.84.17', errorNumber: 50126, minutes: 7 }),
  },
  {
    name: 'small tenant (9 users): MFA prompt after six accounts were sprayed',
    expected: true,
    userCount: 9,
    history: spray(6, '159.203.84.17'),
    record: ualSignIn({
      user: 'isabella.ruiz@contoso.com',
      ip: '159.203.84.17',
      errorNumber: 50074,
      logonError: 'UserStrongAuthClientAuthNRequiredInterrupt',
      minutes: 4,
    }),
  },
  {
    name: 'near miss: small tenant (9 users), success after three other accounts failed from the office',
    expected: false,
    userCount: 9,
    history: spray(3, '203.0.113.10'),
    record: ualSignIn({ user: 'isabella.ruiz@contoso.com', ip: '203.0.113.10', minutes: 4 }),
  },
  {
    name: 'near miss: large tenant (300 users), success after six other accounts failed',
    expected: false,
    userCount: 300,
    history: spray(6, '159.203.84.17'),
    record: ualSignIn({ user: 'isabella.ruiz@contoso.com', ip: '159.203.84.17', minutes: 4 }),
  },
];
