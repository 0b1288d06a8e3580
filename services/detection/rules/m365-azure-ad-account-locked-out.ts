import { signInOf } from '../records.ts';
import { defineRule } from '../types.ts';
import { ip, noSettings, user } from './lib/common.ts';
import { SIGN_IN_OPERATIONS, SIGN_IN_SOURCES } from './lib/sign-in-common.ts';

/** Smart lockout locked the account (AADSTS50053, `IdsLocked`): someone is guessing its password. */
export const accountLockedOut = defineRule({
  id: 'M365.AzureAD.AccountLockedOut',
  title: 'Account locked out after failed sign-ins',
  severity: 'medium',
  mitre: ['TA0006:T1110'],
  description: 'Entra smart lockout refused a sign-in because the account is locked after too many failed attempts (error 50053).',
  howToReact: [
    "1. Look at the addresses of the locked-out attempts: unfamiliar addresses mean the account is being attacked; the user's own address usually means an old password saved on a device.",
    '2. Ask the user; if they did not cause it, make sure the account has MFA and check for any success from the attacking addresses.',
    '3. Smart lockout unlocks by itself; do not unlock early while attempts continue. Block the attacking addresses with a named location if they persist.',
  ].join('\n'),
  remediations: { user: ['reset-password', 'revoke-sessions'] },
  dedupMinutes: 60,
  settings: noSettings,
  on: { sources: SIGN_IN_SOURCES, operations: SIGN_IN_OPERATIONS },
  match(record) {
    const s = signInOf(record);
    if (!s?.user || s.errorCode !== 50053) return null;
    return {
      primary: user(s.user),
      related: s.ip ? [ip(s.ip)] : [],
      description: `${s.user} is locked out: a sign-in${s.ip ? ` from ${s.ip}` : ''} was refused after too many failed attempts.`,
      eventType: 'LoginAttempt',
      operationResult: 'LockedOut',
      clientApp: s.clientApp,
      occurrenceKey: s.requestId,
    };
  },
});
