import { directoryOccurrence, directoryTarget, modified, operationKey, succeeded, unquote, type ModifiedProperty } from '../records.ts';
import { defineRule } from '../types.ts';
import { onDirectoryAudit } from './lib/directory-audit.ts';
import { ACCOUNT_TAKEOVER, noSettings, user } from './lib/common.ts';

/** Operations that take strong authentication away from a user (Entra audit activity names). */
const REMOVALS = new Set(['disable strong authentication', 'admin deleted security info', 'user deleted security info', 'delete strong authentication method']);

/**
 * MFA taken away: per-user MFA disabled (`Disable Strong Authentication.`, or `Update user.`
 * clearing `StrongAuthenticationRequirement`), or an authentication method deleted. Attackers
 * do it to keep access after the password is changed (MITRE T1556.006).
 */
export const mfaDisabled = defineRule({
  id: 'M365.AzureAD.MfaDisabled',
  title: 'MFA disabled or an authentication method removed',
  severity: 'high',
  mitre: ['TA0005:T1556.006', 'TA0003:T1556.006'],
  description:
    "Per-user MFA was disabled or its requirement cleared, a user's registered MFA methods were emptied (`StrongAuthenticationMethod` on Update user), or a strong authentication method (security info) was deleted, by an admin or the user.",
  howToReact: [
    "1. Check who made the change and for whom; the help desk removing a lost phone's method is normal when the user asked by phone, an unexplained removal is not.",
    '2. Ask the user whether they lost a device or asked for a reset.',
    "3. If not: require MFA re-registration (require-mfa-reregistration), revoke sessions and reset the password; check whether a new method (an attacker's phone or authenticator) was registered right after.",
    '4. Prefer Conditional Access MFA over per-user MFA so that one switch cannot turn it off for a user.',
  ].join('\n'),
  remediations: { user: ACCOUNT_TAKEOVER },
  dedupMinutes: 24 * 60,
  settings: noSettings,
  on: onDirectoryAudit(
    'Disable Strong Authentication',
    'Update user',
    'Admin deleted security info',
    'User deleted security info',
    'Delete strong authentication method',
  ),
  match(record) {
    if (!succeeded(record)) return null;
    const op = operationKey(record.operation);
    const requirement = modified(record, 'StrongAuthenticationRequirement');
    let what: string;
    if (op === 'update user') {
      // Only an update that empties the requirement or the registered methods (`[]`) takes MFA away.
      const emptied = (p: ModifiedProperty | null) => {
        if (!p) return false;
        const before = unquote(p.oldValue).trim() || p.oldValue.trim();
        const after = p.newValue.replace(/\s/g, '');
        return (after === '[]' || after === '' || after === '"[]"') && before !== '' && before !== '[]';
      };
      if (emptied(requirement)) what = 'cleared the per-user MFA requirement of';
      else if (emptied(modified(record, 'StrongAuthenticationMethod'))) what = 'removed every MFA method (StrongAuthenticationMethod) of';
      else return null;
    } else if (REMOVALS.has(op)) {
      what = op === 'disable strong authentication' ? 'disabled per-user MFA for' : 'deleted a strong authentication method of';
    } else return null;
    const target = directoryTarget(record).upn ?? record.target?.toLowerCase() ?? record.actorUpn ?? 'unknown';
    const actor = record.actorUpn ?? 'someone';
    return {
      primary: user(target),
      related: record.actorUpn && record.actorUpn !== target && record.actorUpn.includes('@') ? [user(record.actorUpn)] : [],
      description: `${actor} ${what} ${target}.`,
      eventType: 'MfaDisabled',
      operationResult: 'Success',
      target,
      occurrenceKey: directoryOccurrence(record),
    };
  },
});
