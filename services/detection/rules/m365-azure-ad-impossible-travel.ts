import { z } from 'zod';
import { distanceKm, HOUR, MINUTE, signInOf } from '../records.ts';
import { defineRule, type Observation } from '../types.ts';
import { ACCOUNT_TAKEOVER, ip, user } from './lib/common.ts';

const settings = z.object({
  /** Faster than an airliner, with margin for inexact IP locations. */
  maxSpeedKmh: z.number().positive().default(900),
  minDistanceKm: z.number().positive().default(500),
  windowHours: z.number().positive().max(48).default(12),
});

const num = (v: unknown) => (typeof v === 'number' ? v : null);

/**
 * Two successful sign-ins of one user whose locations (Graph's sign-in location, from the IP)
 * are further apart than anyone can travel in the time between them (MITRE T1078.004). Only
 * pairs in different countries count: within a country, IP geolocation of mobile carriers and
 * national ISPs jumps between cities and would flood the queue.
 */
export const impossibleTravel = defineRule({
  id: 'M365.AzureAD.ImpossibleTravel',
  title: 'Impossible travel between sign-ins',
  severity: 'medium',
  mitre: ['TA0001:T1078.004'],
  description:
    'Two successful sign-ins of the same user from different countries, at least `minDistanceKm` apart, with a travel speed above `maxSpeedKmh` between them (default 500 km, 900 km/h, within 12 hours).',
  howToReact: [
    '1. Look at both sign-ins (addresses, countries, devices, apps). A corporate VPN or a cloud proxy often explains one side.',
    '2. Ask the user which one was theirs.',
    '3. If one is not: revoke sessions, reset the password, require MFA re-registration, and review what that session did.',
    "4. If a VPN explains it, whitelist the VPN's addresses for this detection rather than the user.",
  ].join('\n'),
  remediations: { user: ACCOUNT_TAKEOVER },
  dedupMinutes: 24 * 60,
  settings,
  on: { sources: ['graph.signIns'], operations: ['SignIn'] },
  reads: [{ series: 'signin-locations-by-user', before: (s) => s.windowHours * HOUR, after: (s) => s.windowHours * HOUR }],
  match(record, ctx) {
    const s = signInOf(record);
    const here = s?.location;
    if (!s?.user || !s.success || !here || here.latitude === null || here.longitude === null || !here.country) return null;
    if (here.latitude === 0 && here.longitude === 0) return null;
    const t = record.occurredAt.getTime();
    const w = ctx.settings.windowHours * HOUR;
    let worst: { other: Observation; km: number; kmh: number } | null = null;
    for (const other of ctx.window('signin-locations-by-user', s.user, new Date(t - w), new Date(t + w))) {
      const lat = num(other.data.latitude);
      const lon = num(other.data.longitude);
      if (other.id === s.requestId || lat === null || lon === null || other.data.country === here.country) continue;
      const km = distanceKm({ latitude: here.latitude, longitude: here.longitude }, { latitude: lat, longitude: lon });
      // At least a minute between the two, so clock skew does not make any distance infinite speed.
      const hours = Math.max(Math.abs(other.at.getTime() - t), MINUTE) / HOUR;
      const kmh = km / hours;
      if (km >= ctx.settings.minDistanceKm && kmh > ctx.settings.maxSpeedKmh && (!worst || kmh > worst.kmh)) worst = { other, km, kmh };
    }
    if (!worst) return null;
    const place = (city: unknown, country: unknown) => [city, country].filter((v) => typeof v === 'string' && v).join(', ');
    const minutesApart = Math.round(Math.abs(worst.other.at.getTime() - t) / MINUTE);
    const otherIp = typeof worst.other.data.ip === 'string' ? worst.other.data.ip : null;
    return {
      primary: user(s.user),
      related: [...(s.ip ? [ip(s.ip)] : []), ...(otherIp ? [ip(otherIp)] : [])],
      description: `${s.user} signed in from ${place(here.city, here.country)}${s.ip ? ` (${s.ip})` : ''} and ${minutesApart} minutes ${worst.other.at.getTime() < t ? 'earlier' : 'later'} from ${place(worst.other.data.city, worst.other.data.country)}${otherIp ? ` (${otherIp})` : ''}: ${Math.round(worst.km)} km, ${Math.round(worst.kmh)} km/h.`,
      eventType: 'LoginAttempt',
      operationResult: 'Success',
      clientApp: s.clientApp,
      occurrenceKey: s.requestId,
      fields: { distanceKm: Math.round(worst.km), speedKmh: Math.round(worst.kmh) },
    };
  },
});
