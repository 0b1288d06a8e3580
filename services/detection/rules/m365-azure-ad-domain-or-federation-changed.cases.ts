import type { RuleCase } from '../types.ts';
import { graphDirectory, ualDirectory } from './fixtures/case-records.ts';

const domain = { id: 'fabrikam-login.example', type: 'Directory' as const, name: 'fabrikam-login.example' };

export const cases: RuleCase[] = [
  {
    name: 'federation set on a domain',
    expected: true,
    record: ualDirectory({
      operation: 'Set domain authentication.',
      target: domain,
      modified: [{ name: 'LiveType', newValue: '["Federated"]', oldValue: '["Managed"]' }],
    }),
  },
  {
    name: 'federation settings changed (Graph)',
    expected: true,
    record: graphDirectory({ activity: 'Set federation settings on domain', category: 'DirectoryManagement', target: domain }),
  },
  { name: 'new domain verified', expected: true, record: ualDirectory({ operation: 'Verify domain.', target: domain }) },
  {
    name: 'near miss: company information updated',
    expected: false,
    record: ualDirectory({ operation: 'Set company information.', target: { id: 'x', type: 'Directory', name: 'Contoso' } }),
  },
];
