/**
 * Looking up an event's entity for one watched tenant: users, apps, inbox rules, mail flow
 * rules, links and mailboxes through the tenant's own Graph and Exchange access (its tenant
 * row's credentials, through the collector's token provider), IP addresses through IP
 * intelligence. Used by the enrichment stage (`enrich`, the recorded snapshot) and by the event
 * page (`lookupLive`, cached briefly and rate-limited per tenant).
 *
 * Clients, caches and rate limits are kept per tenant row, not per Microsoft tenant id: two MSPs
 * may watch the same Microsoft tenant with different apps and permissions, and one must never be
 * answered with what the other's access could read.
 *
 * @example
 *   const lookup = createEntityLookup({ graphUrl, exchangeUrl, tokens, ipIntel });
 *   const r = await lookup.enrich(tenantRow, { kind: 'user', key: 'megan@contoso.com' });
 */
import type { EntityKind } from '../db/schema/index.ts';
import type { Config } from '../services/config.ts';
import { endpointsFor } from '../services/microsoft/endpoints.ts';
import type { TenantAuth, TokenProvider } from '../services/microsoft/token-provider.ts';
import {
  createEntityEnrichment,
  diffSnapshots,
  unavailable,
  type Change,
  type EnrichContext,
  type EnrichmentResult,
  type EntityEnrichment,
  type EntityRef,
  type Snapshot,
} from './entities/index.ts';
import { IP_VOLATILE_PATHS, ipEntityResult } from './ip-entity.ts';
import { tenant } from '../db/schema/index.ts';
import type { IpIntelService } from './ip/index.ts';

/** What a lookup needs of a tenant row. */
export type LookupTenant = TenantAuth & { id: string };

/** The tenant columns a lookup needs, for `select({ tenant: lookupTenantColumns })`. */
export const lookupTenantColumns = {
  id: tenant.id,
  tenantGuid: tenant.tenantGuid,
  authMode: tenant.authMode,
  clientId: tenant.clientId,
  credentialsEnc: tenant.credentialsEnc,
  isDemo: tenant.isDemo,
};

export interface EntityLookupOptions {
  graphUrl: string;
  exchangeUrl: string;
  /** Per-tenant addresses instead of `graphUrl` and `exchangeUrl` (the demo tenant's simulator). */
  endpoints?: (tenant: LookupTenant) => { graphUrl: string; exchangeUrl: string };
  /** Absent where msal-node does not run: Microsoft entities are then unavailable. */
  tokens?: TokenProvider | undefined;
  ipIntel?: IpIntelService | undefined;
  now?: () => number;
  /** How long a live answer is reused. Default 60 s. */
  liveCacheTtlMs?: number;
  /** Live lookups per tenant per minute (also the burst). Default 30. */
  liveLookupsPerMinute?: number;
}

export interface LiveEntityLookup {
  result: EnrichmentResult;
  changes: Change[];
  checkedAt: string;
  cached: boolean;
  /** Set when the tenant's live-lookup limit refused the lookup. */
  retryAfterSeconds?: number;
}

export interface EntityLookup {
  /** The snapshot to record. Never rejects. */
  enrich(tenant: LookupTenant, entity: { kind: EntityKind; key: string }, context?: EnrichContext): Promise<EnrichmentResult>;
  /** The current state and what changed since `recorded`. Never rejects. */
  lookupLive(
    tenant: LookupTenant,
    entity: { kind: EntityKind; key: string },
    options?: { recorded?: Snapshot | null; context?: EnrichContext },
  ): Promise<LiveEntityLookup>;
}

const MAX_TENANTS = 1000;

export function createEntityLookup(options: EntityLookupOptions): EntityLookup {
  const now = options.now ?? Date.now;
  const perTenant = new Map<string, EntityEnrichment>();

  function enrichmentFor(tenant: LookupTenant): EntityEnrichment {
    // Keyed by the credentials too: new credentials start with new clients.
    const { graphUrl, exchangeUrl } = options.endpoints?.(tenant) ?? options;
    const key = `${tenant.id}|${tenant.authMode}|${tenant.clientId ?? ''}|${tenant.credentialsEnc ?? ''}|${graphUrl}|${exchangeUrl}`;
    let found = perTenant.get(key);
    if (!found) {
      const tokens = options.tokens;
      found = createEntityEnrichment({
        graphBaseUrl: graphUrl,
        exchangeBaseUrl: exchangeUrl,
        getToken: (_tenantGuid, resource, o) =>
          tokens ? tokens.getToken(tenant, resource, o) : Promise.reject(new Error('Microsoft sign-in is not available on this deployment.')),
        now,
        ...(options.liveCacheTtlMs !== undefined ? { liveCacheTtlMs: options.liveCacheTtlMs } : {}),
        ...(options.liveLookupsPerMinute !== undefined ? { liveLookupsPerMinute: options.liveLookupsPerMinute } : {}),
      });
      perTenant.set(key, found);
      if (perTenant.size > MAX_TENANTS) perTenant.delete(perTenant.keys().next().value as string);
    }
    return found;
  }

  /** A mailbox is its owner's (or the shared mailbox's) user object; the key may be an Exchange identity path. */
  function refFor(tenant: LookupTenant, entity: { kind: Exclude<EntityKind, 'ip'>; key: string }): EntityRef {
    if (entity.kind === 'mailbox') return { kind: 'user', key: entity.key.split(/[\\/]/).pop() ?? entity.key, tenant: tenant.tenantGuid };
    return { kind: entity.kind, key: entity.key, tenant: tenant.tenantGuid };
  }

  async function ip(key: string): Promise<EnrichmentResult> {
    if (!options.ipIntel) return unavailable('no-data', 'IP intelligence is not configured on this deployment.');
    try {
      return ipEntityResult(await options.ipIntel.lookup(key));
    } catch (err) {
      return unavailable('error', `IP intelligence failed unexpectedly: ${err instanceof Error ? err.message.slice(0, 200) : String(err)}`);
    }
  }

  return {
    async enrich(tenant, entity, context = {}) {
      if (entity.kind === 'ip') return ip(entity.key);
      return enrichmentFor(tenant).enrich(refFor(tenant, { kind: entity.kind, key: entity.key }), context);
    },
    async lookupLive(tenant, entity, opts = {}) {
      if (entity.kind !== 'ip') return enrichmentFor(tenant).lookupLive(refFor(tenant, { kind: entity.kind, key: entity.key }), opts);
      // IP intelligence caches its own answers and costs no Microsoft budget: not limited here.
      const result = await ip(entity.key);
      const recordedSnapshot = opts.recorded ?? null;
      let changes: Change[] = [];
      try {
        if (recordedSnapshot && result.status === 'recorded') changes = diffSnapshots(recordedSnapshot, result.snapshot, IP_VOLATILE_PATHS);
      } catch {
        // A recorded snapshot of an unexpected shape: no changes rather than no answer.
      }
      return { result, changes, checkedAt: new Date(now()).toISOString(), cached: false };
    },
  };
}

/**
 * The process's entity lookup, from the configuration (the demo tenant's simulator through
 * `endpointsFor`). Built once at start and shared by the enrichment jobs and the event page's
 * live lookups, so both use one set of clients, caches and per-tenant limits.
 */
export function createConfiguredEntityLookup(
  config: Config,
  { tokens, ipIntel }: { tokens?: TokenProvider | undefined; ipIntel?: IpIntelService | undefined },
): EntityLookup {
  return createEntityLookup({
    ...config.microsoft,
    endpoints: (t) => endpointsFor(config, t),
    tokens,
    ipIntel,
    liveLookupsPerMinute: config.liveLookupsPerMinute,
  });
}
