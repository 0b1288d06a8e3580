import { privilegedRole } from '../constants/privileged-roles.ts';
import { directoryOccurrence, directoryTarget, modified, operationKey, succeeded, unquote } from '../records.ts';
import { defineRule } from '../types.ts';
import { onDirectoryAudit } from './lib/directory-audit.ts';
import { ACCOUNT_TAKEOVER, noSettings, user } from './lib/common.ts';

/** Role grants as the directory logs them (audit log with its trailing period, Graph without, PIM). */
const ROLE_GRANTS = new Set([
  'add member to role',
  'add member to role in pim completed (permanent)',
  'add eligible member to role in pim completed (permanent)',
]);

/**
 * B2B guests have user principal names of the form `alias_theirdomain#EXT#@tenant.onmicrosoft.com`.
 * Their account, password and MFA live in another organisation, out of the tenant's control.
 */
export function isGuestUpn(upn: string): boolean {
  return upn.toLowerCase().includes('#ext#@');
}

/**
 * Any directory role granted to a guest (external) account. Guests are people of another
 * organisation whose credentials the tenant does not manage; an attacker who invites an
 * account they own and gives it a role keeps a way in after every password reset (MITRE
 * T1098.003). MSP technicians should hold roles through GDAP, not as guests.
 */
export const guestAssignedRole = defineRule({
  id: 'M365.AzureAD.GuestAssignedRole',
  title: 'Directory role granted to a guest account',
  severity: 'high',
  mitre: ['TA0003:T1098.003', 'TA0004:T1098.003'],
  description:
    'A guest (B2B, #EXT#) account was given an Entra ID directory role, directly or as a permanent PIM assignment. Critical for Global Administrator and the roles that reach it.',
  howToReact: [
    '1. Find out who the guest is (their home organisation is in the UPN before #EXT#) and who granted the role; look for the invitation (Invite external user) shortly before.',
    '2. If nobody asked for it: remove the role assignment and delete or block the guest account, then treat the granting admin as compromised (revoke sessions, reset the password).',
    '3. Review what the guest did with the role: role grants, app consents, Conditional Access and domain changes, mailbox access.',
    '4. Give partners access through GDAP or a member account the tenant controls, and restrict who may invite guests (External collaboration settings).',
  ].join('\n'),
  remediations: { user: ACCOUNT_TAKEOVER },
  dedupMinutes: 24 * 60,
  settings: noSettings,
  on: onDirectoryAudit('Add member to role', 'Add member to role in PIM completed (permanent)', 'Add eligible member to role in PIM completed (permanent)'),
  match(record) {
    if (!ROLE_GRANTS.has(operationKey(record.operation)) || !succeeded(record)) return null;
    const upn = directoryTarget(record).upn;
    if (!upn || !isGuestUpn(upn)) return null;
    const templateId = unquote(modified(record, 'Role.TemplateId')?.newValue) || null;
    const roleName = unquote(modified(record, 'Role.DisplayName')?.newValue) || null;
    const privileged = privilegedRole(templateId, roleName);
    const name = privileged?.name ?? roleName ?? 'a directory role';
    const home = upn.slice(0, upn.toLowerCase().indexOf('#ext#')).replace(/_([^_]+)$/, '@$1');
    const actor = record.actorUpn ?? 'someone';
    return {
      primary: user(upn),
      related: record.actorUpn?.includes('@') ? [user(record.actorUpn)] : [],
      dedupKey: `${upn}|${templateId ?? name}`,
      severity: privileged?.critical ? 'critical' : 'high',
      description: `${actor} granted ${name} to guest account ${upn} (from outside the organisation: ${home}).${privileged ? ` ${privileged.why}` : ''}`,
      eventType: 'RoleAssigned',
      operationResult: 'Success',
      target: upn,
      fields: { role: name, roleTemplateId: templateId, guestHomeAccount: home, privileged: privileged !== undefined },
      occurrenceKey: directoryOccurrence(record),
    };
  },
});
