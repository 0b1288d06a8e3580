import type { RuleCase } from '../types.ts';
import { graphDirectory, ualDirectory } from './fixtures/case-records.ts';

const target = { id: '8b7a6f5e-4d3c-4b2a-9f1e-0d9c8b7a6f5e', type: 'User' as const, upn: 'it.admin@contoso.com' };
const role = (name: string, templateId: string) => [
  { name: 'Role.DisplayName', newValue: '', oldValue: `"${name}"` },
  { name: 'Role.TemplateId', newValue: '', oldValue: `"${templateId}"` },
];

export const cases: RuleCase[] = [
  {
    name: 'Global Administrator removed (audit log)',
    expected: true,
    record: ualDirectory({
      operation: 'Remove member from role.',
      actor: 'megan.bowen@contoso.com',
      target,
      modified: role('Global Administrator', '62e90394-69f5-4237-9190-012177145e10'),
    }),
  },
  {
    name: 'small tenant: Exchange Administrator removed (Graph)',
    expected: true,
    userCount: 8,
    record: graphDirectory({
      activity: 'Remove member from role',
      actor: 'megan.bowen@contoso.com',
      target,
      modified: role('Exchange Administrator', '29232cdf-9323-42fd-ade2-1d097af3e4de'),
    }),
  },
  {
    name: 'near miss: removed from a reader role',
    expected: false,
    record: ualDirectory({ operation: 'Remove member from role.', target, modified: role('Directory Readers', '88d8e3e3-8f55-4a1e-953a-9b9898b8876b') }),
  },
  {
    name: "near miss: a privileged role granted is the other rule's event",
    expected: false,
    record: ualDirectory({
      operation: 'Add member to role.',
      target,
      modified: [
        { name: 'Role.DisplayName', newValue: '"Global Administrator"' },
        { name: 'Role.TemplateId', newValue: '"62e90394-69f5-4237-9190-012177145e10"' },
      ],
    }),
  },
  {
    name: "near miss: Microsoft's own service removes the role (app actor)",
    expected: false,
    record: graphDirectory({
      activity: 'Remove member from role',
      actor: 'Microsoft Substrate Management',
      target,
      modified: role('Global Administrator', '62e90394-69f5-4237-9190-012177145e10'),
    }),
  },
];
