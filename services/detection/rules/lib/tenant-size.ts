/**
 * Thresholds for small tenants. A spray that tries every account of a nine-user tenant never
 * reaches "10 accounts"; counting thresholds come down with the directory's size (the user
 * count the collector reads), never below a floor, never above what is configured.
 */
import { z } from 'zod';

/** Settings every size-aware rule adds: the floor and the share of the directory that counts. */
export const tenantSizeSettings = (floor: number, share: number) => ({
  /** The lowest the threshold goes in a small tenant. */
  smallTenantFloor: z.number().int().positive().default(floor),
  /** The threshold in a small tenant: this share of its users (rounded up), between the floor and the configured threshold. */
  smallTenantShare: z.number().positive().max(1).default(share),
});

/**
 * The threshold for this tenant: `configured` when its size is unknown or large, otherwise
 * `share` of its users, rounded up, and at least `floor`.
 * @example scaledThreshold(10, 9, { smallTenantFloor: 4, smallTenantShare: 0.5 }) // 5
 */
export function scaledThreshold(configured: number, userCount: number | null, s: { smallTenantFloor: number; smallTenantShare: number }): number {
  if (userCount === null || !Number.isFinite(userCount) || userCount <= 0) return configured;
  return Math.min(configured, Math.max(s.smallTenantFloor, Math.ceil(userCount * s.smallTenantShare)));
}
