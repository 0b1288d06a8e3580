import type { customDetection } from '../../../db/schema/index.ts';
import { CUSTOM_ID_PREFIX } from '../../detection/custom.ts';

/** A custom detection as the API and CLI show it; `detectionId` is what its events carry. */
export function toCustomDetectionView(row: typeof customDetection.$inferSelect) {
  return {
    id: row.id,
    detectionId: `${CUSTOM_ID_PREFIX}${row.id}`,
    tenantId: row.tenantId,
    title: row.title,
    description: row.description,
    expression: row.expression,
    severity: row.severity,
    mitre: row.mitre,
    howToReact: row.howToReact,
    dedupMinutes: row.dedupMinutes,
    dedupBy: row.dedupBy,
    enabled: row.enabled,
    createdBy: row.createdBy,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}
export type CustomDetectionView = ReturnType<typeof toCustomDetectionView>;
