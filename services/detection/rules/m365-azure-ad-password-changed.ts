import { directoryOccurrence, directoryTarget, operationKey, succeeded } from '../records.ts';
import { defineRule } from '../types.ts';
import { onDirectoryAudit } from './lib/directory-audit.ts';
import { ACCOUNT_TAKEOVER, noSettings, user } from './lib/common.ts';

/** A user's own password changes (not an admin reset: see AdminPasswordReset). */
const CHANGES = new Set(['change user password', 'change password (self-service)', 'reset password (self-service)']);

/**
 * A user changed (or tried to change) their own password, directly or through self-service
 * reset. Informational on its own; in the same vocabulary as Tenantwatch's own sign-in events
 * (`Event.EventType = 'ChangePasswordAttempt'`) so triggers and custom detections can combine
 * it, e.g. with a risky sign-in just before (MITRE T1098: an attacker locking the owner out).
 */
export const passwordChanged = defineRule({
  id: 'M365.AzureAD.PasswordChanged',
  title: 'User changed their password',
  severity: 'informational',
  mitre: ['TA0003:T1098'],
  description: 'A user changed their own password or reset it with self-service password reset; failed attempts are reported too (OperationResult Failure).',
  howToReact: [
    '1. Usually nothing to do: users change passwords.',
    '2. Look at it next to other events of the same user: a change right after a sign-in from a new country or an anonymiser may be an attacker locking the owner out.',
    '3. If the user did not change it: reset the password yourself, revoke sessions and require MFA re-registration.',
  ].join('\n'),
  remediations: { user: ACCOUNT_TAKEOVER },
  dedupMinutes: 24 * 60,
  settings: noSettings,
  on: onDirectoryAudit('Change user password', 'Change password (self-service)', 'Reset password (self-service)'),
  match(record) {
    if (!CHANGES.has(operationKey(record.operation))) return null;
    const target = directoryTarget(record).upn ?? record.actorUpn;
    if (!target) return null;
    const ok = succeeded(record);
    return {
      primary: user(target),
      severity: ok ? 'informational' : 'low',
      description: `${target} ${ok ? 'changed' : 'failed to change'} their password (${record.operation.replace(/\.$/, '')}).`,
      eventType: 'ChangePasswordAttempt',
      operationResult: ok ? 'Success' : 'Failure',
      occurrenceKey: directoryOccurrence(record),
    };
  },
});
