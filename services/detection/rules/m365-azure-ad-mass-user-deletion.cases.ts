import type { RuleCase } from '../types.ts';
import { graphDirectory, ualDirectory } from './fixtures/case-records.ts';

const deletion = (i: number, minutes: number, actor = 'megan.bowen@contoso.com') =>
  ualDirectory({
    operation: 'Delete user.',
    actor,
    minutes,
    target: { id: `8b7a6f5e-4d3c-4b2a-9f1e-0d9c8b7a6f${String(i).padStart(2, '0')}`, type: 'User', upn: `user${i}@contoso.com` },
  });

export const cases: RuleCase[] = [
  {
    name: 'large tenant: ten users deleted in twenty minutes',
    expected: true,
    userCount: 300,
    history: Array.from({ length: 9 }, (_, i) => deletion(i, i * 2)),
    record: deletion(9, 19),
  },
  {
    name: 'small tenant (9 users): three deleted in ten minutes',
    expected: true,
    userCount: 9,
    history: [deletion(0, 0), deletion(1, 4)],
    record: deletion(2, 9),
  },
  {
    name: 'near miss: large tenant (300 users), three deletions is offboarding',
    expected: false,
    userCount: 300,
    history: [deletion(0, 0), deletion(1, 4)],
    record: deletion(2, 9),
  },
  { name: 'near miss: small tenant, two deletions', expected: false, userCount: 9, history: [deletion(0, 0)], record: deletion(1, 9) },
  {
    name: 'near miss: the soft and hard delete of one user count once',
    expected: false,
    userCount: 9,
    history: [
      deletion(0, 0),
      ualDirectory({
        operation: 'Hard Delete user.',
        actor: 'megan.bowen@contoso.com',
        minutes: 5,
        target: { id: '8b7a6f5e-4d3c-4b2a-9f1e-0d9c8b7a6f00', type: 'User', upn: 'user0@contoso.com' },
      }),
    ],
    record: deletion(1, 9),
  },
  {
    name: 'near miss: a single deletion seen in Graph',
    expected: false,
    record: graphDirectory({ activity: 'Delete user', target: { id: '8b7a6f5e-4d3c-4b2a-9f1e-0d9c8b7a6f00', type: 'User', upn: 'user0@contoso.com' } }),
  },
];
