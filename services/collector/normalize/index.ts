import type { ActivitySource } from '../../../db/schema/index.ts';
import { normalizeAzureActiveDirectory } from './azure-active-directory.ts';
import { normalizeExchange } from './exchange.ts';
import { normalizeGeneral } from './general.ts';
import { normalizeGraphAlert, normalizeGraphDirectoryAudit, normalizeGraphRiskDetection, normalizeGraphRiskyUser, normalizeGraphSignIn } from './graph.ts';
import { normalizeSharePoint } from './sharepoint.ts';
import type { Normalizer, NormalizeResult } from '../../activity/types.ts';

export type { NormalizedActivity, NormalizeResult } from '../../activity/types.ts';
export { parseClientIp } from '../../activity/client-ip.ts';

/**
 * Audit-log records are routed by their own `Workload`, not by the content type they came in
 * (Audit.General carries many workloads, imports carry all of them).
 */
const BY_WORKLOAD: Record<string, Normalizer> = {
  AzureActiveDirectory: normalizeAzureActiveDirectory,
  Exchange: normalizeExchange,
  SharePoint: normalizeSharePoint,
  OneDrive: normalizeSharePoint,
};

function normalizeAuditLog(raw: unknown): NormalizeResult {
  const workload = raw !== null && typeof raw === 'object' ? (raw as { Workload?: unknown }).Workload : undefined;
  const normalizer = (typeof workload === 'string' && BY_WORKLOAD[workload]) || normalizeGeneral;
  return normalizer(raw);
}

/** One normaliser per source; a new source fails compilation until it is listed. */
const BY_SOURCE: Record<ActivitySource, Normalizer> = {
  'Audit.AzureActiveDirectory': normalizeAuditLog,
  'Audit.Exchange': normalizeAuditLog,
  'Audit.SharePoint': normalizeAuditLog,
  'Audit.General': normalizeAuditLog,
  import: normalizeAuditLog,
  'graph.signIns': normalizeGraphSignIn,
  'graph.directoryAudits': normalizeGraphDirectoryAudit,
  'graph.alerts_v2': normalizeGraphAlert,
  'graph.riskDetections': normalizeGraphRiskDetection,
  'graph.riskyUsers': normalizeGraphRiskyUser,
};

/**
 * Normalises one raw record of `source`. Never throws: a malformed record comes back with the
 * reason it goes to quarantine, and the rest of its batch carries on.
 */
export function normalizeRecord(source: ActivitySource, raw: unknown): NormalizeResult {
  try {
    return BY_SOURCE[source](raw);
  } catch (err) {
    return { ok: false, reason: `could not be read: ${err instanceof Error ? err.message : String(err)}` };
  }
}
