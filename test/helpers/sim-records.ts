import type { SimTenant } from '../../services/sim/m365/index.ts';

/** Every record a simulated tenant has published by `now`, as `source|recordId` the way the collector stores them. */
export function simulatorRecordIds(t: SimTenant, now: number): Set<string> {
  const ids = new Set<string>();
  for (const blob of t.blobs) if (blob.contentCreated <= now) for (const r of blob.records) ids.add(`${blob.contentType}|${r.Id}`);
  for (const s of t.signIns) if (s.availableAt <= now) ids.add(`graph.signIns|${s.value.id}`);
  for (const a of t.directoryAudits) if (a.availableAt <= now) ids.add(`graph.directoryAudits|${a.value.id}`);
  for (const a of t.alerts) if (a.availableAt <= now) ids.add(`graph.alerts_v2|${a.value.id}`);
  for (const r of t.riskDetections) if (r.availableAt <= now) ids.add(`graph.riskDetections|${r.value.id}`);
  for (const r of t.riskyUsers) if (r.availableAt <= now) ids.add(`graph.riskyUsers|${r.value.id}@${r.value.riskLastUpdatedDateTime}`);
  return ids;
}
