import type { RuleCase } from '../types.ts';
import { graphDirectory, ualDirectory } from './fixtures/case-records.ts';

const self = { id: '26be570a-ae82-4189-b4e2-a37c6808512d', type: 'User' as const, upn: 'megan.bowen@contoso.com' };

export const cases: RuleCase[] = [
  {
    name: 'user changes their password',
    expected: true,
    record: ualDirectory({ operation: 'Change user password.', actor: 'megan.bowen@contoso.com', target: self }),
  },
  {
    name: 'self-service reset (Graph)',
    expected: true,
    record: graphDirectory({
      activity: 'Reset password (self-service)',
      loggedByService: 'Self-service Password Management',
      actor: 'megan.bowen@contoso.com',
      target: self,
    }),
  },
  { name: 'near miss: an admin reset is another detection', expected: false, record: ualDirectory({ operation: 'Reset user password.', target: self }) },
];
