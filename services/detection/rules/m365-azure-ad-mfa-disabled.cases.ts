import type { RuleCase } from '../types.ts';
import { graphDirectory, ualDirectory } from './fixtures/case-records.ts';

const target = { id: '8b7a6f5e-4d3c-4b2a-9f1e-0d9c8b7a6f5e', type: 'User' as const, upn: 'lidia.holloway@contoso.com' };
const enforced = '[\r\n  {\r\n    "RelyingParty": "*",\r\n    "State": 1,\r\n    "RememberDevicesNotIssuedBefore": "2023-06-01T10:00:00Z"\r\n  }\r\n]';

export const cases: RuleCase[] = [
  {
    name: 'captured shape: Disable Strong Authentication.',
    expected: true,
    record: ualDirectory({
      operation: 'Disable Strong Authentication.',
      target,
      modified: [
        { name: 'StrongAuthenticationRequirement', newValue: '[]', oldValue: enforced },
        { name: 'Included Updated Properties', newValue: 'StrongAuthenticationRequirement' },
      ],
    }),
  },
  {
    name: 'captured shape: Update user. clearing the requirement',
    expected: true,
    record: ualDirectory({
      operation: 'Update user.',
      target,
      modified: [
        { name: 'StrongAuthenticationRequirement', newValue: '[]', oldValue: enforced },
        { name: 'Included Updated Properties', newValue: 'StrongAuthenticationRequirement' },
      ],
    }),
  },
  {
    name: 'Graph: admin deleted security info',
    expected: true,
    record: graphDirectory({ activity: 'Admin deleted security info', loggedByService: 'Authentication Methods', target }),
  },
  {
    name: 'near miss: Update user. enabling MFA',
    expected: false,
    record: ualDirectory({ operation: 'Update user.', target, modified: [{ name: 'StrongAuthenticationRequirement', newValue: enforced, oldValue: '[]' }] }),
  },
  {
    name: 'near miss: helpdesk updates a job title',
    expected: false,
    record: ualDirectory({
      operation: 'Update user.',
      target,
      modified: [
        { name: 'JobTitle', newValue: '["Accountant"]', oldValue: '[]' },
        { name: 'Included Updated Properties', newValue: '"JobTitle"' },
      ],
    }),
  },
  {
    name: 'Update user. emptying the registered MFA methods (StrongAuthenticationMethod)',
    expected: true,
    record: ualDirectory({
      operation: 'Update user.',
      target,
      modified: [
        { name: 'StrongAuthenticationMethod', newValue: '[]', oldValue: '[{"MethodType":6,"Default":true},{"MethodType":7,"Default":false}]' },
        { name: 'Included Updated Properties', newValue: 'StrongAuthenticationMethod' },
      ],
    }),
  },
  {
    name: 'small tenant: user deleted security info (Graph)',
    expected: true,
    userCount: 6,
    record: graphDirectory({ activity: 'User deleted security info', loggedByService: 'Authentication Methods', target, actor: 'lidia.holloway@contoso.com' }),
  },
  {
    name: 'near miss: Update user. adding an MFA method',
    expected: false,
    record: ualDirectory({
      operation: 'Update user.',
      target,
      modified: [{ name: 'StrongAuthenticationMethod', newValue: '[{"MethodType":6,"Default":true}]', oldValue: '[]' }],
    }),
  },
];
