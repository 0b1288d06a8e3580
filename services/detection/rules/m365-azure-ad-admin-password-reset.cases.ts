import type { RuleCase } from '../types.ts';
import { ualDirectory } from './fixtures/case-records.ts';

const reset = (upn: string, minutes = 0, actor = 'helpdesk@contoso.com') =>
  ualDirectory({ operation: 'Reset user password.', actor, minutes, target: { id: '1d2c3b4a-5f6e-4d7c-8b9a-0f1e2d3c4b5a', type: 'User', upn } });
const grant = (upn: string) =>
  ualDirectory({
    operation: 'Add member to role.',
    minutes: -600,
    target: { id: '1d2c3b4a-5f6e-4d7c-8b9a-0f1e2d3c4b5a', type: 'User', upn },
    modified: [
      { name: 'Role.DisplayName', newValue: 'Global Administrator' },
      { name: 'Role.TemplateId', newValue: '62e90394-69f5-4237-9190-012177145e10' },
    ],
  });

export const cases: RuleCase[] = [
  { name: 'reset of a Global Administrator granted earlier', expected: true, history: [grant('it.admin@contoso.com')], record: reset('it.admin@contoso.com') },
  {
    name: 'reset of a configured break-glass account',
    expected: true,
    settings: { breakGlassAccounts: ['bg-admin@contoso.onmicrosoft.com'] },
    record: reset('bg-admin@contoso.onmicrosoft.com'),
  },
  {
    name: 'five resets within the hour by one admin',
    expected: true,
    history: [1, 2, 3, 4].map((i) => reset(`user${i}@contoso.com`, i * 5)),
    record: reset('user5@contoso.com', 25),
  },
  {
    name: 'near miss: the help desk resets two ordinary users during the day',
    expected: false,
    history: [reset('user1@contoso.com', -240)],
    record: reset('user2@contoso.com'),
  },
];
