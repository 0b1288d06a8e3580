import { z } from 'zod';
import { MINUTE, signInOf, signInResult, SIGN_IN_CODES } from '../records.ts';
import { defineRule } from '../types.ts';
import { ACCOUNT_TAKEOVER, count, ip, minutes, user } from './lib/common.ts';
import { SIGN_IN_OPERATIONS, SIGN_IN_SOURCES } from './lib/sign-in-common.ts';
import { distinctValues, listSome } from './lib/windows.ts';
import { scaledThreshold, tenantSizeSettings } from './lib/tenant-size.ts';
import { attackToolsOf } from '../constants/attack-tool-agents.ts';

const settings = z.object({ failures: count(8), windowMinutes: minutes(60), ...tenantSizeSettings(5, 0.5) });

/**
 * A successful sign-in (or one that got as far as MFA) right after many failed guesses for the
 * same account: the guessing may have worked (MITRE T1110). Evaluated on both the success and
 * the failures, so the order the records arrive in does not matter.
 */
export const successAfterFailures = defineRule({
  id: 'M365.AzureAD.SuccessAfterFailures',
  title: 'Successful sign-in after many failures',
  severity: 'high',
  mitre: ['TA0006:T1110', 'TA0001:T1078.004'],
  description:
    'A sign-in whose password was accepted, preceded within `windowMinutes` minutes by at least `failures` failed password attempts for the same account (default 8 in 60; in a small tenant half its users, at least `smallTenantFloor` = 5, as for brute force).',
  howToReact: [
    "1. Compare the successful sign-in's address and device with the failed ones: the same foreign address means the guess worked; the user's own laptop after a forgotten password does not.",
    '2. Ask the user whether they struggled with their password at that time.',
    '3. If not them: revoke sessions, reset the password, require MFA re-registration, and look at what the session did (inbox rules, forwarding, downloads, consents).',
  ].join('\n'),
  remediations: { user: ACCOUNT_TAKEOVER },
  dedupMinutes: 24 * 60,
  settings,
  on: { sources: SIGN_IN_SOURCES, operations: SIGN_IN_OPERATIONS },
  reads: [
    { series: 'signin-failures-by-user', before: (s) => 2 * s.windowMinutes * MINUTE, after: () => 0 },
    { series: 'signin-successes-by-user', before: () => 0, after: (s) => s.windowMinutes * MINUTE },
  ],
  match(record, ctx) {
    const s = signInOf(record);
    if (!s?.user) return null;
    const w = ctx.settings.windowMinutes * MINUTE;
    const t = record.occurredAt.getTime();
    // The successes to check: this one, or (for a late failure) those in the window after it.
    const successes = SIGN_IN_CODES.passwordAccepted.has(s.errorCode)
      ? [{ at: t, ip: s.ip }]
      : SIGN_IN_CODES.failedGuess.has(s.errorCode)
        ? ctx
            .window('signin-successes-by-user', s.user, record.occurredAt, new Date(t + w))
            .map((o) => ({ at: o.at.getTime(), ip: typeof o.data.ip === 'string' ? o.data.ip : null }))
        : [];
    for (const success of successes) {
      const failures = ctx.window('signin-failures-by-user', s.user, new Date(success.at - w), new Date(success.at - 1));
      if (failures.length < scaledThreshold(ctx.settings.failures, ctx.tenant.userCount, ctx.settings)) continue;
      const ips = distinctValues(failures, 'ip');
      const tools = attackToolsOf([s.userAgent, ...failures.map((o) => o.data.agent as string | undefined)]);
      return {
        primary: user(s.user),
        related: [...(success.ip ? [ip(success.ip)] : []), ...ips.slice(0, 10).map(ip)],
        description: `${s.user} signed in${success.ip ? ` from ${success.ip}` : ''} after ${failures.length} failed attempts within ${ctx.settings.windowMinutes} minutes from ${listSome(ips)}.${tools.length > 0 ? ` User agent of ${tools.join(', ')}.` : ''}`,
        eventType: 'LoginAttempt',
        operationResult: signInResult(SIGN_IN_CODES.passwordAccepted.has(s.errorCode) ? s.errorCode : 0),
        networkAddress: success.ip,
        clientApp: s.clientApp,
        occurrenceKey: `success@${success.at}`,
        fields: { failures: failures.length, ...(tools.length > 0 ? { attackTool: tools.join(', ') } : {}) },
      };
    }
    return null;
  },
});
