import { z } from 'zod';
import { DAY, dayStart, signInOf } from '../records.ts';
import { defineRule } from '../types.ts';
import { ACCOUNT_TAKEOVER, count, ip, user } from './lib/common.ts';

const settings = z.object({
  lookbackDays: z.number().int().min(2).max(30).default(30),
  /** Days of sign-in history the tenant needs before "new" means anything. */
  learningDays: count(7),
});

/**
 * A successful sign-in from a country the user has not signed in from in the last 30 days
 * (Graph's sign-in location). Day-granular facts (country + day) make the answer independent of
 * arrival order. Quiet while the tenant has less than `learningDays` of history, and for users
 * with no history at all (new hires), where everything would be "new".
 */
export const newCountrySignIn = defineRule({
  id: 'M365.AzureAD.NewCountrySignIn',
  title: 'Sign-in from a country not seen for this user',
  severity: 'medium',
  mitre: ['TA0001:T1078.004'],
  description:
    'A successful sign-in from a country the user has not signed in from within `lookbackDays` days (default 30); the description says whether the tenant has seen the country at all.',
  howToReact: [
    '1. Ask the user whether they are travelling or using a VPN that exits in that country.',
    '2. Check the address (IP entity): a hosting provider, anonymiser or Tor exit in a country the company has no business in is an attacker.',
    "3. If not the user: revoke sessions, reset the password, require MFA re-registration, and review the session's activity.",
    '4. If travel is common, whitelist the country for that user for the length of the trip rather than for good.',
  ].join('\n'),
  remediations: { user: ACCOUNT_TAKEOVER },
  dedupMinutes: 24 * 60,
  settings,
  on: { sources: ['graph.signIns'], operations: ['SignIn'] },
  reads: [
    { series: 'signin-countries-by-user', before: (s) => s.lookbackDays * DAY, after: () => 0 },
    { series: 'signin-countries-by-tenant', before: (s) => s.lookbackDays * DAY, after: () => 0 },
    { series: 'signin-days-by-tenant', before: (s) => s.lookbackDays * DAY, after: () => 0 },
  ],
  match(record, ctx) {
    const s = signInOf(record);
    const country = s?.location?.country;
    if (!s?.user || !s.success || !country) return null;
    const today = dayStart(record.occurredAt);
    const from = new Date(today.getTime() - ctx.settings.lookbackDays * DAY);
    const before = new Date(today.getTime() - 1);
    const history = ctx.window('signin-days-by-tenant', '*', from, before);
    if (!history.some((o) => o.at.getTime() <= today.getTime() - ctx.settings.learningDays * DAY)) return null;
    const seen = ctx.window('signin-countries-by-user', s.user, from, before);
    if (seen.length === 0 || seen.some((o) => o.data.country === country)) return null;
    const tenantSeen = ctx.window('signin-countries-by-tenant', '*', from, before).some((o) => o.data.country === country);
    const usual = [...new Set(seen.map((o) => String(o.data.country)))];
    return {
      primary: user(s.user),
      related: s.ip ? [ip(s.ip)] : [],
      dedupKey: `${s.user}|${country}`,
      severity: tenantSeen ? 'medium' : 'high',
      description: `${s.user} signed in from ${[s.location?.city, country].filter(Boolean).join(', ')}${s.ip ? ` (${s.ip})` : ''}; in the last ${ctx.settings.lookbackDays} days they signed in only from ${usual.join(', ')}${tenantSeen ? '' : ', and nobody in the tenant signed in from there'}.`,
      eventType: 'LoginAttempt',
      operationResult: 'Success',
      clientApp: s.clientApp,
      occurrenceKey: s.requestId,
      fields: { country, usualCountries: usual, newForTenant: !tenantSeen },
    };
  },
});
