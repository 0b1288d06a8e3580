import { privilegedGrant } from '../series.ts';
import { directoryOccurrence } from '../records.ts';
import { defineRule } from '../types.ts';
import { isSystemActor } from './lib/system-actor.ts';
import { onDirectoryAudit } from './lib/directory-audit.ts';
import { ACCOUNT_TAKEOVER, noSettings, user } from './lib/common.ts';

/**
 * A privileged directory role granted (constants/privileged-roles.ts): Global Administrator and
 * the roles that can reach it or every mailbox. Attackers with one admin account make more
 * (MITRE T1098.003). Global Administrator and its equivalents are critical.
 */
export const privilegedRoleAssigned = defineRule({
  id: 'M365.AzureAD.PrivilegedRoleAssigned',
  title: 'Privileged directory role granted',
  severity: 'high',
  mitre: ['TA0003:T1098.003', 'TA0004:T1098.003'],
  description:
    'A user was added to a privileged Entra ID role (Global Administrator, Privileged Role Administrator, Exchange Administrator, Security Administrator…), directly or as a permanent PIM assignment.',
  howToReact: [
    '1. Check who granted the role to whom, and whether a ticket or change request exists. MSP technicians granting themselves roles should go through GDAP, not direct assignments.',
    '2. If unexpected: remove the role assignment in Entra ID (Roles and administrators), then treat both the grantor and the grantee as compromised: revoke sessions, reset passwords, require MFA re-registration.',
    '3. Review what the new admin did since the grant: other role grants, app consents, mail flow rules, Conditional Access changes, audit settings.',
    '4. Keep standing privileged roles to a minimum (PIM eligible assignments, two break-glass accounts).',
  ].join('\n'),
  remediations: { user: ACCOUNT_TAKEOVER },
  dedupMinutes: 24 * 60,
  settings: noSettings,
  // A guest given the role is the sharper event (it names the outside account).
  suppressedBy: ['M365.AzureAD.GuestAssignedRole'],
  on: onDirectoryAudit('Add member to role', 'Add member to role in PIM completed (permanent)', 'Add eligible member to role in PIM completed (permanent)'),
  match(record) {
    const grant = privilegedGrant(record);
    if (!grant || isSystemActor(record)) return null;
    const actor = record.actorUpn ?? 'someone';
    return {
      primary: user(grant.upn),
      related: record.actorUpn?.includes('@') ? [user(record.actorUpn)] : [],
      dedupKey: `${grant.upn}|${grant.role.templateId}`,
      severity: grant.role.critical ? 'critical' : 'high',
      description: `${actor} granted ${grant.role.name} to ${grant.upn}. ${grant.role.why}`,
      eventType: 'RoleAssigned',
      operationResult: 'Success',
      target: grant.upn,
      fields: { role: grant.role.name, roleTemplateId: grant.role.templateId },
      occurrenceKey: directoryOccurrence(record),
    };
  },
});
