import type { RuleCase } from '../types.ts';
import { graphDirectory, ualDirectory } from './fixtures/case-records.ts';

const policy = { id: 'd7e6f5a4-b3c2-4d1e-8f9a-0b1c2d3e4f5a', type: 'Policy' as const, name: 'Require MFA for all users' };

export const cases: RuleCase[] = [
  {
    name: 'Graph: policy deleted',
    expected: true,
    record: graphDirectory({ activity: 'Delete conditional access policy', category: 'Policy', loggedByService: 'Conditional Access', target: policy }),
  },
  {
    name: 'Graph: policy switched to report-only',
    expected: true,
    record: graphDirectory({
      activity: 'Update conditional access policy',
      category: 'Policy',
      loggedByService: 'Conditional Access',
      target: policy,
      modified: [{ name: 'ConditionalAccessPolicy', oldValue: '{"state":"enabled"}', newValue: '{"state":"enabledForReportingButNotEnforced"}' }],
    }),
  },
  {
    name: 'audit log: Update policy. of a CA policy',
    expected: true,
    record: ualDirectory({
      operation: 'Update policy.',
      target: policy,
      modified: [{ name: 'ConditionalAccessPolicy', oldValue: '{"State":"Enabled"}', newValue: '{"State":"Disabled"}' }],
    }),
  },
  {
    name: 'near miss: Update policy. of a token lifetime policy',
    expected: false,
    record: ualDirectory({
      operation: 'Update policy.',
      target: { ...policy, name: 'Token lifetime' },
      modified: [{ name: 'PolicyDetail', oldValue: '["{\\"TokenLifetimePolicy\\":{}}"]', newValue: '["{\\"TokenLifetimePolicy\\":{\\"Version\\":1}}"]' }],
    }),
  },
];
