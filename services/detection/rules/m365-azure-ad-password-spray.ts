import { z } from 'zod';
import { MINUTE, signInOf, signInResult, SIGN_IN_CODES } from '../records.ts';
import { defineRule } from '../types.ts';
import { count, ip, minutes, user } from './lib/common.ts';
import { SIGN_IN_OPERATIONS, SIGN_IN_SOURCES } from './lib/sign-in-common.ts';
import { busiestWindow, distinctValues, listSome } from './lib/windows.ts';
import { scaledThreshold, tenantSizeSettings } from './lib/tenant-size.ts';
import { attackToolsOf } from '../constants/attack-tool-agents.ts';

const settings = z.object({ distinctUsers: count(10), windowMinutes: minutes(60), ...tenantSizeSettings(4, 0.5) });

/**
 * One address failing passwords for many different accounts: a password spray, a few common
 * passwords tried against every account to stay under lockout (MITRE T1110.003).
 */
export const passwordSpray = defineRule({
  id: 'M365.AzureAD.PasswordSpray',
  title: 'Password spray from one address',
  severity: 'high',
  mitre: ['TA0006:T1110.003'],
  description:
    'Failed password attempts for at least `distinctUsers` different accounts from one IP address within `windowMinutes` minutes (default 10 accounts in 60 minutes). In a tenant with fewer users the threshold is half its users, at least `smallTenantFloor` (4): a nine-user tenant sprayed on five accounts counts.',
  howToReact: [
    "1. Check the address (IP entity): hosting providers, VPNs and Tor exits are typical; the tenant's own office egress is not (then look for a misconfigured device or app).",
    '2. Look for a "valid password during spray" or "success after failures" event: an account that answered with success or an MFA prompt has a known password. Reset that password and revoke its sessions first.',
    '3. Block the address with a Conditional Access named location, and make sure legacy authentication is blocked (sprays favour it because it skips MFA).',
    '4. Tell the targeted users nothing is needed from them unless they see MFA prompts they did not start; require MFA registration for any targeted account without it.',
  ].join('\n'),
  remediations: { user: ['reset-password', 'revoke-sessions'] },
  dedupMinutes: 24 * 60,
  settings,
  on: { sources: SIGN_IN_SOURCES, operations: SIGN_IN_OPERATIONS },
  reads: [{ series: 'signin-failures-by-ip', before: (s) => s.windowMinutes * MINUTE, after: (s) => s.windowMinutes * MINUTE }],
  match(record, ctx) {
    const s = signInOf(record);
    if (!s?.ip || !SIGN_IN_CODES.failedGuess.has(s.errorCode)) return null;
    const w = ctx.settings.windowMinutes * MINUTE;
    const items = ctx.window('signin-failures-by-ip', s.ip, new Date(record.occurredAt.getTime() - w), new Date(record.occurredAt.getTime() + w));
    const window = busiestWindow(items, record.occurredAt, w, (o) => String(o.data.user ?? ''));
    const threshold = scaledThreshold(ctx.settings.distinctUsers, ctx.tenant.userCount, ctx.settings);
    if (window.count < threshold) return null;
    const users = distinctValues(window.items, 'user');
    const tools = attackToolsOf([s.userAgent, ...window.items.map((o) => o.data.agent as string | undefined)]);
    return {
      primary: ip(s.ip),
      // Targets are not compromised by being sprayed: listed, with no remediation offered.
      related: users.slice(0, 50).map((u) => user(u, [])),
      description: `${s.ip} tried passwords for ${users.length} different accounts within ${ctx.settings.windowMinutes} minutes (${window.items.length} failed attempts): ${listSome(users)}.${tools.length > 0 ? ` User agent of ${tools.join(', ')}.` : ''}`,
      eventType: 'LoginAttempt',
      operationResult: signInResult(s.errorCode),
      userName: null,
      networkAddress: s.ip,
      clientApp: s.clientApp,
      occurrenceKey: s.requestId,
      fields: { targetedAccounts: users.length, attempts: window.items.length, threshold, ...(tools.length > 0 ? { attackTool: tools.join(', ') } : {}) },
    };
  },
});
