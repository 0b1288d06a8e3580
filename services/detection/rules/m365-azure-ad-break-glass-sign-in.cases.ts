import type { RuleCase } from '../types.ts';
import { graphSignIn, ualSignIn } from './fixtures/case-records.ts';

const settings = { breakGlassAccounts: ['BG-Admin@contoso.onmicrosoft.com'] };

export const cases: RuleCase[] = [
  {
    name: 'successful sign-in by the break-glass account',
    expected: true,
    settings,
    record: ualSignIn({ user: 'bg-admin@contoso.onmicrosoft.com', ip: '203.0.113.10' }),
  },
  {
    name: 'failed attempt against it',
    expected: true,
    settings,
    record: graphSignIn({ user: 'bg-admin@contoso.onmicrosoft.com', ip: '185.220.101.4', errorCode: 50126 }),
  },
  { name: 'near miss: an ordinary admin', expected: false, settings, record: ualSignIn({ user: 'it.admin@contoso.com', ip: '203.0.113.10' }) },
  { name: 'near miss: nothing configured', expected: false, record: ualSignIn({ user: 'bg-admin@contoso.onmicrosoft.com', ip: '203.0.113.10' }) },
];
