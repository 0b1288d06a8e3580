/**
 * Identity Protection admin actions on risky users (confirm compromised, dismiss) and the
 * history Graph keeps per risky user (`riskyUserHistoryItem`): every state a risky user had,
 * with who changed it.
 */
import { toGraphTime } from './clock.ts';
import { derivedId } from './directory.ts';
import type { GraphUser, RiskDetection, RiskyUser } from './records.ts';
import type { SimTenant, Timed } from './state.ts';

export interface RiskyUserHistoryItem extends RiskyUser {
  userId: string;
  /** The actor's object id (the app's service principal for app-only calls); null for Identity Protection itself. */
  initiatedBy: string | null;
  activity: { detail: string; riskEventTypes: string[] };
}

export type RiskAction = 'confirmCompromised' | 'dismiss';

const OUTCOME: Record<RiskAction, Pick<RiskyUser, 'riskState' | 'riskLevel'> & { riskDetail: string }> = {
  confirmCompromised: { riskState: 'confirmedCompromised', riskLevel: 'high', riskDetail: 'adminConfirmedUserCompromised' },
  dismiss: { riskState: 'dismissed', riskLevel: 'none', riskDetail: 'adminDismissedAllRiskForUser' },
};

/** The risky user's current record (the newest one visible now), if Identity Protection knows the user. */
export function currentRiskyUser(tenant: SimTenant, userId: string, nowMs: number): Timed<RiskyUser> | undefined {
  const key = userId.toLowerCase();
  return tenant.riskyUsers.filter((r) => r.availableAt <= nowMs && r.value.id.toLowerCase() === key).at(-1);
}

/** A history entry for a risky user's state, as recorded when the state was set. */
export function historyItem(value: RiskyUser, initiatedBy: string | null, riskEventTypes: string[]): RiskyUserHistoryItem {
  return { ...value, userId: value.id, initiatedBy, activity: { detail: String(value.riskDetail ?? 'none'), riskEventTypes } };
}

export function recordRiskyUserHistory(tenant: SimTenant, item: RiskyUserHistoryItem): void {
  const key = item.userId.toLowerCase();
  const list = tenant.directory.riskyUserHistory.get(key) ?? [];
  list.push(item);
  tenant.directory.riskyUserHistory.set(key, list);
}

/**
 * Applies an admin action to users (all known to exist): updates or creates the risky user,
 * records the change in its history, and reflects it on the user's risk detections the way
 * Identity Protection does (a dismissal closes them; a confirmation adds an
 * `adminConfirmedUserCompromised` detection).
 */
export function applyRiskAction(tenant: SimTenant, users: GraphUser[], action: RiskAction, actorId: string, nowMs: number): void {
  const at = toGraphTime(nowMs);
  const outcome = OUTCOME[action];
  for (const user of users) {
    const current = currentRiskyUser(tenant, user.id, nowMs);
    // Dismissing a user Identity Protection never flagged changes nothing.
    if (!current && action === 'dismiss') continue;
    const value: RiskyUser = {
      ...(current?.value ?? {
        id: user.id,
        isDeleted: false,
        isProcessing: false,
        userDisplayName: user.displayName,
        userPrincipalName: user.userPrincipalName,
      }),
      ...outcome,
      riskLastUpdatedDateTime: at,
    };
    if (current) current.value = value;
    else tenant.riskyUsers.push({ availableAt: nowMs, value });

    const detections = tenant.riskDetections.filter((d) => d.value.userId.toLowerCase() === user.id.toLowerCase() && d.availableAt <= nowMs);
    if (action === 'dismiss') {
      for (const d of detections) {
        if (d.value.riskState !== 'atRisk' && d.value.riskState !== 'confirmedCompromised') continue;
        d.value = { ...d.value, riskState: 'dismissed', riskLevel: 'none', riskDetail: outcome.riskDetail, lastUpdatedDateTime: at };
      }
    } else {
      const detection: RiskDetection = {
        id: derivedId(tenant.id, user.id, 'admin-confirmed', at).replace(/-/g, ''),
        requestId: null,
        correlationId: null,
        riskEventType: 'adminConfirmedUserCompromised',
        riskState: 'confirmedCompromised',
        riskLevel: 'high',
        riskDetail: outcome.riskDetail,
        source: 'IdentityProtection',
        detectionTimingType: 'offline',
        activity: 'user',
        tokenIssuerType: 'AzureAD',
        ipAddress: null,
        location: null,
        activityDateTime: at,
        detectedDateTime: at,
        lastUpdatedDateTime: at,
        userId: user.id,
        userDisplayName: user.displayName,
        userPrincipalName: user.userPrincipalName,
        additionalInfo: JSON.stringify([{ Key: 'alertUrl', Value: null }]),
      };
      tenant.riskDetections.push({ availableAt: nowMs, value: detection });
    }
    const eventTypes = action === 'confirmCompromised' ? ['adminConfirmedUserCompromised'] : [];
    recordRiskyUserHistory(tenant, historyItem(value, actorId, eventTypes));
  }
}
