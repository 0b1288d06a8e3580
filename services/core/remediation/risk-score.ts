import { and, eq, sql } from 'drizzle-orm';
import { securityEvent } from '../../../db/schema/index.ts';
import type { DbOrTx } from '../../../db/client.ts';

/**
 * A user's risk score, 0–100, from their open events in one tenant: each open event adds its
 * severity's weight (critical 40, high 25, medium 10, low 4, informational 1), capped at 100.
 * Bands: low below 20, medium below 50, high below 80, critical from 80.
 */
export const RISK_WEIGHTS = { critical: 40, high: 25, medium: 10, low: 4, informational: 1 } as const;
export const RISK_BANDS = [
  { band: 'low', below: 20 },
  { band: 'medium', below: 50 },
  { band: 'high', below: 80 },
  { band: 'critical', below: Infinity },
] as const;
export type RiskBand = (typeof RISK_BANDS)[number]['band'];

export function riskBand(score: number): RiskBand {
  return RISK_BANDS.find((b) => score < b.below)?.band ?? 'critical';
}

export async function userRiskScore(db: DbOrTx, tenantId: string, userName: string): Promise<{ score: number; band: RiskBand; openEvents: number }> {
  const rows = await db
    .select({ severity: securityEvent.severity, n: sql<number>`count(*)::int` })
    .from(securityEvent)
    .where(and(eq(securityEvent.tenantId, tenantId), eq(securityEvent.status, 'open'), sql`lower(${securityEvent.userName}) = ${userName.toLowerCase()}`))
    .groupBy(securityEvent.severity);
  let score = 0;
  let openEvents = 0;
  for (const r of rows) {
    score += (RISK_WEIGHTS[r.severity as keyof typeof RISK_WEIGHTS] ?? 0) * r.n;
    openEvents += r.n;
  }
  score = Math.min(100, score);
  return { score, band: riskBand(score), openEvents };
}
