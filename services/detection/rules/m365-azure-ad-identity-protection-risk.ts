import type { Severity } from '../../../db/schema/index.ts';
import { asObject, asString, rawOf } from '../records.ts';
import { defineRule } from '../types.ts';
import { ip, noSettings, user } from './lib/common.ts';

const LEVEL: Record<string, Severity> = { low: 'low', medium: 'medium', high: 'high' };
const ACTIVE_STATES = new Set(['atrisk', 'confirmedcompromised']);

/**
 * Entra ID Protection says an account is at risk: a risk detection (anonymised IP, unfamiliar
 * sign-in properties, leaked credentials, password spray, unlikely travel…), the risky-user
 * state, or the Identity Protection alert in alerts_v2. All three describe one story per user,
 * so they share one event per user (count = detections), at the highest level reported.
 */
export const identityProtectionRisk = defineRule({
  id: 'M365.AzureAD.IdentityProtectionRisk',
  title: 'Entra ID Protection flags the account as at risk',
  severity: 'medium',
  mitre: ['TA0001:T1078.004'],
  description:
    'A risk detection, a risky-user change to "at risk" or "confirmed compromised", or an Identity Protection alert for a user; severity follows the risk level.',
  howToReact: [
    '1. Read the detections on the event page (risk type, IP, location, user agent) and compare with where the user really was: ask them by phone.',
    '2. If the user does not recognise the sign-in: confirm the user compromised (confirm-compromised), revoke sessions, reset the password, require MFA re-registration, then look for what the attacker did (inbox rules, forwarding, consents, file sharing).',
    '3. If it was the user (new phone, travel, a corporate VPN): dismiss the user risk (dismiss-user-risk) so policies stop challenging them.',
    '4. Make sure a risk-based Conditional Access policy requires MFA or a password change for medium and high risk.',
  ].join('\n'),
  remediations: { user: ['confirm-compromised', 'dismiss-user-risk', 'revoke-sessions', 'reset-password', 'require-mfa-reregistration', 'block-sign-in'] },
  dedupMinutes: 24 * 60,
  settings: noSettings,
  on: { sources: ['graph.riskDetections', 'graph.riskyUsers', 'graph.alerts_v2'], operations: 'any' },
  match(record) {
    const raw = rawOf(record);
    const upn = record.actorUpn;
    if (!upn) return null;
    if (record.source === 'graph.riskDetections' || record.source === 'graph.riskyUsers') {
      const state = (asString(raw.riskState) ?? '').toLowerCase();
      if (!ACTIVE_STATES.has(state)) return null;
      const level = (asString(raw.riskLevel) ?? '').toLowerCase();
      const severity: Severity = state === 'confirmedcompromised' ? 'high' : (LEVEL[level] ?? 'low');
      const loc = asObject(raw.location);
      const where = [asString(loc?.city), asString(loc?.countryOrRegion)].filter(Boolean).join(', ');
      const what =
        record.source === 'graph.riskDetections'
          ? `risk detection '${asString(raw.riskEventType)}' (${level || 'unknown'} risk)${record.clientIp ? ` from ${record.clientIp}` : ''}${where ? ` in ${where}` : ''}`
          : `user risk '${level || 'unknown'}', state '${asString(raw.riskState)}'`;
      return {
        primary: user(upn),
        related: record.clientIp ? [ip(record.clientIp)] : [],
        severity,
        description: `Entra ID Protection reported ${what} for ${upn}.`,
        eventType: 'RiskDetection',
        operationResult: state === 'confirmedcompromised' ? 'ConfirmedCompromised' : 'AtRisk',
        fields: { riskEventType: asString(raw.riskEventType), riskLevel: level, riskState: asString(raw.riskState) },
      };
    }
    // alerts_v2 from Identity Protection: the same detections, as an alert.
    if (asString(raw.serviceSource) !== 'azureAdIdentityProtection') return null;
    const status = asString(raw.status);
    if (status === 'resolved' || asString(raw.classification) === 'falsePositive') return null;
    const level = (asString(raw.severity) ?? '').toLowerCase();
    return {
      primary: user(upn),
      related: record.clientIp ? [ip(record.clientIp)] : [],
      severity: LEVEL[level] ?? 'low',
      description: `Entra ID Protection alert '${asString(raw.title)}' (${level || 'unknown'} severity) for ${upn}.`,
      eventType: 'RiskDetection',
      operationResult: 'AtRisk',
      fields: { alertTitle: asString(raw.title), alertUrl: asString(raw.alertWebUrl) },
    };
  },
});
