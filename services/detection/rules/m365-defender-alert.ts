import type { Severity } from '../../../db/schema/index.ts';
import { asObject, asString, rawOf } from '../records.ts';
import { defineRule, type EntityRef } from '../types.ts';
import { ACCOUNT_TAKEOVER, ip, noSettings, user } from './lib/common.ts';

const LEVEL: Record<string, Severity> = { informational: 'informational', low: 'low', medium: 'medium', high: 'high' };

/**
 * Microsoft Defender XDR alerts (alerts_v2) from Defender for Office 365, Endpoint, Identity and
 * Cloud Apps, brought into the same queue as Tenantwatch's own events. Identity Protection
 * alerts are left to M365.AzureAD.IdentityProtectionRisk, which merges them with the detections.
 */
export const defenderAlert = defineRule({
  id: 'M365.Defender.Alert',
  title: 'Microsoft Defender alert',
  severity: 'medium',
  mitre: ['TA0001:T1566'],
  description: "A new or in-progress alert from Microsoft Defender XDR; severity follows Defender's, the alert's own MITRE techniques are listed on the event.",
  howToReact: [
    "1. Open the alert in the Microsoft Defender portal (link on the event page) and read Defender's evidence and recommended actions.",
    '2. For user evidence marked compromised: revoke sessions and reset the password; for mail evidence: check that Defender removed the messages (zero-hour auto purge) and who clicked.',
    '3. Classify the alert in Defender (true positive / false positive) so its tuning learns, and resolve it there when done.',
    '4. Look at other Tenantwatch events for the same user or IP around the alert time for the rest of the story.',
  ].join('\n'),
  remediations: { user: ACCOUNT_TAKEOVER },
  dedupMinutes: 7 * 24 * 60,
  settings: noSettings,
  on: { sources: ['graph.alerts_v2'], operations: 'any' },
  match(record) {
    const raw = rawOf(record);
    if (asString(raw.serviceSource) === 'azureAdIdentityProtection') return null;
    if (asString(raw.status) === 'resolved' || asString(raw.classification) === 'falsePositive') return null;
    const evidence = Array.isArray(raw.evidence) ? raw.evidence.map(asObject).filter((e): e is Record<string, unknown> => e !== null) : [];
    const users = evidence.map((e) => asString(asObject(e.userAccount)?.userPrincipalName)).filter((u): u is string => !!u);
    const ips = evidence.map((e) => asString(e.ipAddress)).filter((a): a is string => !!a);
    const alertId = asString(raw.providerAlertId) ?? record.recordId;
    const entities: EntityRef[] = [...users.map((u) => user(u)), ...ips.map(ip)];
    const primary: EntityRef = entities[0] ?? { kind: 'ip', key: record.clientIp ?? 'unknown' };
    const mitre = Array.isArray(raw.mitreTechniques) ? raw.mitreTechniques.filter((t): t is string => typeof t === 'string') : [];
    const title = asString(raw.title) ?? record.operation;
    return {
      primary,
      related: entities.slice(1),
      dedupKey: alertId,
      severity: LEVEL[(asString(raw.severity) ?? '').toLowerCase()] ?? 'medium',
      description: `Microsoft Defender (${asString(raw.serviceSource) ?? 'unknown source'}) raised '${title}'${users.length ? ` for ${users.join(', ')}` : ''}.`,
      eventType: 'SecurityAlert',
      operationResult: asString(raw.status) ?? 'new',
      userName: users[0]?.toLowerCase() ?? null,
      target: title,
      fields: {
        alertTitle: title,
        alertUrl: asString(raw.alertWebUrl),
        serviceSource: asString(raw.serviceSource),
        alertTechniques: mitre,
        category: asString(raw.category),
      },
    };
  },
});
