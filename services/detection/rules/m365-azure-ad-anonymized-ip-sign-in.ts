import { z } from 'zod';
import type { Severity } from '../../../db/schema/index.ts';
import type { PartialIpIntel } from '../../../enrichment/ip/types.ts';
import { ANONYMIZING_NETWORKS } from '../constants/anonymizing-networks.ts';
import { SIGN_IN_CODES, signInOf, signInResult } from '../records.ts';
import { defineRule } from '../types.ts';
import { ACCOUNT_TAKEOVER, ip, user } from './lib/common.ts';
import { SIGN_IN_OPERATIONS, SIGN_IN_SOURCES } from './lib/sign-in-common.ts';

export type AnonymizerKind = 'tor' | 'public-proxy' | 'residential-proxy' | 'vpn' | 'hosting';
/** Who said so: the IP intelligence data, Entra ID Protection on the sign-in, or our AS list. */
export type AnonymizerSignal = { kind: AnonymizerKind; by: 'ip-intel' | 'entra' | 'as-list'; provider: string | null };

const LABEL: Record<AnonymizerKind, string> = {
  tor: 'a Tor exit node',
  'public-proxy': 'a public proxy',
  'residential-proxy': 'a residential proxy',
  vpn: 'an anonymising VPN',
  hosting: 'a hosting provider',
};

/**
 * What hides the sign-in's origin, strongest signal first: anonymiser flags from the IP data,
 * Entra's own `anonymizedIPAddress` risk on the sign-in, the usage type, and only when the data
 * knows neither anonymity nor usage (the free ip-location-db data), the AS list.
 */
export function anonymizerOf(intel: PartialIpIntel | null, riskEventTypes: readonly string[], allowedAsns: readonly number[]): AnonymizerSignal | null {
  const asNumber = intel?.network?.asNumber;
  if (asNumber !== undefined && allowedAsns.includes(asNumber)) return null;
  const provider = intel?.anonymizer?.providerName ?? intel?.network?.asOrganization ?? intel?.network?.isp ?? null;
  const flagged = intel?.anonymizer?.proxyTypes ?? [];
  if (flagged.includes('tor-exit')) return { kind: 'tor', by: 'ip-intel', provider };
  if (flagged.includes('public-proxy')) return { kind: 'public-proxy', by: 'ip-intel', provider };
  if (flagged.includes('residential-proxy')) return { kind: 'residential-proxy', by: 'ip-intel', provider };
  if (flagged.includes('vpn')) return { kind: 'vpn', by: 'ip-intel', provider };
  if (riskEventTypes.some((t) => t.toLowerCase() === 'anonymizedipaddress')) return { kind: 'vpn', by: 'entra', provider };
  if (intel?.usage?.type === 'privacy-network') return { kind: 'vpn', by: 'ip-intel', provider };
  if (flagged.includes('hosting-provider') || intel?.usage?.type === 'hosting') return { kind: 'hosting', by: 'ip-intel', provider };
  if (intel?.anonymizer || intel?.usage || asNumber === undefined) return null;
  const listed = ANONYMIZING_NETWORKS.get(asNumber);
  return listed ? { kind: listed.kind, by: 'as-list', provider: intel?.network?.asOrganization ?? listed.name } : null;
}

const settings = z.object({
  /** Hosting-provider sign-ins raise (medium) events; off for tenants whose staff work from cloud desktops. */
  hostingProviders: z.boolean().default(true),
  /** The tenant's own egress networks (a VPN concentrator in a cloud, a Zero Trust gateway), by AS number. */
  allowedAsns: z.array(z.number().int().positive()).default([]),
  /** Also raise when the password was right but MFA or Conditional Access stopped the sign-in (one step lower). */
  stoppedAfterPassword: z.boolean().default(true),
});

const LOWER: Record<Severity, Severity> = { critical: 'high', high: 'medium', medium: 'low', low: 'low', informational: 'informational' };

/**
 * A sign-in whose password was accepted, from a Tor exit node, a public or residential proxy, an
 * anonymising VPN or a hosting provider (MITRE T1078.004 through T1090.003). Attackers hide behind
 * these to look local and dodge IP blocks; staff rarely sign in from them. Needs IP intelligence
 * (`ctx.ip`), or Entra's `anonymizedIPAddress` risk on the Graph sign-in.
 */
export const anonymizedIpSignIn = defineRule({
  id: 'M365.AzureAD.AnonymizedIpSignIn',
  title: 'Sign-in through Tor, an anonymising VPN or proxy, or a hosting provider',
  severity: 'high',
  mitre: ['TA0001:T1078.004', 'TA0011:T1090.003'],
  description:
    'A sign-in with the right password came from a Tor exit node, a public or residential proxy, an anonymising VPN (high) or a hosting provider (medium), by the IP intelligence data, Entra ID Protection or the list of hosting and VPN networks. One step lower when MFA or Conditional Access stopped it.',
  howToReact: [
    "1. Look at the IP on the event page (provider, usage type, anonymiser kind, country) and at the user's other sign-ins that day: a new device or country next to it makes a takeover likely.",
    "2. Ask the user whether they use a VPN or a cloud desktop. A company VPN or gateway in a cloud belongs in the rule's allowedAsns setting; a consumer VPN is a policy question.",
    '3. If the user does not recognise it: revoke sessions, reset the password, require MFA re-registration, and look for inbox rules, forwarding and app consents made since the sign-in.',
    '4. If MFA stopped the sign-in, the password is still known to someone: reset it.',
    '5. Consider a Conditional Access policy that blocks sign-in risk "anonymous IP" or requires a compliant device.',
  ].join('\n'),
  remediations: { user: ACCOUNT_TAKEOVER },
  dedupMinutes: 24 * 60,
  settings,
  on: { sources: SIGN_IN_SOURCES, operations: SIGN_IN_OPERATIONS },
  usesIpIntel: true,
  // The break-glass event is critical already and names the address.
  suppressedBy: ['M365.AzureAD.BreakGlassSignIn'],
  match(record, ctx) {
    const s = signInOf(record);
    if (!s?.user || !s.ip) return null;
    const stopped = !s.success && SIGN_IN_CODES.passwordAccepted.has(s.errorCode);
    if (!s.success && !(stopped && ctx.settings.stoppedAfterPassword)) return null;
    const intel = ctx.ip(s.ip);
    const signal = anonymizerOf(intel, s.riskEventTypes, ctx.settings.allowedAsns);
    if (!signal || (signal.kind === 'hosting' && !ctx.settings.hostingProviders)) return null;
    const base: Severity = signal.kind === 'hosting' || signal.by === 'as-list' ? 'medium' : 'high';
    // Entra's own geolocation first: it is what the admin sees in the sign-in log.
    const country = s.location?.country ?? intel?.location?.countryCode ?? null;
    const where = [signal.provider, country].filter(Boolean).join(', ');
    const outcome = s.success ? 'signed in' : `entered the right password (stopped: ${signInResult(s.errorCode)})`;
    const by = signal.by === 'entra' ? ' (Entra ID Protection: anonymized IP address)' : '';
    return {
      primary: user(s.user),
      related: [ip(s.ip)],
      severity: stopped ? LOWER[base] : base,
      description: `${s.user} ${outcome} through ${LABEL[signal.kind]}${by}: ${s.ip}${where ? ` (${where})` : ''}${s.appName ? ` to ${s.appName}` : ''}.`,
      eventType: 'LoginAttempt',
      operationResult: signInResult(s.errorCode),
      clientApp: s.clientApp,
      fields: {
        anonymizer: signal.kind,
        anonymizerSource: signal.by,
        networkProvider: signal.provider,
        asNumber: intel?.network?.asNumber,
        countryCode: country,
      },
      occurrenceKey: s.requestId,
    };
  },
});
