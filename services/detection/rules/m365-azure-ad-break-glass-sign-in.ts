import { signInOf, signInResult } from '../records.ts';
import { defineRule } from '../types.ts';
import { ip, noSettings, user } from './lib/common.ts';
import { SIGN_IN_OPERATIONS, SIGN_IN_SOURCES } from './lib/sign-in-common.ts';

/**
 * Any sign-in, or attempt, by an emergency-access (break-glass) account. These accounts exist
 * for the day Conditional Access or MFA locks every admin out; any other use is an incident
 * (Microsoft's emergency-access guidance says to alert on every sign-in). The accounts are a
 * setting: `breakGlassAccounts` per MSP or tenant.
 */
export const breakGlassSignIn = defineRule({
  id: 'M365.AzureAD.BreakGlassSignIn',
  title: 'Break-glass account used',
  severity: 'high',
  mitre: ['TA0001:T1078.004'],
  description: "A sign-in or sign-in attempt by one of the tenant's configured emergency-access accounts.",
  howToReact: [
    '1. Find out at once who is using the account and why: an emergency should have been announced to the MSP.',
    "2. If nobody claims it: reset the account's password (store the new one in the sealed place), revoke its sessions and review everything it did.",
    '3. A failed attempt means someone knows the account name and is trying it: make sure its password is long and random and its FIDO2 key is locked away.',
  ].join('\n'),
  remediations: { user: ['revoke-sessions', 'reset-password', 'block-sign-in'] },
  dedupMinutes: 60,
  settings: noSettings,
  on: { sources: SIGN_IN_SOURCES, operations: SIGN_IN_OPERATIONS },
  match(record, ctx) {
    const s = signInOf(record);
    if (!s?.user || !ctx.tenant.breakGlassAccounts.has(s.user)) return null;
    return {
      primary: user(s.user),
      related: s.ip ? [ip(s.ip)] : [],
      severity: s.success ? 'critical' : 'high',
      description: `Break-glass account ${s.user} ${s.success ? 'signed in' : `failed to sign in (${signInResult(s.errorCode)})`}${s.ip ? ` from ${s.ip}` : ''}.`,
      eventType: 'LoginAttempt',
      operationResult: signInResult(s.errorCode),
      clientApp: s.clientApp,
      occurrenceKey: s.requestId,
    };
  },
});
