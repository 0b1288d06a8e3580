import type { RuleCase } from '../types.ts';
import { graphDirectory, ualDirectory } from './fixtures/case-records.ts';

const target = { id: '8b7a6f5e-4d3c-4b2a-9f1e-0d9c8b7a6f5e', type: 'User' as const, upn: 'lidia.holloway@contoso.com' };
const role = (name: string, templateId: string) => [
  { name: 'Role.ObjectID', newValue: '0c5a1f2b-3e4d-4a5b-8c6d-7e8f9a0b1c2d' },
  { name: 'Role.DisplayName', newValue: name },
  { name: 'Role.TemplateId', newValue: templateId },
  { name: 'Role.WellKnownObjectName', newValue: name === 'Global Administrator' ? 'TenantAdmins' : '' },
];

export const cases: RuleCase[] = [
  {
    name: 'captured shape: Global Administrator',
    expected: true,
    record: ualDirectory({ operation: 'Add member to role.', target, modified: role('Global Administrator', '62e90394-69f5-4237-9190-012177145e10') }),
  },
  {
    name: 'Graph: Exchange Administrator (values JSON-quoted)',
    expected: true,
    record: graphDirectory({
      activity: 'Add member to role',
      category: 'RoleManagement',
      target,
      modified: [
        { name: 'Role.DisplayName', newValue: '"Exchange Administrator"' },
        { name: 'Role.TemplateId', newValue: '"29232cdf-9323-42fd-ade2-1d097af3e4de"' },
      ],
    }),
  },
  {
    name: 'near miss: Reports Reader is not privileged',
    expected: false,
    record: ualDirectory({ operation: 'Add member to role.', target, modified: role('Reports Reader', '4a5d8f65-41da-4de4-8968-e035b65339cf') }),
  },
  {
    name: 'near miss: a guest made Global Administrator (the guest-role event covers it)',
    expected: false,
    record: ualDirectory({
      operation: 'Add member to role.',
      target: { ...target, upn: 'pat.ops_fabrikam.com#EXT#@contoso.onmicrosoft.com' },
      modified: role('Global Administrator', '62e90394-69f5-4237-9190-012177145e10'),
    }),
  },
  {
    name: 'near miss: failed grant',
    expected: false,
    record: ualDirectory({
      operation: 'Add member to role.',
      result: 'Failure',
      target,
      modified: role('Global Administrator', '62e90394-69f5-4237-9190-012177145e10'),
    }),
  },
];
