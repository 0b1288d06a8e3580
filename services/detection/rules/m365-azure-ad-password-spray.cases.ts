import type { RuleCase } from '../types.ts';
import { graphSignIn, ualSignIn } from './fixtures/case-records.ts';

const spray = (n: number, ip: string, minutesApart = 0.5) => Array.from({ length: n }, (_, i) => ualSignIn({ user: `user${i}@contoso.com`, ip, errorNumber: 50126, minutes: i * minutesApart }));

export const cases: RuleCase[] = [
  { name: 'ten accounts, one wrong password each, from one droplet', expected: true, history: spray(9, '159.203.84.17'), record: ualSignIn({ user: 'user9@contoso.com', ip: '159.203.84.17', errorNumber: 50126, minutes: 5 }) },
  { name: 'Graph record with unknown user names (50034) counts too', expected: true, history: spray(9, '159.203.84.17'), record: graphSignIn({ user: 'nobody@contoso.com', ip: '159.203.84.17', errorCode: 50034, clientAppUsed: 'Other clients', minutes: 5 }) },
  { name: 'near miss: one account tried ten times is brute force, not spray', expected: false, history: Array.from({ length: 9 }, (_, i) => ualSignIn({ user: 'megan.bowen@contoso.com', ip: '159.203.84.17', errorNumber: 50126, minutes: i })), record: ualSignIn({ user: 'megan.bowen@contoso.com', ip: '159.203.84.17', errorNumber: 50126, minutes: 9 }) },
  { name: 'near miss: nine accounts from the office egress over an hour', expected: false, history: spray(8, '203.0.113.10', 7), record: ualSignIn({ user: 'user8@contoso.com', ip: '203.0.113.10', errorNumber: 50126, minutes: 56 }) },
  { name: 'near miss: ten accounts spread over a day', expected: false, history: spray(9, '159.203.84.17', 120), record: ualSignIn({ user: 'user9@contoso.com', ip: '159.203.84.17', errorNumber: 50126, minutes: 1080 }) },
];
