import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import { RISK_BANDS_ORDER, securityEvent, type RiskBandName } from '../../db/schema/index.ts';
import type { DbOrTx } from '../../db/client.ts';

/**
 * A user's risk score, 0–100, from their open events in one tenant: each open event adds its
 * severity's weight (critical 40, high 25, medium 10, low 4, informational 1), capped at 100.
 * Bands: low below 20, medium below 50, high below 80, critical from 80. The approvals page shows
 * it, and score triggers fire when it enters a band (services/notify/score-triggers.ts).
 */
export const RISK_WEIGHTS = { critical: 40, high: 25, medium: 10, low: 4, informational: 1 } as const;
export const RISK_BANDS = [
  { band: 'low', below: 20 },
  { band: 'medium', below: 50 },
  { band: 'high', below: 80 },
  { band: 'critical', below: Infinity },
] as const satisfies readonly { band: RiskBandName; below: number }[];
export type RiskBand = RiskBandName;

export function riskBand(score: number): RiskBand {
  return RISK_BANDS.find((b) => score < b.below)?.band ?? 'critical';
}

/** Whether a band is `band` or above it: `atOrAbove('critical', 'high')` is true. */
export function atOrAbove(current: RiskBand, band: RiskBand): boolean {
  return RISK_BANDS_ORDER.indexOf(current) >= RISK_BANDS_ORDER.indexOf(band);
}

function scoreOf(rows: readonly { severity: string; n: number }[]): number {
  let score = 0;
  for (const r of rows) score += (RISK_WEIGHTS[r.severity as keyof typeof RISK_WEIGHTS] ?? 0) * r.n;
  return Math.min(100, score);
}

const ofUser = (tenantId: string, userName: string) =>
  and(eq(securityEvent.tenantId, tenantId), eq(securityEvent.status, 'open'), sql`lower(${securityEvent.userName}) = ${userName.toLowerCase()}`);

export async function userRiskScore(db: DbOrTx, tenantId: string, userName: string): Promise<{ score: number; band: RiskBand; openEvents: number }> {
  const { score, band, openEvents } = await userRiskScoreChange(db, tenantId, userName, []);
  return { score, band, openEvents };
}

/**
 * The score now and without the events given (the ones the caller's transaction just stored):
 * `before` is the score those events found, so the caller sees whether they moved it into a band.
 */
export async function userRiskScoreChange(
  db: DbOrTx,
  tenantId: string,
  userName: string,
  newEventIds: readonly string[],
): Promise<{ score: number; band: RiskBand; openEvents: number; before: number }> {
  const rows = await db
    .select({
      severity: securityEvent.severity,
      n: sql<number>`count(*)::int`,
      old: newEventIds.length ? sql<number>`(count(*) filter (where not ${inArray(securityEvent.id, [...newEventIds])}))::int` : sql<number>`count(*)::int`,
    })
    .from(securityEvent)
    .where(ofUser(tenantId, userName))
    .groupBy(securityEvent.severity);
  const score = scoreOf(rows);
  return {
    score,
    band: riskBand(score),
    openEvents: rows.reduce((a, r) => a + r.n, 0),
    before: scoreOf(rows.map((r) => ({ severity: r.severity, n: r.old }))),
  };
}

/** The open events behind a user's score, heaviest and newest first (at most `limit`). */
export async function contributingEvents(db: DbOrTx, tenantId: string, userName: string, limit = 20) {
  return db
    .select({ id: securityEvent.id, title: securityEvent.title, severity: securityEvent.severity, lastSeenAt: securityEvent.lastSeenAt })
    .from(securityEvent)
    .where(ofUser(tenantId, userName))
    .orderBy(desc(securityEvent.severity), desc(securityEvent.lastSeenAt), desc(securityEvent.id))
    .limit(limit);
}
