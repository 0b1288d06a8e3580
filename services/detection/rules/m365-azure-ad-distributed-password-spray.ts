import { z } from 'zod';
import { clip, MINUTE, signInOf, signInResult, SIGN_IN_CODES } from '../records.ts';
import { defineRule, type Observation } from '../types.ts';
import { count, ip, minutes, user } from './lib/common.ts';
import { SIGN_IN_OPERATIONS, SIGN_IN_SOURCES } from './lib/sign-in-common.ts';
import { scaledThreshold, tenantSizeSettings } from './lib/tenant-size.ts';
import { busiestWindow, distinctValues, listSome } from './lib/windows.ts';
import { attackToolOf } from '../constants/attack-tool-agents.ts';

const settings = z.object({
  distinctUsers: count(10),
  minAddresses: count(3),
  windowMinutes: minutes(60),
  /** In a large tenant, this share of its users (a network or browser many staff share sees ordinary failures add up). */
  largeTenantShare: z.number().positive().max(1).default(0.01),
  ...tenantSizeSettings(4, 0.5),
});

/**
 * A password spray that rotates its address (cloud functions, API gateways, proxy pools: the
 * FireProx set-up of MSOLSpray, TREVORspray and CredMaster) stays under the one-address rule.
 * What the addresses still share is their network (AS) or the tool's user agent. Accounts whose
 * owner signed in with the right password within the window are left out: people mistyping
 * and then getting it right are not a spray (MITRE T1110.003).
 */
export const distributedPasswordSpray = defineRule({
  id: 'M365.AzureAD.DistributedPasswordSpray',
  title: 'Password spray from many addresses of one network or one user agent',
  severity: 'high',
  mitre: ['TA0006:T1110.003'],
  description:
    'Failed passwords for at least `distinctUsers` accounts (half the users of a small tenant, at least `smallTenantFloor`) from at least `minAddresses` addresses within `windowMinutes` minutes that share one network (AS) or one user agent; accounts that then signed in with the right password are not counted. In a tenant of more than 1,000 users the threshold is 1% of its users (`largeTenantShare`).',
  howToReact: [
    '1. Look at the network and user agent in the event: a hosting provider, a cloud gateway (AWS API Gateway, Azure Functions) or a script user agent confirms the spray.',
    '2. Look for a "valid password during spray", "success after failures" or "sign-in by an attack tool" event for the targeted accounts: reset the password and revoke the sessions of any account that answered with success or an MFA prompt.',
    '3. Block the network with a Conditional Access named location if nobody in the organisation uses it, and make sure legacy authentication is blocked.',
    '4. Require MFA registration for any targeted account without it.',
  ].join('\n'),
  remediations: { user: ['reset-password', 'revoke-sessions'] },
  dedupMinutes: 24 * 60,
  settings,
  usesIpIntel: true,
  // One address trying every account is the plainer event.
  suppressedBy: ['M365.AzureAD.PasswordSpray'],
  on: { sources: SIGN_IN_SOURCES, operations: SIGN_IN_OPERATIONS },
  reads: [{ series: 'signin-attempts-by-tenant', before: (s) => s.windowMinutes * MINUTE, after: (s) => s.windowMinutes * MINUTE }],
  match(record, ctx) {
    const s = signInOf(record);
    if (!s?.user || !SIGN_IN_CODES.failedGuess.has(s.errorCode)) return null;
    const w = ctx.settings.windowMinutes * MINUTE;
    const around = ctx.window('signin-attempts-by-tenant', '*', new Date(record.occurredAt.getTime() - w), new Date(record.occurredAt.getTime() + w));
    const mine = around.find((o) => o.id === s.requestId);
    const recovered = new Set(around.filter((o) => o.data.failed === false).map((o) => String(o.data.user)));
    if (recovered.has(s.user)) return null;
    // Many addresses sharing a network or a user agent is also what a big company's staff look
    // like: past a thousand users the threshold grows with the tenant (1% of its users).
    const large = ctx.tenant.userCount ? Math.ceil(ctx.tenant.userCount * ctx.settings.largeTenantShare) : 0;
    const threshold = Math.max(scaledThreshold(ctx.settings.distinctUsers, ctx.tenant.userCount, ctx.settings), large);
    const asn = typeof mine?.data.asn === 'number' ? mine.data.asn : ctx.ip(s.ip)?.network?.asNumber;
    const agent = s.userAgent ?? (typeof mine?.data.agent === 'string' ? mine.data.agent : null);
    const groups: { by: 'network' | 'user agent'; key: string; name: string; items: Observation[] }[] = [];
    if (asn)
      groups.push({
        by: 'network',
        key: `AS${asn}`,
        name: `AS${asn}${ctx.ip(s.ip)?.network?.asOrganization ? ` (${ctx.ip(s.ip)?.network?.asOrganization})` : ''}`,
        items: around.filter((o) => o.data.asn === asn),
      });
    if (agent)
      groups.push({ by: 'user agent', key: `ua:${agent}`, name: `user agent "${clip(agent, 80)}"`, items: around.filter((o) => o.data.agent === agent) });
    for (const group of groups) {
      const failures = group.items.filter((o) => o.data.failed === true && !recovered.has(String(o.data.user)));
      const window = busiestWindow(failures, record.occurredAt, w, (o) => String(o.data.user ?? ''));
      if (window.count < threshold) continue;
      const addresses = distinctValues(window.items, 'ip');
      if (addresses.length < ctx.settings.minAddresses) continue;
      const users = distinctValues(window.items, 'user');
      const tool = attackToolOf(agent)?.tool;
      return {
        primary: ip(s.ip ?? group.key),
        dedupKey: group.key,
        related: [...addresses.slice(1, 20).map(ip), ...users.slice(0, 50).map((u) => user(u, []))],
        description: `${users.length} different accounts failed their passwords within ${ctx.settings.windowMinutes} minutes from ${addresses.length} addresses sharing ${group.name}: ${listSome(users)}.${tool ? ` User agent of ${tool}.` : ''}`,
        eventType: 'LoginAttempt',
        operationResult: signInResult(s.errorCode),
        userName: null,
        networkAddress: s.ip,
        clientApp: s.clientApp,
        occurrenceKey: s.requestId,
        fields: {
          sharedBy: group.by,
          shared: group.key,
          targetedAccounts: users.length,
          addresses: addresses.length,
          threshold,
          ...(tool ? { attackTool: tool } : {}),
        },
      };
    }
    return null;
  },
});
