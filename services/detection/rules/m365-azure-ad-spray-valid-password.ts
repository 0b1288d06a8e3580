import { z } from 'zod';
import { MINUTE, signInOf, signInResult, SIGN_IN_CODES } from '../records.ts';
import { defineRule } from '../types.ts';
import { ACCOUNT_TAKEOVER, count, ip, minutes, user } from './lib/common.ts';
import { SIGN_IN_OPERATIONS, SIGN_IN_SOURCES } from './lib/sign-in-common.ts';
import { busiestWindow } from './lib/windows.ts';
import { scaledThreshold, tenantSizeSettings } from './lib/tenant-size.ts';
import { attackToolsOf } from '../constants/attack-tool-agents.ts';

const settings = z.object({ distinctUsers: count(10), windowMinutes: minutes(60), ...tenantSizeSettings(4, 0.5) });

/**
 * During a spray, Entra answers a right password differently: success, or "MFA required"
 * (50074/50076), "password expired", "blocked by Conditional Access". Any of these from the
 * spraying address means the attacker now knows that account's password (MITRE T1110.003).
 */
export const sprayValidPassword = defineRule({
  id: 'M365.AzureAD.SprayValidPassword',
  title: 'Password guessed during a password spray',
  severity: 'high',
  mitre: ['TA0006:T1110.003', 'TA0001:T1078.004'],
  description:
    'An address that failed passwords for at least `distinctUsers` other accounts within `windowMinutes` minutes got a success, an MFA prompt, an expired-password or a Conditional Access answer for one account: its password is right. In small tenants the threshold is half their users, at least `smallTenantFloor` (4).',
  howToReact: [
    "1. Reset the account's password now and revoke its sessions: the attacker has it, and MFA is the only thing left in the way (if it was a success, not even that).",
    '2. Ask the user whether they approved any MFA prompt around the time of the event; if yes, treat the account as compromised and review its recent activity (inbox rules, forwarding, consents, sign-ins).',
    '3. Require MFA re-registration if the user may have approved a prompt.',
    '4. Block the spraying address and check the other targeted accounts for successes.',
  ].join('\n'),
  remediations: { user: ACCOUNT_TAKEOVER },
  dedupMinutes: 24 * 60,
  settings,
  on: { sources: SIGN_IN_SOURCES, operations: SIGN_IN_OPERATIONS },
  reads: [{ series: 'signin-failures-by-ip', before: (s) => s.windowMinutes * MINUTE, after: (s) => s.windowMinutes * MINUTE }],
  match(record, ctx) {
    const s = signInOf(record);
    if (!s?.ip || !s.user || !SIGN_IN_CODES.passwordAccepted.has(s.errorCode)) return null;
    const w = ctx.settings.windowMinutes * MINUTE;
    const others = ctx
      .window('signin-failures-by-ip', s.ip, new Date(record.occurredAt.getTime() - w), new Date(record.occurredAt.getTime() + w))
      .filter((o) => o.data.user !== s.user);
    const window = busiestWindow(
      [...others, { key: s.ip, id: s.requestId, at: record.occurredAt, data: {} }].sort((a, b) => a.at.getTime() - b.at.getTime()),
      record.occurredAt,
      w,
      (o) => String(o.data.user ?? '(this sign-in)'),
    );
    const sprayed = window.count - 1;
    if (sprayed < scaledThreshold(ctx.settings.distinctUsers, ctx.tenant.userCount, ctx.settings)) return null;
    const tools = attackToolsOf([s.userAgent, ...others.map((o) => o.data.agent as string | undefined)]);
    return {
      primary: user(s.user),
      related: [ip(s.ip)],
      description: `${s.ip}, which failed passwords for ${sprayed} other accounts within ${ctx.settings.windowMinutes} minutes, got '${signInResult(s.errorCode)}' (code ${s.errorCode}) for ${s.user}: the password is known to the attacker.${tools.length > 0 ? ` User agent of ${tools.join(', ')}.` : ''}`,
      eventType: 'LoginAttempt',
      operationResult: signInResult(s.errorCode),
      networkAddress: s.ip,
      clientApp: s.clientApp,
      occurrenceKey: s.requestId,
      fields: { errorCode: s.errorCode, sprayedAccounts: sprayed, ...(tools.length > 0 ? { attackTool: tools.join(', ') } : {}) },
    };
  },
});
