import type { RuleCase } from '../types.ts';
import { ualDirectory } from './fixtures/case-records.ts';

const change = (
  i: number,
  minutes: number,
  op: 'Add member to role.' | 'Remove member from role.' = 'Remove member from role.',
  actor = 'megan.bowen@contoso.com',
) =>
  ualDirectory({
    operation: op,
    actor,
    minutes,
    target: { id: `8b7a6f5e-4d3c-4b2a-9f1e-0d9c8b7a6f5${i}`, type: 'User', upn: `admin${i}@contoso.com` },
    modified: [
      {
        name: 'Role.DisplayName',
        newValue: op.startsWith('Add') ? '"Global Administrator"' : '',
        oldValue: op.startsWith('Add') ? '' : '"Global Administrator"',
      },
    ],
  });

export const cases: RuleCase[] = [
  { name: 'five admins removed within ten minutes', expected: true, history: [0, 1, 2, 3].map((i) => change(i, i * 2)), record: change(4, 9) },
  {
    name: 'small tenant: removals and a grant to the attacker, mixed',
    expected: true,
    userCount: 6,
    history: [change(0, 0), change(1, 1), change(2, 2), change(3, 3, 'Add member to role.')],
    record: change(4, 4, 'Add member to role.'),
  },
  { name: 'near miss: four changes in an hour', expected: false, history: [0, 1, 2].map((i) => change(i, i * 15)), record: change(3, 50) },
  {
    name: 'near miss: five changes by five different admins',
    expected: false,
    history: [0, 1, 2, 3].map((i) => change(i, i, 'Remove member from role.', `helpdesk${i}@contoso.com`)),
    record: change(4, 4),
  },
  { name: 'near miss: five changes over a working day', expected: false, history: [0, 1, 2, 3].map((i) => change(i, i * 120)), record: change(4, 500) },
];
