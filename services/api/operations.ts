import { sql } from 'drizzle-orm';
import type { Database } from '../../db/client.ts';

/**
 * What the operations endpoints report about the whole installation (every MSP, every worker
 * process sharing the database): collectors, queues, deliveries, PSA tickets, remediation actions
 * and enrichment. Each family is one query, run when /metrics or /healthz asks and kept for
 * `ttlMs`, so scrapes and health probes cost at most one query per family per interval, however
 * often they come.
 */
export type OperationsReader = {
  collectors(): Promise<CollectorState[]>;
  /** Null where the queue's tables do not exist (a Worker deployment before any Node worker ran). */
  queues(): Promise<QueueState[] | null>;
  deliveries(): Promise<DeliveryCount[]>;
  /** Deliveries waiting for a retry after a failed attempt, per channel, with the newest error. */
  retrying(): Promise<RetryingDeliveries[]>;
  psaTickets(): Promise<PsaTicketCount[]>;
  remediations(): Promise<RemediationCount[]>;
  enrichment(): Promise<EnrichmentCount[]>;
};

export type CollectorState = {
  tenantId: string;
  tenantName: string;
  source: string;
  /** Seconds since the end of the newest window fully collected (how old the freshest complete data is); null before the first. */
  dataLagSeconds: number | null;
  /** Seconds since the last successful collection; null before the first. */
  sinceSuccessSeconds: number | null;
  consecutiveFailures: number;
  lastError: string | null;
};

export type QueueState = {
  queue: string;
  /** Jobs waiting (created or to be retried), due or not. */
  waiting: number;
  /** Seconds the oldest due job has waited past its start time; 0 when none is due. */
  oldestDueSeconds: number;
};

export type DeliveryCount = { channel: string; status: string; count: number };
export type RetryingDeliveries = { channel: string; count: number; lastError: string | null };
export type PsaTicketCount = { psa: string; state: 'open' | 'closed'; count: number };
export type RemediationCount = { action: string; status: string; count: number };
export type EnrichmentCount = { kind: string; status: 'pending' | 'unavailable'; count: number };

export const OPERATIONS_TTL_MS = 5_000;

export function createOperationsReader(database: Database, options: { ttlMs?: number } = {}): OperationsReader {
  const ttl = options.ttlMs ?? OPERATIONS_TTL_MS;
  // database.db is read per query: on Workers it is the current request's connection.
  const rows = async <T>(query: ReturnType<typeof sql>): Promise<T[]> => ((await database.db.execute(query)) as unknown as { rows: T[] }).rows;
  const cached = <T>(read: () => Promise<T>) => {
    let entry: { at: number; value: Promise<T> } | undefined;
    return () => {
      const now = Date.now();
      if (!entry || now - entry.at >= ttl) {
        const value = read();
        entry = { at: now, value };
        // A failed read is not kept: the next call asks again.
        value.catch(() => {
          if (entry?.value === value) entry = undefined;
        });
      }
      return entry.value;
    };
  };
  const num = (v: unknown) => Number(v ?? 0);
  const orNull = (v: unknown) => (v === null || v === undefined ? null : Number(v));

  return {
    collectors: cached(async () =>
      (
        await rows<Record<string, unknown>>(sql`
          select c.tenant_id, t.name, c.source::text as source,
                 extract(epoch from now() - c.window_end) as data_lag,
                 extract(epoch from now() - c.last_success_at) as since_success,
                 c.consecutive_failures, c.last_error
          from collector_checkpoint c join tenant t on t.id = c.tenant_id
          where t.status <> 'disabled'`)
      ).map((r) => ({
        tenantId: String(r.tenant_id),
        tenantName: String(r.name),
        source: String(r.source),
        dataLagSeconds: orNull(r.data_lag),
        sinceSuccessSeconds: orNull(r.since_success),
        consecutiveFailures: num(r.consecutive_failures),
        lastError: (r.last_error as string | null) ?? null,
      })),
    ),
    queues: cached(async () => {
      const [present] = await rows<{ present: boolean }>(sql`select to_regclass('pgboss.job') is not null as present`);
      if (!present?.present) return null;
      // Reads pg-boss's index of waiting jobs (name, start_after where state < active) only.
      return (
        await rows<Record<string, unknown>>(sql`
          select q.name, count(j.name) as waiting,
                 coalesce(extract(epoch from now() - min(j.start_after) filter (where j.start_after <= now())), 0) as oldest_due
          from pgboss.queue q left join pgboss.job j on j.name = q.name and j.state < 'active'
          group by q.name`)
      ).map((r) => ({ queue: String(r.name), waiting: num(r.waiting), oldestDueSeconds: Math.max(0, num(r.oldest_due)) }));
    }),
    deliveries: cached(async () =>
      (
        await rows<Record<string, unknown>>(
          sql`select kind::text as channel, status::text as status, count(*) as n from delivery where not is_test group by 1, 2`,
        )
      ).map((r) => ({ channel: String(r.channel), status: String(r.status), count: num(r.n) })),
    ),
    retrying: cached(async () =>
      // The outbox's due index (status pending or failed) holds these rows.
      (
        await rows<Record<string, unknown>>(sql`
          select kind::text as channel, count(*) as n, (array_agg(last_error order by next_attempt_at desc))[1] as last_error
          from delivery where status = 'failed' group by 1`)
      ).map((r) => ({ channel: String(r.channel), count: num(r.n), lastError: (r.last_error as string | null) ?? null })),
    ),
    psaTickets: cached(async () =>
      (
        await rows<Record<string, unknown>>(sql`
          select coalesce(t.kind, c.kind)::text as psa, t.closed, count(*) as n
          from psa_ticket t join psa_connection c on c.id = t.connection_id
          where not t.is_test group by 1, 2`)
      ).map((r) => ({ psa: String(r.psa), state: r.closed ? ('closed' as const) : ('open' as const), count: num(r.n) })),
    ),
    remediations: cached(async () =>
      (await rows<Record<string, unknown>>(sql`select action, status::text as status, count(*) as n from remediation_request group by 1, 2`)).map((r) => ({
        action: String(r.action),
        status: String(r.status),
        count: num(r.n),
      })),
    ),
    enrichment: cached(async () =>
      // Reads the partial index of entities without a snapshot only, never the recorded ones.
      (
        await rows<Record<string, unknown>>(
          sql`select kind::text as kind, snapshot_status::text as status, count(*) as n from event_entity where snapshot_status <> 'recorded' group by 1, 2`,
        )
      ).map((r) => ({ kind: String(r.kind), status: r.status === 'pending' ? ('pending' as const) : ('unavailable' as const), count: num(r.n) })),
    ),
  };
}
