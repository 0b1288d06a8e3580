import { z } from 'zod';
import { DAY, directoryOccurrence, directoryTarget, HOUR, MINUTE, operationKey, succeeded } from '../records.ts';
import { defineRule } from '../types.ts';
import { distinctValues, listSome } from './lib/windows.ts';
import { onDirectoryAudit } from './lib/directory-audit.ts';
import { ACCOUNT_TAKEOVER, count, minutes, user } from './lib/common.ts';

const settings = z.object({ massResets: count(5), massWindowMinutes: minutes(60) });

/**
 * An admin reset someone's password where it matters: the account holds (or was recently
 * given) a privileged role or is a break-glass account, or one admin resets many passwords in
 * a row. Ordinary help-desk resets are part of every day and stay quiet (MITRE T1098).
 */
export const adminPasswordReset = defineRule({
  id: 'M365.AzureAD.AdminPasswordReset',
  title: 'Password of an admin account reset, or many resets in a row',
  severity: 'medium',
  mitre: ['TA0003:T1098', 'TA0004:T1098'],
  description:
    'An admin reset the password of a privileged or break-glass account, or reset at least `massResets` passwords within `massWindowMinutes` minutes (default 5 in 60).',
  howToReact: [
    '1. Ask the admin who did it (by phone) whether the resets were requested.',
    '2. A reset of an admin or break-glass account hands that account to whoever did it: if unexplained, reset it again yourself, revoke its sessions and review its sign-ins since the reset.',
    '3. Many resets in a row can be an attacker locking people out or taking over accounts: block the resetting account (block-sign-in) until explained.',
    "4. Check the resetting account's own recent sign-ins and role changes.",
  ].join('\n'),
  remediations: { user: ACCOUNT_TAKEOVER },
  dedupMinutes: 24 * 60,
  settings,
  on: onDirectoryAudit('Reset user password'),
  reads: [
    { series: 'password-resets-by-actor', before: (s) => s.massWindowMinutes * MINUTE, after: (s) => s.massWindowMinutes * MINUTE },
    { series: 'privileged-users', before: () => 365 * DAY, after: () => HOUR },
  ],
  match(record, ctx) {
    if (!succeeded(record) || operationKey(record.operation) !== 'reset user password') return null;
    const actor = record.actorUpn;
    const target = directoryTarget(record).upn;
    if (!actor || !target || actor === target) return null;
    const t = record.occurredAt.getTime();
    const roles = ctx.window('privileged-users', target, new Date(t - 365 * DAY), new Date(t + HOUR)).map((o) => String(o.data.role));
    const breakGlass = ctx.tenant.breakGlassAccounts.has(target);
    const w = ctx.settings.massWindowMinutes * MINUTE;
    const resets = ctx.window('password-resets-by-actor', actor, new Date(t - w), new Date(t + w));
    const mass = resets.length >= ctx.settings.massResets;
    if (!roles.length && !breakGlass && !mass) return null;
    const why = [
      breakGlass ? 'a break-glass account' : null,
      roles.length ? `holder of ${[...new Set(roles)].join(', ')}` : null,
      mass ? `one of ${resets.length} resets by ${actor} within ${ctx.settings.massWindowMinutes} minutes` : null,
    ].filter(Boolean);
    if (mass && !roles.length && !breakGlass) {
      // A burst is about the admin resetting: the event names the admin and every account reset,
      // so its user and its text stay the same person whichever reset arrives last.
      const targets = distinctValues(resets, 'target');
      return {
        primary: user(actor),
        related: targets.slice(0, 50).map((u) => user(u)),
        severity: 'medium',
        description: `${actor} reset the passwords of ${targets.length} accounts within ${ctx.settings.massWindowMinutes} minutes: ${listSome(targets)}.`,
        eventType: 'PasswordReset',
        operationResult: 'Success',
        userName: actor,
        target,
        fields: { resets: resets.length, resetAccounts: targets.slice(0, 50) },
        occurrenceKey: directoryOccurrence(record),
      };
    }
    return {
      primary: user(target),
      related: [user(actor)],
      severity: breakGlass || roles.length ? 'high' : 'medium',
      description: `${actor} reset the password of ${target} (${why.join('; ')}).`,
      eventType: 'PasswordReset',
      operationResult: 'Success',
      userName: target,
      target,
      occurrenceKey: directoryOccurrence(record),
    };
  },
});
