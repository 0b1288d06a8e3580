import { normalizeAudit } from './common.ts';
import type { Normalizer } from '../../activity/types.ts';

/**
 * SharePoint and OneDrive records (file operations, sharing, anonymous links). The target is
 * the item's URL (ObjectId); anonymous access carries `anonymous` or `urn:spo:anon#...` as the
 * user, kept as it is.
 */
export const normalizeSharePoint: Normalizer = (raw) =>
  normalizeAudit(raw, (r, base) => ({
    ...base,
    userAgent: typeof r.UserAgent === 'string' && r.UserAgent !== '' ? r.UserAgent : null,
    target: base.target ?? (typeof r.SourceRelativeUrl === 'string' ? r.SourceRelativeUrl : null),
  }));
