import type { RuleCase } from '../types.ts';
import { graphDirectory, ualDirectory } from './fixtures/case-records.ts';

const app = { id: '0c9b8a7f-6e5d-4c3b-9a2f-1e0d9c8b7a6f', type: 'Application' as const, name: 'Payroll Connector' };

export const cases: RuleCase[] = [
  {
    name: 'secret added to an app registration (Graph activity name with en dash)',
    expected: true,
    record: graphDirectory({
      activity: 'Update application – Certificates and secrets management ',
      category: 'ApplicationManagement',
      target: app,
      modified: [{ name: 'KeyDescription', oldValue: '[]', newValue: '["[KeyIdentifier=8a2b…,KeyType=Password,KeyUsage=Verify,DisplayName=backup]"]' }],
    }),
  },
  {
    name: 'credentials added to a service principal',
    expected: true,
    record: ualDirectory({
      operation: 'Add service principal credentials.',
      target: { ...app, type: 'ServicePrincipal' },
      modified: [
        { name: 'KeyDescription', oldValue: '[]', newValue: '["[KeyIdentifier=1f2e…,KeyType=AsymmetricX509Cert,KeyUsage=Verify,DisplayName=CN=svc]"]' },
      ],
    }),
  },
  {
    name: 'near miss: an expired secret removed',
    expected: false,
    record: graphDirectory({
      activity: 'Update application – Certificates and secrets management ',
      category: 'ApplicationManagement',
      target: app,
      modified: [{ name: 'KeyDescription', oldValue: '["[KeyIdentifier=8a2b…,KeyType=Password,KeyUsage=Verify,DisplayName=old]"]', newValue: '[]' }],
    }),
  },
  {
    name: 'near miss: failed attempt',
    expected: false,
    record: ualDirectory({ operation: 'Add service principal credentials.', result: 'Failure', target: { ...app, type: 'ServicePrincipal' } }),
  },
];
