import type { RuleCase } from '../types.ts';
import { exchangeCmdlet } from './fixtures/case-records.ts';

const admin = 'admin@contoso.onmicrosoft.com';

export const cases: RuleCase[] = [
  {
    name: 'management role assignment to a user',
    expected: true,
    record: exchangeCmdlet({
      operation: 'New-ManagementRoleAssignment',
      user: admin,
      appPool: 'PowerShell',
      parameters: [
        ['Name', 'Impersonation-svc'],
        ['Role', 'ApplicationImpersonation'],
        ['User', 'svc-sync@contoso.com'],
      ],
    }),
  },
  {
    name: 'new role group holding the role, with a member',
    expected: true,
    record: exchangeCmdlet({
      operation: 'New-RoleGroup',
      user: admin,
      parameters: [
        ['Name', 'Mail Sync'],
        ['Roles', 'ApplicationImpersonation'],
        ['Members', 'backup@contoso.com'],
      ],
    }),
  },
  {
    name: 'member added to the impersonation role group (small tenant)',
    expected: true,
    userCount: 6,
    record: exchangeCmdlet({
      operation: 'Add-RoleGroupMember',
      user: admin,
      parameters: [
        ['Identity', 'ApplicationImpersonation Management'],
        ['Member', 'x.helper@contoso.com'],
      ],
    }),
  },
  {
    name: 'near miss: another role assigned',
    expected: false,
    record: exchangeCmdlet({
      operation: 'New-ManagementRoleAssignment',
      user: admin,
      parameters: [
        ['Role', 'Mail Recipients'],
        ['User', 'helpdesk@contoso.com'],
      ],
    }),
  },
  {
    name: 'near miss: member added to the Help Desk role group',
    expected: false,
    record: exchangeCmdlet({
      operation: 'Add-RoleGroupMember',
      user: admin,
      parameters: [
        ['Identity', 'Help Desk'],
        ['Member', 'tier1@contoso.com'],
      ],
    }),
  },
  {
    name: 'near miss: Exchange provisioning the tenant as NT AUTHORITY\\SYSTEM',
    expected: false,
    record: exchangeCmdlet({
      operation: 'New-ManagementRoleAssignment',
      user: 'NT AUTHORITY\\SYSTEM (Microsoft.Exchange.ServiceHost)',
      parameters: [
        ['Role', 'ApplicationImpersonation'],
        ['SecurityGroup', 'Organization Management'],
      ],
    }),
  },
];
