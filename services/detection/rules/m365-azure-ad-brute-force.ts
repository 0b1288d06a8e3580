import { z } from 'zod';
import { MINUTE, signInOf, signInResult, SIGN_IN_CODES } from '../records.ts';
import { defineRule } from '../types.ts';
import { ACCOUNT_TAKEOVER, count, ip, minutes, user } from './lib/common.ts';
import { SIGN_IN_OPERATIONS, SIGN_IN_SOURCES } from './lib/sign-in-common.ts';
import { busiestWindow, distinctValues, listSome } from './lib/windows.ts';
import { scaledThreshold, tenantSizeSettings } from './lib/tenant-size.ts';
import { attackToolsOf } from '../constants/attack-tool-agents.ts';

const settings = z.object({ threshold: count(10), windowMinutes: minutes(30), ...tenantSizeSettings(5, 0.5) });

/**
 * Many failed password attempts against one account in a short time (MITRE T1110.001). Failed
 * guesses are wrong passwords, unknown users, locked or disabled accounts (records.ts); one
 * sign-in in both Graph and the audit log counts once.
 */
export const bruteForce = defineRule({
  id: 'M365.AzureAD.BruteForce',
  title: 'Many failed sign-ins for one account',
  severity: 'medium',
  mitre: ['TA0006:T1110.001'],
  description:
    'At least `threshold` failed password attempts for one account within `windowMinutes` minutes (default 10 in 30), from any addresses. In a tenant with fewer than 20 users the threshold is half its users, at least `smallTenantFloor` (5).',
  howToReact: [
    "1. Look at the addresses the attempts came from (the IP entities) and the user agents: one foreign hosting address or a script user agent points to an attack, the user's usual office address to a device with an old saved password.",
    '2. Check whether any attempt succeeded or reached MFA (a "success after failures" or "valid password" event for the same user). If so, treat the account as compromised: revoke sessions, reset the password.',
    '3. If the attempts continue, make sure the account has MFA and that legacy authentication is blocked by Conditional Access; consider a named-location block for the source addresses.',
    '4. Let the user know their account is targeted and ask them to report MFA prompts they did not start.',
  ].join('\n'),
  remediations: { user: ACCOUNT_TAKEOVER },
  dedupMinutes: 60,
  settings,
  on: { sources: SIGN_IN_SOURCES, operations: SIGN_IN_OPERATIONS },
  reads: [{ series: 'signin-failures-by-user', before: (s) => s.windowMinutes * MINUTE, after: (s) => s.windowMinutes * MINUTE }],
  match(record, ctx) {
    const s = signInOf(record);
    if (!s?.user || !SIGN_IN_CODES.failedGuess.has(s.errorCode)) return null;
    const w = ctx.settings.windowMinutes * MINUTE;
    const window = busiestWindow(
      ctx.window('signin-failures-by-user', s.user, new Date(record.occurredAt.getTime() - w), new Date(record.occurredAt.getTime() + w)),
      record.occurredAt,
      w,
    );
    const threshold = scaledThreshold(ctx.settings.threshold, ctx.tenant.userCount, ctx.settings);
    if (window.count < threshold) return null;
    const ips = distinctValues(window.items, 'ip');
    const tools = attackToolsOf([s.userAgent, ...window.items.map((o) => o.data.agent as string | undefined)]);
    return {
      primary: user(s.user),
      related: ips.slice(0, 20).map(ip),
      description: `${window.count} failed sign-ins for ${s.user} within ${ctx.settings.windowMinutes} minutes from ${listSome(ips)}.${tools.length > 0 ? ` User agent of ${tools.join(', ')}.` : ''}`,
      eventType: 'LoginAttempt',
      operationResult: signInResult(s.errorCode),
      clientApp: s.clientApp,
      occurrenceKey: s.requestId,
      fields: { failures: window.count, addresses: ips.slice(0, 20), threshold, ...(tools.length > 0 ? { attackTool: tools.join(', ') } : {}) },
    };
  },
});
