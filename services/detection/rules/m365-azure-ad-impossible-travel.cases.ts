import type { RuleCase } from '../types.ts';
import { graphSignIn, PLACES } from './fixtures/case-records.ts';

const user = 'megan.bowen@contoso.com';

export const cases: RuleCase[] = [
  {
    name: 'Seattle then Amsterdam 70 minutes later',
    expected: true,
    history: [graphSignIn({ user, ip: '198.51.100.7', place: PLACES.seattle, minutes: -70 })],
    record: graphSignIn({ user, ip: '104.28.196.63', place: PLACES.amsterdam }),
  },
  {
    name: 'the earlier sign-in arrives last',
    expected: true,
    history: [graphSignIn({ user, ip: '104.28.196.63', place: PLACES.amsterdam })],
    record: graphSignIn({ user, ip: '198.51.100.7', place: PLACES.seattle, minutes: -70 }),
  },
  {
    name: 'near miss: Seattle then London eleven hours later (a flight)',
    expected: false,
    history: [graphSignIn({ user, ip: '198.51.100.7', place: PLACES.seattle, minutes: -660 })],
    record: graphSignIn({ user, ip: '198.51.100.201', place: PLACES.london }),
  },
  {
    name: 'near miss: Redmond and Seattle within minutes',
    expected: false,
    history: [graphSignIn({ user, ip: '203.0.113.10', place: PLACES.redmond, minutes: -5 })],
    record: graphSignIn({ user, ip: '198.51.100.7', place: PLACES.seattle }),
  },
  {
    name: 'near miss: the far sign-in failed',
    expected: false,
    history: [graphSignIn({ user, ip: '198.51.100.7', place: PLACES.seattle, minutes: -70 })],
    record: graphSignIn({ user, ip: '104.28.196.63', place: PLACES.amsterdam, errorCode: 50126 }),
  },
];
