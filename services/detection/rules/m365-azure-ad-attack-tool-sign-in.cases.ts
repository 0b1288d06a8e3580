import type { RuleCase } from '../types.ts';
import { ualSignIn } from './fixtures/case-records.ts';

const TEAMFILTRATION =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Teams/1.3.00.24755 Chrome/69.0.3497.128 Electron/4.2.12 Safari/537.36';

export const cases: RuleCase[] = [
  {
    name: 'TeamFiltration user agent, wrong password (audit log)',
    expected: true,
    record: ualSignIn({ user: 'megan.bowen@contoso.com', ip: '3.120.4.14', errorNumber: 50126, userAgent: TEAMFILTRATION }),
  },
  // Graph v1.0 signIns carry no user agent (a beta property); the audit log and the diagnostic exports do.
  {
    name: 'python-requests with the right password and an MFA prompt',
    expected: true,
    record: ualSignIn({
      user: 'megan.bowen@contoso.com',
      ip: '159.203.84.17',
      errorNumber: 50074,
      logonError: 'UserStrongAuthClientAuthNRequiredInterrupt',
      userAgent: 'python-requests/2.31.0',
    }),
  },
  {
    name: 'small tenant: one Go-http-client attempt on the only admin',
    expected: true,
    userCount: 3,
    record: ualSignIn({ user: 'admin@contoso.com', ip: '45.76.10.2', errorNumber: 50126, userAgent: 'Go-http-client/1.1' }),
  },
  {
    name: "near miss: Windows' own authentication provider (TREVORspray sends it too, never alone)",
    expected: false,
    record: ualSignIn({ user: 'megan.bowen@contoso.com', ip: '203.0.113.10', userAgent: 'Windows-AzureAD-Authentication-Provider/1.0' }),
  },
  {
    name: "near miss: an admin's PowerShell session",
    expected: false,
    record: ualSignIn({
      user: 'admin@contoso.com',
      ip: '203.0.113.10',
      userAgent: 'Mozilla/5.0 (Windows NT; Windows NT 10.0; en-US) WindowsPowerShell/5.1.19041.3031',
    }),
  },
  {
    name: 'near miss: a current Chrome browser',
    expected: false,
    record: ualSignIn({ user: 'megan.bowen@contoso.com', ip: '203.0.113.10', errorNumber: 50126 }),
  },
];
