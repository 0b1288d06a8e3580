import type { RuleCase } from '../types.ts';
import { graphSignIn, PLACES } from './fixtures/case-records.ts';

const user = 'megan.bowen@contoso.com';
const base = '2024-05-20T15:00:00Z';
const DAY = 24 * 60;
/** Two weeks of ordinary sign-ins from Seattle, for the user and a colleague in London. */
const history = [
  ...Array.from({ length: 14 }, (_, d) => graphSignIn({ user, ip: '198.51.100.7', place: PLACES.seattle, base, minutes: -(d + 1) * DAY })),
  graphSignIn({ user: 'colleague@contoso.com', ip: '198.51.100.200', place: PLACES.london, base, minutes: -3 * DAY }),
];

export const cases: RuleCase[] = [
  {
    name: 'first sign-in from Nigeria after two weeks in the US',
    expected: true,
    history,
    record: graphSignIn({ user, ip: '102.89.1.7', place: PLACES.lagos, base }),
  },
  {
    name: 'country new for the user but seen in the tenant (London)',
    expected: true,
    history,
    record: graphSignIn({ user, ip: '198.51.100.201', place: PLACES.london, base }),
  },
  { name: 'near miss: the usual country', expected: false, history, record: graphSignIn({ user, ip: '198.51.100.7', place: PLACES.redmond, base }) },
  {
    name: 'near miss: tenant still learning (two days of history)',
    expected: false,
    history: history.slice(0, 2),
    record: graphSignIn({ user, ip: '102.89.1.7', place: PLACES.lagos, base }),
  },
  {
    name: 'near miss: new user without history',
    expected: false,
    history,
    record: graphSignIn({ user: 'new.hire@contoso.com', ip: '102.89.1.7', place: PLACES.lagos, base }),
  },
  {
    name: 'near miss: failed sign-in from abroad',
    expected: false,
    history,
    record: graphSignIn({ user, ip: '102.89.1.7', place: PLACES.lagos, base, errorCode: 50126 }),
  },
];
