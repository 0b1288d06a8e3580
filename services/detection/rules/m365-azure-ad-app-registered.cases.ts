import type { RuleCase } from '../types.ts';
import { graphDirectory, ualDirectory } from './fixtures/case-records.ts';

const app = (name: string) => ({ id: '0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0', type: 'Application' as const, name });

export const cases: RuleCase[] = [
  {
    name: 'an app registered by an admin (low)',
    expected: true,
    record: ualDirectory({
      operation: 'Add application.',
      actor: 'megan.bowen@contoso.com',
      target: app('Invoice Sync'),
      modified: [{ name: 'AppId', newValue: '["5b1f5c2e-7a8d-4e3f-9c1b-2d3e4f5a6b7c"]' }],
    }),
  },
  {
    name: 'an app named like PerfectData Software (Graph, high)',
    expected: true,
    record: graphDirectory({
      activity: 'Add application',
      category: 'ApplicationManagement',
      actor: 'megan.bowen@contoso.com',
      target: app('PERFECTDATA SOFTWARE'),
    }),
  },
  {
    name: 'small tenant: an app named rclone',
    expected: true,
    userCount: 5,
    record: ualDirectory({ operation: 'Add application.', actor: 'owner@contoso.com', target: app('rclone-onedrive') }),
  },
  {
    name: "near miss: Microsoft's provisioning adds the application (app actor)",
    expected: false,
    record: graphDirectory({ activity: 'Add application', category: 'ApplicationManagement', actor: 'Microsoft Online Services', target: app('P2P Server') }),
  },
  {
    name: 'near miss: a failed registration',
    expected: false,
    record: ualDirectory({ operation: 'Add application.', actor: 'megan.bowen@contoso.com', result: 'Failure', target: app('Invoice Sync') }),
  },
  {
    name: "near miss: a service principal added is the other rule's event",
    expected: false,
    record: ualDirectory({
      operation: 'Add service principal.',
      actor: 'megan.bowen@contoso.com',
      target: { id: '0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0', type: 'ServicePrincipal', name: 'Invoice Sync' },
    }),
  },
];
