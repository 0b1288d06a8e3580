import type { collectorCheckpoint, tenant } from '../../../db/schema/index.ts';

type CheckpointRow = typeof collectorCheckpoint.$inferSelect;

/** What a tenant looks like outside the service: never its credentials, only whether it has some. */
export function toTenantView(row: typeof tenant.$inferSelect, checkpoints: CheckpointRow[]) {
  return {
    id: row.id,
    tenantGuid: row.tenantGuid,
    name: row.name,
    primaryDomain: row.primaryDomain,
    authMode: row.authMode,
    clientId: row.clientId,
    hasCredentials: row.credentialsEnc !== null,
    status: row.status,
    isDemo: row.isDemo,
    /** No Microsoft credentials: holds imported exports only, never collected. */
    importOnly: row.importOnly,
    createdAt: row.createdAt.toISOString(),
    collectors: checkpoints.map((c) => ({
      source: c.source,
      lastSuccessAt: c.lastSuccessAt?.toISOString() ?? null,
      lastAttemptAt: c.lastAttemptAt?.toISOString() ?? null,
      /** Seconds between now and the end of the last ingested window. */
      lagSeconds: c.windowEnd ? Math.max(0, Math.round((Date.now() - c.windowEnd.getTime()) / 1000)) : null,
      lastError: c.lastError,
      lastErrorAt: c.lastErrorAt?.toISOString() ?? null,
      consecutiveFailures: c.consecutiveFailures,
    })),
  };
}
export type TenantView = ReturnType<typeof toTenantView>;
