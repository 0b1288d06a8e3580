import { privilegedRole } from '../constants/privileged-roles.ts';
import { directoryOccurrence, directoryTarget, modified, succeeded, unquote } from '../records.ts';
import { defineRule } from '../types.ts';
import { ACCOUNT_TAKEOVER, noSettings, user } from './lib/common.ts';
import { onDirectoryAudit } from './lib/directory-audit.ts';
import { isSystemActor } from './lib/system-actor.ts';

/**
 * An administrator taken out of a privileged role. An attacker holding one admin account
 * removes the others so that nobody can undo their changes (MITRE T1531, account access
 * removal); removing a Global Administrator is the sharper case.
 */
export const adminRoleMemberRemoved = defineRule({
  id: 'M365.AzureAD.AdminRoleMemberRemoved',
  title: 'Administrator removed from a privileged role',
  severity: 'medium',
  mitre: ['TA0040:T1531'],
  description:
    'A user was removed from a privileged Entra ID role (Global Administrator, Privileged Role Administrator, Exchange Administrator…); high for Global Administrator and its equivalents.',
  howToReact: [
    '1. Ask the removed administrator and the one who removed them whether it was planned (an offboarding, a move to PIM).',
    '2. If not: give the role back from a break-glass account, then treat the remover as compromised: revoke sessions, reset the password, require MFA re-registration.',
    '3. Look for other removals, role grants and changes to Conditional Access or federation by the same account around the same time.',
    '4. Make sure the two break-glass accounts still hold Global Administrator and can sign in.',
  ].join('\n'),
  remediations: { user: ACCOUNT_TAKEOVER },
  dedupMinutes: 24 * 60,
  settings: noSettings,
  on: onDirectoryAudit('Remove member from role', 'Remove eligible member from role', 'Remove member from role in PIM completed (permanent)'),
  match(record) {
    if (!succeeded(record) || isSystemActor(record)) return null;
    const role = privilegedRole(
      unquote(modified(record, 'Role.TemplateId')?.oldValue) || unquote(modified(record, 'Role.TemplateId')?.newValue) || null,
      unquote(modified(record, 'Role.DisplayName')?.oldValue) || unquote(modified(record, 'Role.DisplayName')?.newValue) || null,
    );
    const removed = directoryTarget(record).upn;
    if (!role || !removed) return null;
    const actor = record.actorUpn ?? 'someone';
    return {
      // The remover is the account to act on; the removed admin is who must be told.
      primary: user(actor),
      related: [user(removed, [])],
      dedupKey: `${actor}|${removed}|${role.templateId}`,
      severity: role.critical ? 'high' : 'medium',
      description: `${actor} removed ${removed} from ${role.name}.`,
      eventType: 'RoleRemoved',
      operationResult: 'Success',
      userName: actor,
      target: removed,
      fields: { role: role.name, roleTemplateId: role.templateId, removedUser: removed },
      occurrenceKey: directoryOccurrence(record),
    };
  },
});
