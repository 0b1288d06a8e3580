import { z } from 'zod';
import { directoryOccurrence, MINUTE, operationKey, succeeded } from '../records.ts';
import { ROLE_CHANGES } from '../series.ts';
import { defineRule } from '../types.ts';
import { ACCOUNT_TAKEOVER, count, minutes, user } from './lib/common.ts';
import { onDirectoryAudit } from './lib/directory-audit.ts';
import { isSystemActor } from './lib/system-actor.ts';
import { busiestWindow, distinctValues, listSome } from './lib/windows.ts';

const settings = z.object({ threshold: count(5), windowMinutes: minutes(60) });

/**
 * Many directory role grants and removals by one account in a short time: an attacker
 * reshuffling who holds power in the tenant, or a script doing it (MITRE T1098.003). Day-to-day
 * role work is one or two changes at a time.
 */
export const manyRoleChanges = defineRule({
  id: 'M365.AzureAD.ManyRoleChanges',
  title: 'Many directory role changes by one account',
  severity: 'high',
  mitre: ['TA0003:T1098.003', 'TA0040:T1531'],
  description: 'At least `threshold` directory role grants or removals (any role) by one account within `windowMinutes` minutes (default 5 in 60).',
  howToReact: [
    "1. Ask the account's owner whether a planned reorganisation of roles (a move to PIM, a new admin team) is under way.",
    "2. If not: revoke the account's sessions and reset its password from a break-glass account, then undo the changes listed in the event.",
    '3. Check for other changes by the same account: Conditional Access, federation, app credentials, mail flow rules.',
    '4. Move standing admin roles to PIM eligible assignments so that changes need approval.',
  ].join('\n'),
  remediations: { user: ACCOUNT_TAKEOVER },
  dedupMinutes: 24 * 60,
  settings,
  on: onDirectoryAudit('Add member to role', 'Remove member from role', 'Add eligible member to role', 'Remove eligible member from role'),
  reads: [{ series: 'directory-changes-by-actor', before: (s) => s.windowMinutes * MINUTE, after: (s) => s.windowMinutes * MINUTE }],
  match(record, ctx) {
    if (!succeeded(record) || !record.actorUpn || isSystemActor(record) || !ROLE_CHANGES.has(operationKey(record.operation))) return null;
    const w = ctx.settings.windowMinutes * MINUTE;
    const changes = ctx
      .window('directory-changes-by-actor', record.actorUpn, new Date(record.occurredAt.getTime() - w), new Date(record.occurredAt.getTime() + w))
      .filter((o) => ROLE_CHANGES.has(String(o.data.op)));
    const window = busiestWindow(changes, record.occurredAt, w);
    if (window.count < ctx.settings.threshold) return null;
    const targets = distinctValues(window.items, 'target');
    const removals = window.items.filter((o) => String(o.data.op).startsWith('remove')).length;
    return {
      primary: user(record.actorUpn),
      related: targets
        .filter((t) => t.includes('@'))
        .slice(0, 20)
        .map((t) => user(t, [])),
      description: `${record.actorUpn} made ${window.count} role changes within ${ctx.settings.windowMinutes} minutes (${window.count - removals} grants, ${removals} removals) for ${listSome(targets)}.`,
      eventType: 'RoleChange',
      operationResult: 'Success',
      userName: record.actorUpn,
      occurrenceKey: directoryOccurrence(record),
      fields: { roleChanges: window.count, removals, targets: targets.slice(0, 20) },
    };
  },
});
