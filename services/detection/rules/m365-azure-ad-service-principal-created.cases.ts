import type { RuleCase } from '../types.ts';
import { ualDirectory } from './fixtures/case-records.ts';

const sp = { id: '3f1e2d4c-5b6a-4789-8a7b-6c5d4e3f2a1b', type: 'ServicePrincipal' as const, name: 'Backup Helper' };
const added = (actor = 'megan.bowen@contoso.com', minutes = 0) =>
  ualDirectory({
    operation: 'Add service principal.',
    actor,
    minutes,
    target: sp,
    modified: [
      { name: 'AccountEnabled', newValue: '[true]', oldValue: '[]' },
      { name: 'AppPrincipalId', newValue: '["5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b"]', oldValue: '[]' },
      { name: 'DisplayName', newValue: '["Backup Helper"]', oldValue: '[]' },
    ],
  });

export const cases: RuleCase[] = [
  { name: 'a user adds an app directly', expected: true, record: added() },
  {
    name: 'near miss: added as part of a consent a few seconds later',
    expected: false,
    history: [
      ualDirectory({
        operation: 'Consent to application.',
        actor: 'megan.bowen@contoso.com',
        minutes: 0.05,
        target: sp,
        modified: [{ name: 'ConsentAction.Permissions', newValue: '[] => [[Scope: User.Read]]' }],
      }),
    ],
    record: added(),
  },
  {
    name: 'near miss: Microsoft provisioning (actor is a service principal)',
    expected: false,
    record: added('ServicePrincipal_1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d'),
  },
];
