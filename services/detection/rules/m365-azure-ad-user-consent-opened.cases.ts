import type { RuleCase } from '../types.ts';
import { graphDirectory, ualDirectory } from './fixtures/case-records.ts';

/** The tenant's authorization policy object (Graph `policies/authorizationPolicy`). */
const policy = { id: 'authorizationPolicy', type: 'Policy' as const, name: 'Authorization Policy' };
const PROPERTY = 'PermissionGrantPolicyIdsAssignedToDefaultUserRole';

export const cases: RuleCase[] = [
  {
    name: 'user consent opened from verified publishers to any app (audit log)',
    expected: true,
    record: ualDirectory({
      operation: 'Update authorization policy.',
      target: policy,
      modified: [
        {
          name: PROPERTY,
          oldValue: '["ManagePermissionGrantsForSelf.microsoft-user-default-low"]',
          newValue: '["ManagePermissionGrantsForSelf.microsoft-user-default-legacy"]',
        },
        { name: 'Included Updated Properties', newValue: PROPERTY },
      ],
    }),
  },
  {
    name: 'user consent opened from "do not allow" (Graph, values JSON-quoted)',
    expected: true,
    record: graphDirectory({
      activity: 'Update authorization policy',
      category: 'Policy',
      target: policy,
      modified: [{ name: PROPERTY, oldValue: '[]', newValue: '["ManagePermissionGrantsForSelf.microsoft-user-default-legacy"]' }],
    }),
  },
  {
    name: 'near miss: user consent set to verified publishers and low-impact permissions',
    expected: false,
    record: ualDirectory({
      operation: 'Update authorization policy.',
      target: policy,
      modified: [{ name: PROPERTY, oldValue: '[]', newValue: '["ManagePermissionGrantsForSelf.microsoft-user-default-low"]' }],
    }),
  },
  {
    name: 'near miss: another setting changed while consent was already open',
    expected: false,
    record: ualDirectory({
      operation: 'Update authorization policy.',
      target: policy,
      modified: [
        {
          name: PROPERTY,
          oldValue: '["ManagePermissionGrantsForSelf.microsoft-user-default-legacy"]',
          newValue: '["ManagePermissionGrantsForSelf.microsoft-user-default-legacy"]',
        },
        { name: 'AllowedToCreateApps', oldValue: 'true', newValue: 'false' },
      ],
    }),
  },
  {
    name: 'consent closed again',
    expected: false,
    record: ualDirectory({
      operation: 'Update authorization policy.',
      target: policy,
      modified: [{ name: PROPERTY, oldValue: '["ManagePermissionGrantsForSelf.microsoft-user-default-legacy"]', newValue: '[]' }],
    }),
  },
];
