import type { securityEvent } from '../../../db/schema/index.ts';

type EventRow = typeof securityEvent.$inferSelect;

/**
 * One event as the Report table shows it: everything on the row but the dedup key and runbook,
 * with its tenant's name and whether that tenant is the simulated demo.
 */
export function toEventListItem(row: EventRow, tenantName: string, tenantIsDemo: boolean) {
  return {
    id: row.id,
    tenantId: row.tenantId,
    tenantName,
    tenantIsDemo,
    detectionId: row.detectionId,
    title: row.title,
    description: row.description,
    severity: row.severity,
    status: row.status,
    mitre: row.mitre,
    eventType: row.eventType,
    operationResult: row.operationResult,
    userName: row.userName,
    networkAddress: row.networkAddress,
    workload: row.workload,
    operation: row.operation,
    count: row.count,
    firstSeenAt: row.firstSeenAt.toISOString(),
    lastSeenAt: row.lastSeenAt.toISOString(),
    createdAt: row.createdAt.toISOString(),
    ignoredAt: row.ignoredAt?.toISOString() ?? null,
    whitelistRuleId: row.whitelistRuleId,
    resolvedAt: row.resolvedAt?.toISOString() ?? null,
  };
}
export type EventListItem = ReturnType<typeof toEventListItem>;
