import { param, succeeded } from '../records.ts';
import { defineRule } from '../types.ts';
import { ACCOUNT_TAKEOVER, noSettings, user } from './lib/common.ts';
import { EXCHANGE_ADMIN_SOURCES } from './lib/exchange-admin.ts';
import { isSystemActor } from './lib/system-actor.ts';

const IMPERSONATION = /applicationimpersonation/i;

/**
 * The ApplicationImpersonation role lets an account or app act as any mailbox through EWS: read,
 * send, delete as everyone. Attackers give it to an account or app they hold (Midnight Blizzard,
 * 2024) through a management role assignment or a role group (MITRE T1098.002).
 */
export const applicationImpersonationGranted = defineRule({
  id: 'M365.Exchange.ApplicationImpersonationGranted',
  title: 'ApplicationImpersonation role granted',
  severity: 'high',
  mitre: ['TA0003:T1098.002', 'TA0004:T1098.002'],
  description:
    'New-ManagementRoleAssignment assigned the ApplicationImpersonation role, or New-RoleGroup created a role group holding it, or a member was added to a role group named for it.',
  howToReact: [
    '1. Check who assigned the role, to which account, app or group, and whether a migration or backup product is being set up (they used to need it; most now use Graph application permissions instead).',
    '2. If unexpected: remove the assignment (Remove-ManagementRoleAssignment) or the role group member, then treat the assigning admin as compromised: revoke sessions, reset the password.',
    "3. Review the grantee's EWS access in the mailbox audit (MailItemsAccessed) since the assignment.",
    '4. Microsoft is retiring ApplicationImpersonation: no assignment should remain; list them with Get-ManagementRoleAssignment -Role ApplicationImpersonation.',
  ].join('\n'),
  remediations: { user: ACCOUNT_TAKEOVER },
  dedupMinutes: 24 * 60,
  settings: noSettings,
  on: { sources: EXCHANGE_ADMIN_SOURCES, operations: ['New-ManagementRoleAssignment', 'New-RoleGroup', 'Add-RoleGroupMember', 'Update-RoleGroupMember'] },
  match(record) {
    if (!succeeded(record) || isSystemActor(record)) return null;
    let grantee: string | null = null;
    let how: string;
    if (record.operation === 'New-ManagementRoleAssignment') {
      if (!IMPERSONATION.test(param(record, 'Role') ?? '')) return null;
      grantee = param(record, 'User') ?? param(record, 'SecurityGroup') ?? param(record, 'App') ?? param(record, 'Policy');
      how = 'assigned the ApplicationImpersonation role';
    } else if (record.operation === 'New-RoleGroup') {
      if (!IMPERSONATION.test(param(record, 'Roles') ?? '')) return null;
      grantee = param(record, 'Members') ?? param(record, 'Name');
      how = `created role group ${param(record, 'Name') ?? ''} with the ApplicationImpersonation role`.replace(/ {2}/g, ' ');
    } else {
      // Role group membership: the group's roles are not in the record; a group named for the role is.
      const group = param(record, 'Identity') ?? '';
      if (!/impersonation/i.test(group)) return null;
      grantee = param(record, 'Member') ?? param(record, 'Members');
      how = `added a member to role group ${group}`;
    }
    const to = (grantee ?? 'an unnamed principal').trim();
    const actor = record.actorUpn ?? 'someone';
    return {
      primary: to.includes('@') ? user(to) : { kind: 'user', key: to.toLowerCase() },
      related: record.actorUpn?.includes('@') ? [user(record.actorUpn)] : [],
      description: `${actor} ${how} to ${to}: it can read and send mail as every mailbox through EWS.`,
      eventType: 'RoleAssigned',
      operationResult: 'Success',
      userName: to.toLowerCase(),
      target: to,
      fields: { role: 'ApplicationImpersonation', grantee: to },
    };
  },
});
