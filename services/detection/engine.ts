/**
 * The detection engine: runs every enabled rule over newly stored activity, keeps the rules'
 * window state in `detection_state`, and raises or updates security events.
 *
 * Guarantees:
 * - Idempotent by activity id: an activity is claimed in `detection_processed` in the same
 *   transaction as the state and events it causes, so sending it again changes nothing and a
 *   crash before commit leaves it to be processed again.
 * - One tenant at a time: a transaction-scoped advisory lock per tenant serialises batches of
 *   the same tenant (two workers never split one password spray between them).
 * - Dedup: one event per (tenant, rule, primary entity) while repeats keep coming within the
 *   rule's window; repeats raise `count` (distinct occurrences) and move `last_seen_at`.
 * - A batch costs a fixed number of statements, not one round trip per match: facts read, stored
 *   and pruned in one statement each, events in a few set-based ones (record-match.ts).
 */
import { eq, inArray, sql } from 'drizzle-orm';
import type { Db, Tx } from '../../db/client.ts';
import { activity, detectionProcessed, detectionState, tenant } from '../../db/schema/index.ts';
import type { IpIntelService } from '../../enrichment/ip/index.ts';
import type { Logger } from '../log.ts';
import { loadCustomRules } from './custom.ts';
import { evaluateBatch, prepareRules, seriesSpans, StateView, type PreparedRule } from './evaluate.ts';
import { addressesForIpIntel, resolveIpIntel, type IpIntelByAddress } from './ip-context.ts';
import { RULES } from './registry.ts';
import { SERIES } from './series.ts';
import { loadDetectionSettings } from './settings.ts';
import type { DetectionRecord, RegisteredRule, SeriesName, TenantContext } from './types.ts';
import { tenantUserCount } from './tenant-size.ts';
import { recordMatches } from './record-match.ts';
import { ignoreByWhitelistRules } from './whitelist.ts';

export type DetectionDeps = {
  db: Db;
  log?: Logger;
  /** The rules to run; the registry by default (tests pass a subset). */
  rules?: readonly RegisteredRule[];
  /** IP intelligence for rules that read it (`ctx.ip`); without it they see no intel. */
  ipIntel?: IpIntelService;
  /**
   * Writes what must commit with new events, in their transaction: the triggers' deliveries (the
   * transactional outbox, services/notify/outbox.ts `enqueueForEvents`). Given by the process that
   * runs detection, so detection does not import the stages after it. Returns rows written.
   */
  onEventsCreated?: (tx: Tx, created: { mspId: string; tenantId: string; eventIds: readonly string[] }) => Promise<number>;
};

export type DetectSummary = {
  /** Activities claimed and run through the rules now. */
  processed: number;
  /** Ids already processed before (or unknown): nothing done for them. */
  skipped: number;
  eventsCreated: number;
  eventsUpdated: number;
  /** Events created or updated (new entities may have joined them), for the enrichment stage. */
  eventIds: string[];
};

/** Rows per statement; well under Postgres's 65,535 bind parameters. */
const CHUNK = 1000;

/**
 * Runs detection over the given activity ids (any tenants, any order). Safe to call again with
 * the same ids.
 * @example await detectActivity({ db }, summary.insertedIds)
 */
export async function detectActivity(deps: DetectionDeps, activityIds: readonly string[]): Promise<DetectSummary> {
  const summary: DetectSummary = { processed: 0, skipped: 0, eventsCreated: 0, eventsUpdated: 0, eventIds: [] };
  const ids = [...new Set(activityIds)];
  const byTenant = new Map<string, string[]>();
  for (let i = 0; i < ids.length; i += CHUNK) {
    const rows = await deps.db
      .select({ id: activity.id, tenantId: activity.tenantId })
      .from(activity)
      .where(inArray(activity.id, ids.slice(i, i + CHUNK)));
    for (const r of rows) (byTenant.get(r.tenantId) ?? byTenant.set(r.tenantId, []).get(r.tenantId)!).push(r.id);
  }
  let found = 0;
  const touched = new Set<string>();
  for (const [tenantId, tenantIds] of byTenant) {
    found += tenantIds.length;
    for (let i = 0; i < tenantIds.length; i += CHUNK) {
      const part = await deps.db.transaction((tx) => detectTenantBatch(tx, deps, tenantId, tenantIds.slice(i, i + CHUNK)));
      summary.processed += part.processed;
      summary.skipped += part.skipped;
      summary.eventsCreated += part.eventsCreated;
      summary.eventsUpdated += part.eventsUpdated;
      for (const id of part.eventIds) touched.add(id);
    }
  }
  summary.eventIds = [...touched];
  summary.skipped += ids.length - found;
  return summary;
}

async function detectTenantBatch(tx: Tx, deps: DetectionDeps, tenantId: string, ids: string[]): Promise<DetectSummary> {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`tenantwatch.detection:${tenantId}`}, 0))`);
  const claimed = await tx
    .insert(detectionProcessed)
    .values(ids.map((activityId) => ({ activityId, tenantId })))
    .onConflictDoNothing()
    .returning({ id: detectionProcessed.activityId });
  const summary: DetectSummary = { processed: claimed.length, skipped: ids.length - claimed.length, eventsCreated: 0, eventsUpdated: 0, eventIds: [] };
  if (claimed.length === 0) return summary;

  const [tenantRow] = await tx
    .select({ mspId: tenant.mspId, primaryDomain: tenant.primaryDomain, name: tenant.name, userCount: tenant.userCount, importOnly: tenant.importOnly })
    .from(tenant)
    .where(eq(tenant.id, tenantId));
  if (!tenantRow) return summary;
  const rows = await tx
    .select()
    .from(activity)
    .where(
      inArray(
        activity.id,
        claimed.map((c) => c.id),
      ),
    );
  const records: DetectionRecord[] = rows.map((r) => ({
    activityId: r.id,
    tenantId: r.tenantId,
    source: r.source,
    recordId: r.recordId,
    occurredAt: r.occurredAt,
    workload: r.workload,
    operation: r.operation,
    recordType: r.recordType,
    actorId: r.actorId,
    actorUpn: r.actorUpn,
    clientIp: r.clientIp,
    userAgent: r.userAgent,
    result: r.result,
    target: r.target,
    raw: r.raw,
  }));

  const settings = await loadDetectionSettings(tx, tenantRow.mspId, tenantId);
  const rules = prepareRules(deps.rules ?? RULES, settings);
  // The MSP's own detections (custom.ts) run beside the built-ins and raise events the same way.
  rules.push(...(await loadCustomRules(tx, { id: tenantId, mspId: tenantRow.mspId, name: tenantRow.name }, deps.log)));
  const state = new StateView();
  const spans = seriesSpans(rules);
  const times = records.map((r) => r.occurredAt.getTime());
  const minT = Math.min(...times);
  const maxT = Math.max(...times);
  await loadSeries(tx, state, tenantId, spans, records, minT, maxT);

  const context: TenantContext = {
    id: tenantId,
    domains: new Set([tenantRow.primaryDomain.toLowerCase(), ...settings.internalDomains]),
    breakGlassAccounts: new Set(settings.breakGlassAccounts),
    userCount: await tenantUserCount(tx, { id: tenantId, userCount: tenantRow.userCount, importOnly: tenantRow.importOnly }),
  };
  const matches = evaluateBatch(records, rules, context, state, await batchIpIntel(deps, records, rules));

  await storeFacts(tx, tenantId, state, spans, maxT);

  const recorded = await recordMatches(tx, tenantRow.mspId, tenantId, matches);
  const createdIds = recorded.createdIds;
  summary.eventsCreated = recorded.eventsCreated;
  summary.eventsUpdated = recorded.eventsUpdated;
  summary.eventIds = recorded.touched;

  // Whitelist rules: new events an active rule matches are ignored in this same transaction.
  const ignored = await ignoreByWhitelistRules(tx, { mspId: tenantRow.mspId, tenantId, eventIds: createdIds });
  if (ignored > 0) deps.log?.debug({ tenantId, ignored }, 'events ignored by whitelist rules');
  // Triggers: the deliveries of the new events commit with them (the transactional outbox).
  const deliveries = deps.onEventsCreated ? await deps.onEventsCreated(tx, { mspId: tenantRow.mspId, tenantId, eventIds: createdIds }) : 0;
  if (deliveries > 0) deps.log?.debug({ tenantId, deliveries }, 'trigger deliveries queued');

  deps.log?.debug(
    { tenantId, matches: matches.length, processed: summary.processed, eventsCreated: summary.eventsCreated, eventsUpdated: summary.eventsUpdated },
    'detection batch done',
  );
  return summary;
}

/** The batch's client addresses resolved for the rules that read IP intelligence. */
async function batchIpIntel(deps: DetectionDeps, records: readonly DetectionRecord[], rules: readonly PreparedRule[]): Promise<IpIntelByAddress | undefined> {
  if (!deps.ipIntel) return undefined;
  const addresses = addressesForIpIntel(records, rules);
  return addresses.length > 0 ? resolveIpIntel(deps.ipIntel, addresses) : undefined;
}

/**
 * Reads the facts the batch's records can see, every series and key at once: one statement
 * whatever the number of series (the window index answers each series, key and time range).
 */
async function loadSeries(
  tx: Tx,
  state: StateView,
  tenantId: string,
  spans: ReadonlyMap<SeriesName, { before: number; after: number }>,
  records: readonly DetectionRecord[],
  minT: number,
  maxT: number,
): Promise<void> {
  const wanted: { series: SeriesName; key: string; from: string | null; to: string | null }[] = [];
  for (const [series, span] of spans) {
    const from = minT - span.before;
    const to = maxT + span.after;
    const keys = new Set<string>();
    for (const r of records) for (const k of SERIES[series].keys(r)) keys.add(k);
    for (const key of keys)
      wanted.push({
        series,
        key,
        from: Number.isFinite(from) ? new Date(from).toISOString() : null,
        to: Number.isFinite(to) ? new Date(to).toISOString() : null,
      });
  }
  for (let i = 0; i < wanted.length; i += CHUNK) {
    const rows = (await tx.execute(sql`
      select s.series, s.key, s.item_id, s.at, s.data
      from jsonb_to_recordset(${JSON.stringify(wanted.slice(i, i + CHUNK))}::jsonb) as x(series text, key text, "from" timestamptz, "to" timestamptz)
      join ${detectionState} s on s.tenant_id = ${tenantId}::uuid and s.series = x.series and s.key = x.key
        and (x."from" is null or s.at >= x."from") and (x."to" is null or s.at <= x."to")`)) as unknown as {
      rows: { series: SeriesName; key: string; item_id: string; at: Date | string; data: Record<string, unknown> }[];
    };
    for (const r of rows.rows) state.load(r.series, { key: r.key, id: r.item_id, at: new Date(r.at), data: r.data });
  }
}

/**
 * Stores the batch's new facts (a repeat of a known fact is skipped by its identity) and prunes
 * facts older than their series' retention, relative to the batch's newest record.
 */
async function storeFacts(tx: Tx, tenantId: string, state: StateView, spans: ReadonlyMap<SeriesName, unknown>, maxT: number): Promise<void> {
  for (let i = 0; i < state.added.length; i += CHUNK) {
    const json = JSON.stringify(
      state.added.slice(i, i + CHUNK).map(({ series, observation: o }) => ({ series, key: o.key, item_id: o.id, at: o.at.toISOString(), data: o.data })),
    );
    await tx.execute(sql`
      insert into ${detectionState} (tenant_id, series, key, item_id, at, data)
      select ${tenantId}::uuid, x.series, x.key, x.item_id, x.at, x.data
      from jsonb_to_recordset(${json}::jsonb) as x(series text, key text, item_id text, at timestamptz, data jsonb)
      on conflict do nothing`);
  }
  const prune = [...spans.keys()]
    .filter((series) => Number.isFinite(SERIES[series].retentionMs))
    .map((series) => ({ series, before: new Date(maxT - SERIES[series].retentionMs).toISOString() }));
  if (prune.length > 0) {
    await tx.execute(sql`
      delete from ${detectionState} s
      using jsonb_to_recordset(${JSON.stringify(prune)}::jsonb) as x(series text, before timestamptz)
      where s.tenant_id = ${tenantId}::uuid and s.series = x.series and s.at < x.before`);
  }
}
