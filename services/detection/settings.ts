import { and, eq, isNull, or } from 'drizzle-orm';
import { z } from 'zod';
import type { DbOrTx } from '../../db/client.ts';
import { detectionSettings, SEVERITIES } from '../../db/schema/index.ts';

/**
 * Detection settings of an MSP or tenant. Everything has a default, so `{}` is valid; rule
 * thresholds live under `rules.<rule id>` and are checked by that rule's own schema.
 * @example { "breakGlassAccounts": ["bg-admin@contoso.onmicrosoft.com"], "rules": { "M365.AzureAD.BruteForce": { "threshold": 20 } } }
 */
export const DetectionSettings = z.object({
  /** Further domains of the tenant (mail domains not learned from its records). */
  internalDomains: z.array(z.string().trim().toLowerCase()).default([]),
  /** Emergency-access accounts: any sign-in by one is an event. */
  breakGlassAccounts: z.array(z.string().trim().toLowerCase()).default([]),
  rules: z
    .record(
      z.string(),
      z
        .object({
          enabled: z.boolean().default(true),
          /** Replaces the rule's severity (and the severity it chooses per case). */
          severity: z.enum(SEVERITIES).optional(),
        })
        .loose(),
    )
    .default({}),
});
export type DetectionSettings = z.infer<typeof DetectionSettings>;

/**
 * Merges MSP-wide and tenant settings (tenant wins, per key; rule entries merge per rule) and
 * validates the result. Invalid stored settings fail loudly: a silently ignored threshold
 * would hide attacks.
 */
export function mergeSettings(...layers: Record<string, unknown>[]): DetectionSettings {
  const merged: Record<string, unknown> = {};
  const rules: Record<string, Record<string, unknown>> = {};
  for (const layer of layers) {
    for (const [k, v] of Object.entries(layer)) {
      if (k === 'rules' && v !== null && typeof v === 'object') {
        for (const [id, r] of Object.entries(v as Record<string, unknown>)) rules[id] = { ...rules[id], ...(r as Record<string, unknown>) };
      } else merged[k] = v;
    }
  }
  return DetectionSettings.parse({ ...merged, rules });
}

export async function loadDetectionSettings(db: DbOrTx, mspId: string, tenantId: string): Promise<DetectionSettings> {
  const rows = await db
    .select({ tenantId: detectionSettings.tenantId, settings: detectionSettings.settings })
    .from(detectionSettings)
    .where(and(eq(detectionSettings.mspId, mspId), or(isNull(detectionSettings.tenantId), eq(detectionSettings.tenantId, tenantId))));
  const mspLayer = rows.find((r) => r.tenantId === null)?.settings ?? {};
  const tenantLayer = rows.find((r) => r.tenantId !== null)?.settings ?? {};
  return mergeSettings(mspLayer, tenantLayer);
}
