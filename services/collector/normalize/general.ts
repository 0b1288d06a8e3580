import { normalizeAudit } from './common.ts';
import type { Normalizer } from '../../activity/types.ts';

/** Every other workload (Teams, Power BI, Security & Compliance, ...): the common schema alone. */
export const normalizeGeneral: Normalizer = (raw) =>
  normalizeAudit(raw, (r, base) => ({ ...base, userAgent: typeof r.UserAgent === 'string' && r.UserAgent !== '' ? r.UserAgent : null }));
