/**
 * Entity enrichment: the recorded snapshot taken when an event is detected (`enrich`) and the
 * live lookup the event page asks for (`lookupLive`), which also says what changed since.
 *
 * Live lookups are cached briefly (an admin reloading the page should not call Microsoft
 * again) and rate-limited per tenant with a token bucket, so one busy page cannot spend a
 * tenant's Graph or Exchange budget; beyond the limit the answer is `unavailable: rate-limited`.
 * Recorded snapshots are not limited here: the queue stage paces them.
 *
 * Nothing here throws into the caller: every failure, including a bug, is an `unavailable`.
 *
 * @example
 *   const entities = createEntityEnrichment({ graphBaseUrl: 'https://graph.microsoft.com', exchangeBaseUrl: 'https://outlook.office365.com', getToken });
 *   const r = await entities.enrich({ kind: 'user', key: 'megan@contoso.com', tenant: tenantGuid });
 *   const live = await entities.lookupLive(ref, { recorded: r.status === 'recorded' ? r.snapshot : null });
 *   live.changes; // [{ path: 'status', recorded: 'enabled', live: 'disabled' }]
 */
import { enrichApp } from './app.ts';
import { diffSnapshots, type Change } from './diff.ts';
import { createExchangeClient, type ExchangeClient } from '../../services/microsoft/exchange-client.ts';
import { createGraphClient, type GraphClient } from '../../services/microsoft/graph-client.ts';
import { enrichInboxRule } from './inbox-rule.ts';
import { enrichLink } from './link.ts';
import { enrichMailFlowRule } from './mail-flow-rule.ts';
import { USER_PART_PATHS, USER_VOLATILE_PATHS, enrichUser } from './user.ts';
import { unavailable, type EnrichContext, type EnrichmentResult, type EntityKind, type EntityRef, type GetToken, type Snapshot } from './types.ts';

export * from './types.ts';
export { diffSnapshots, type Change } from './diff.ts';
export { inboxRuleKey, parseInboxRuleKey } from './inbox-rule.ts';
export { linkUrlFromAudit, encodeSharingUrl } from './link.ts';
export { GRAPH_PERMISSIONS, ratePermission, type RiskLevel } from '../../services/microsoft/permissions.ts';
export { PRODUCT_NAMES, productName } from './skus.ts';
export type { UserSnapshot } from './user-snapshot.ts';
export type { AppSnapshot } from './app-snapshot.ts';
export type { InboxRuleSnapshot } from './inbox-rule-snapshot.ts';
export type { MailFlowRuleSnapshot } from './mail-flow-rule-snapshot.ts';
export type { LinkSnapshot } from './link-snapshot.ts';
export type { IpSnapshot } from './ip-snapshot.ts';
export { SNAPSHOT_SCHEMAS, type SnapshotOf } from './snapshots.ts';
export { nullableNamed } from './snapshot-parts.ts';

export interface EntityEnrichmentOptions {
  /** `https://graph.microsoft.com` (or the simulator). */
  graphBaseUrl: string;
  /** `https://outlook.office365.com` (or the simulator). */
  exchangeBaseUrl: string;
  getToken: GetToken;
  now?: () => number;
  /** How long a live answer is reused. Default 60 s. */
  liveCacheTtlMs?: number;
  /** Live answers kept at most. Default 1000. */
  liveCacheMaxEntries?: number;
  /** Live lookups per tenant per minute (also the burst). Default 30. */
  liveLookupsPerMinute?: number;
}

export interface LiveLookup {
  result: EnrichmentResult;
  /** What differs from the recorded snapshot (empty without one, or when the live state is unknown). */
  changes: Change[];
  /** When the live state was read (ISO), which for a cached answer is earlier than now. */
  checkedAt: string;
  cached: boolean;
  /** Set when this tenant's live-lookup limit refused the lookup: seconds until one is allowed again. */
  retryAfterSeconds?: number;
}

export interface EntityEnrichment {
  /** The snapshot to record with an event. Never rejects. */
  enrich(ref: EntityRef, context?: EnrichContext): Promise<EnrichmentResult>;
  /** The current state and what changed since `recorded`. Never rejects. */
  lookupLive(ref: EntityRef, options?: { recorded?: Snapshot | null; context?: EnrichContext }): Promise<LiveLookup>;
}

/**
 * Paths never marked as changed: the schema version, the detection's reason (given by the
 * caller, not read), parts that were unreadable, and per kind what moves on its own. A user's
 * last sign-in is among those: it changes with every sign-in, and an admin looking at an event
 * wants to see that the account was disabled or gained a role, not that its owner signed in.
 */
const IGNORED_EVERYWHERE = ['schemaVersion', 'flaggedReason', 'missing'];
const VOLATILE: Record<EntityKind, readonly string[]> = {
  user: USER_VOLATILE_PATHS,
  app: [],
  inbox_rule: [],
  mail_flow_rule: [],
  link: [],
};

const MAX_CLIENTS = 1000;
/** Enrichment runs inline for live lookups: wait out at most this much throttling. */
const MAX_INLINE_WAIT_SECONDS = 2;

export function createEntityEnrichment(options: EntityEnrichmentOptions): EntityEnrichment {
  const now = options.now ?? Date.now;
  const ttl = options.liveCacheTtlMs ?? 60_000;
  const maxEntries = options.liveCacheMaxEntries ?? 1000;
  const perMinute = options.liveLookupsPerMinute ?? 30;
  const graphClients = new Map<string, GraphClient>();
  const exchangeClients = new Map<string, ExchangeClient>();
  const cache = new Map<string, { result: EnrichmentResult; at: number }>();
  const buckets = new Map<string, { tokens: number; at: number }>();

  const bounded = <V>(map: Map<string, V>, key: string, make: () => V): V => {
    let value = map.get(key);
    if (value === undefined) {
      value = make();
      map.set(key, value);
      if (map.size > MAX_CLIENTS) map.delete(map.keys().next().value as string);
    }
    return value;
  };
  const graphFor = (tenant: string): GraphClient =>
    bounded(graphClients, tenant.toLowerCase(), () =>
      createGraphClient({
        baseUrl: options.graphBaseUrl,
        token: ({ fresh }) => options.getToken(tenant, 'graph', { fresh }),
        maxInlineWaitSeconds: MAX_INLINE_WAIT_SECONDS,
        retryDelaySeconds: 0.5,
      }),
    );
  const exchangeFor = (tenant: string): ExchangeClient =>
    bounded(exchangeClients, tenant.toLowerCase(), () =>
      createExchangeClient({ baseUrl: options.exchangeBaseUrl, tenant, token: ({ fresh }) => options.getToken(tenant, 'exchange', { fresh }) }),
    );

  async function enrich(ref: EntityRef, context: EnrichContext = {}): Promise<EnrichmentResult> {
    try {
      switch (ref.kind) {
        case 'user':
          return await enrichUser(graphFor(ref.tenant), ref.key, context);
        case 'app':
          return await enrichApp(graphFor(ref.tenant), ref.key, ref.tenant);
        case 'inbox_rule':
          return await enrichInboxRule(graphFor(ref.tenant), ref.key, context);
        case 'mail_flow_rule':
          return await enrichMailFlowRule(exchangeFor(ref.tenant), ref.key, context);
        case 'link':
          return await enrichLink(graphFor(ref.tenant), ref.key, context);
        default:
          return unavailable('no-data', `Entities of kind ${String((ref as { kind: unknown }).kind)} are not enriched here.`);
      }
    } catch (err) {
      return unavailable('error', `Enrichment failed unexpectedly: ${err instanceof Error ? err.message.slice(0, 200) : String(err)}`);
    }
  }

  /** Token bucket: `perMinute` tokens, refilled continuously. Returns 0 when taken, else the seconds until a token is back. */
  function take(tenant: string): number {
    const t = now();
    const key = tenant.toLowerCase();
    const bucket = buckets.get(key) ?? { tokens: perMinute, at: t };
    bucket.tokens = Math.min(perMinute, bucket.tokens + ((t - bucket.at) / 60_000) * perMinute);
    bucket.at = t;
    buckets.delete(key);
    buckets.set(key, bucket);
    if (buckets.size > MAX_CLIENTS * 10) buckets.delete(buckets.keys().next().value as string);
    if (bucket.tokens < 1) return Math.max(1, Math.ceil(((1 - bucket.tokens) * 60) / perMinute));
    bucket.tokens -= 1;
    return 0;
  }

  async function lookupLive(ref: EntityRef, opts: { recorded?: Snapshot | null; context?: EnrichContext } = {}): Promise<LiveLookup> {
    const context = opts.context ?? {};
    const cacheKey = JSON.stringify([ref.tenant.toLowerCase(), ref.kind, ref.key, context]);
    const t = now();
    const hit = cache.get(cacheKey);
    let result: EnrichmentResult;
    let at: number;
    let cached = false;
    const fresh = hit !== undefined && t - hit.at < ttl;
    const wait = fresh ? 0 : take(ref.tenant);
    if (fresh) {
      ({ result, at } = hit);
      cached = true;
    } else if (wait > 0) {
      return {
        result: unavailable('rate-limited', `Too many live lookups for this tenant (at most ${perMinute} a minute); try again in ${wait} s.`),
        changes: [],
        checkedAt: new Date(t).toISOString(),
        cached: false,
        retryAfterSeconds: wait,
      };
    } else {
      result = await enrich(ref, context);
      at = now();
      // Only answers worth reusing: a transient failure should be retried on the next reload.
      if (result.status === 'recorded' || !result.transient) {
        cache.delete(cacheKey);
        cache.set(cacheKey, { result, at });
        if (cache.size > maxEntries) cache.delete(cache.keys().next().value as string);
      }
    }
    return { result, changes: changesFrom(ref.kind, opts.recorded ?? null, result), checkedAt: new Date(at).toISOString(), cached };
  }

  return { enrich, lookupLive };
}

/**
 * Parts that could not be read on one side (a permission granted since detection, or taken
 * back) are not changes of the entity: their fields are left out of the comparison.
 */
const PART_PATHS: Partial<Record<EntityKind, Readonly<Record<string, readonly string[]>>>> = { user: USER_PART_PATHS };

function unreadable(kind: EntityKind, ...snapshots: Snapshot[]): string[] {
  const parts = snapshots.flatMap((s) =>
    (Array.isArray(s.missing) ? s.missing : []).map((m) => (m && typeof m === 'object' && !Array.isArray(m) && typeof m.part === 'string' ? m.part : null)),
  );
  return parts.flatMap((part) => (part === null ? [] : (PART_PATHS[kind]?.[part] ?? [part])));
}

function changesFrom(kind: EntityKind, recorded: Snapshot | null, live: EnrichmentResult): Change[] {
  if (!recorded) return [];
  try {
    if (live.status === 'recorded')
      return diffSnapshots(recorded, live.snapshot, [...IGNORED_EVERYWHERE, ...VOLATILE[kind], ...unreadable(kind, recorded, live.snapshot)]);
    // Gone since detection: the one change that matters is the status.
    if (live.reason === 'entity-deleted') return [{ path: 'status', recorded: recorded.status ?? null, live: 'deleted' }];
  } catch {
    // A recorded snapshot of an unexpected shape: no changes rather than no answer.
  }
  return [];
}
