/**
 * The outbox sender: takes due `delivery` rows and sends them, with retries and a dead letter.
 *
 * - Claimed with `FOR UPDATE SKIP LOCKED` and moved to `sending` with a lease in one statement, so
 *   two senders (processes) never take the same row. The result is written only if the row is
 *   still the claim this sender made (`attempts` fences a row taken back after a lease ran out).
 * - A process that dies mid-send leaves its rows `sending`: on PGlite the next start (the only
 *   process on the data dir) takes them back at once, on Postgres another sender does when the
 *   lease ends. They are sent again with the same idempotency key (the mail's Message-ID, the web
 *   request's Idempotency-Key), so a receiver can tell a repeat. Nothing claimed is ever dropped.
 * - Woken by Postgres NOTIFY when a transaction writes the outbox (outbox.ts), not by polling, so
 *   a new event's mail leaves within milliseconds of the commit; a timer covers retries.
 */
import { and, asc, eq, inArray, lt, sql } from 'drizzle-orm';
import type { Database } from '../../db/client.ts';
import { delivery, triggerAction } from '../../db/schema/index.ts';
import type { Config } from '../config.ts';
import type { SecretBox } from '../crypto.ts';
import type { Logger } from '../log.ts';
import { dispatch, type Channels } from './dispatch.ts';
import { OUTBOX_CHANNEL } from './outbox.ts';
import type { DeliveryOutcome } from './channels/types.ts';

export type DeliveryRow = typeof delivery.$inferSelect;

export type SenderDeps = {
  database: Database;
  config: Pick<Config, 'notify' | 'publicUrl'>;
  log: Logger;
  secrets: SecretBox;
  channels: Channels;
};

export type Sender = {
  /** Look for due deliveries now (the NOTIFY does this; tests and the API's "Send test" may too). */
  wake(): void;
  /** Resolves when nothing due is left and no send is in flight (tests, the benchmark). */
  idle(): Promise<void>;
  stop(): Promise<void>;
};

/** Longest wait between retries. */
const MAX_BACKOFF_SECONDS = 86_400;
/** With nothing due, look again after this long anyway (a NOTIFY lost with a dropped connection). */
const IDLE_RECHECK_MS = 30_000;

/**
 * The delay before attempt `attempts + 1`: doubling from `base` seconds, at most a day, with
 * jitter (between half and all of it) so deliveries that failed together do not retry together.
 */
export function backoffSeconds(attempts: number, base: number, random: () => number = Math.random): number {
  const full = Math.min(MAX_BACKOFF_SECONDS, base * 2 ** Math.max(0, attempts - 1));
  return full * (0.5 + random() * 0.5);
}

/**
 * Starts the sender in this process.
 * @example const sender = await startSender({ database, config, log, secrets, channels }); … await sender.stop();
 */
export async function startSender(deps: SenderDeps): Promise<Sender> {
  const { database, config, log } = deps;
  const db = database.db;
  let running = true;
  let again = false;
  let cycle: Promise<void> | null = null;
  let timer: NodeJS.Timeout | null = null;
  const inFlight = new Set<Promise<void>>();
  const idleWaiters: (() => void)[] = [];

  // PGlite: this process holds the data dir alone, so a row still `sending` was left by a crash.
  const taken = await releaseStale(db, database.kind === 'pglite');
  if (taken > 0) log.warn({ deliveries: taken }, 'deliveries left mid-send by a stopped process are sent again');

  const run = async () => {
    do {
      again = false;
      if (database.kind === 'postgres') await releaseStale(db, false);
      for (;;) {
        if (!running) return;
        const free = config.notify.concurrency - inFlight.size;
        if (free <= 0) {
          await Promise.race(inFlight);
          continue;
        }
        const rows = await claim(db, free, config.notify.leaseSeconds);
        const group = rows.length < free ? await claimGroup(db, config.notify.leaseSeconds) : [];
        if (rows.length === 0 && group.length === 0) break;
        for (const batch of [...rows.map((r) => [r]), ...(group.length > 0 ? [group] : [])]) {
          const p = sendOne(deps, batch).finally(() => inFlight.delete(p));
          inFlight.add(p);
        }
      }
      await Promise.all(inFlight);
    } while (again && running);
    await scheduleNext();
  };

  const scheduleNext = async () => {
    if (!running) return;
    const [next] = await db
      .select({ at: delivery.nextAttemptAt })
      .from(delivery)
      .where(inArray(delivery.status, ['pending', 'failed']))
      .orderBy(asc(delivery.nextAttemptAt))
      .limit(1);
    const wait = next ? Math.max(0, Math.min(IDLE_RECHECK_MS, next.at.getTime() - Date.now())) : IDLE_RECHECK_MS;
    if (timer) clearTimeout(timer);
    timer = setTimeout(wake, wait + 5);
    timer.unref();
    if (!next || next.at.getTime() > Date.now()) idleWaiters.splice(0).forEach((w) => w());
  };

  const wake = () => {
    if (!running) return;
    if (cycle) {
      again = true;
      return;
    }
    cycle = run()
      .catch((err: unknown) => {
        log.error({ err }, 'outbox sender cycle failed; trying again shortly');
        if (running) {
          if (timer) clearTimeout(timer);
          timer = setTimeout(wake, 2000);
          timer.unref();
        }
      })
      .finally(() => {
        cycle = null;
        if (again && running) wake();
      });
  };

  const unlisten = await database.listen(OUTBOX_CHANNEL, wake);
  wake();

  return {
    wake,
    idle() {
      return new Promise<void>((resolve) => {
        idleWaiters.push(resolve);
        wake();
      });
    },
    async stop() {
      running = false;
      if (timer) clearTimeout(timer);
      await unlisten().catch(() => {});
      await cycle;
      await Promise.all(inFlight);
      idleWaiters.splice(0).forEach((w) => w());
    },
  };
}

const claimed = (leaseSeconds: number) => ({
  status: 'sending' as const,
  attempts: sql`${delivery.attempts} + 1`,
  leaseUntil: sql`now() + make_interval(secs => ${leaseSeconds})`,
});

/** Takes due rows sent one per event: `sending`, one more attempt, a lease. */
async function claim(db: Database['db'], limit: number, leaseSeconds: number): Promise<DeliveryRow[]> {
  const due = sql`select id from ${delivery} where status in ('pending', 'failed') and gather_key is null and next_attempt_at <= now()
    order by next_attempt_at limit ${limit} for update skip locked`;
  return db
    .update(delivery)
    .set(claimed(leaseSeconds))
    .where(sql`${delivery.id} in (${due})`)
    .returning();
}

/** Takes one gathered window whose time has come: every waiting row of it, sent as one message. */
async function claimGroup(db: Database['db'], leaseSeconds: number): Promise<DeliveryRow[]> {
  const key = sql`(select gather_key from ${delivery} where status in ('pending', 'failed') and gather_key is not null and next_attempt_at <= now()
    order by next_attempt_at limit 1 for update skip locked)`;
  const rows = await db
    .update(delivery)
    .set(claimed(leaseSeconds))
    .where(and(sql`${delivery.gatherKey} = ${key}`, inArray(delivery.status, ['pending', 'failed'])))
    .returning();
  return rows.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
}

/**
 * Rows left `sending` by a sender that stopped: all of them (PGlite, at start) or those whose
 * lease has run out (Postgres). They go back to the queue, due now.
 */
export async function releaseStale(db: Database['db'], all: boolean): Promise<number> {
  const rows = await db
    .update(delivery)
    .set({
      status: 'failed',
      nextAttemptAt: new Date(),
      leaseUntil: null,
      lastError: sql`coalesce(${delivery.lastError}, 'the process sending it stopped before it finished')`,
    })
    .where(and(eq(delivery.status, 'sending'), all ? undefined : lt(delivery.leaseUntil, new Date())))
    .returning({ id: delivery.id });
  return rows.length;
}

/** Sends one row, or a gathered window's rows as one message, and records the outcome on each. */
async function sendOne(deps: SenderDeps, rows: DeliveryRow[]): Promise<void> {
  const { database, config, log, secrets } = deps;
  const row = rows[0]!;
  let outcome: DeliveryOutcome;
  try {
    const secretEnc = row.triggerActionId
      ? ((await database.db.select({ s: triggerAction.secretEnc }).from(triggerAction).where(eq(triggerAction.id, row.triggerActionId)).limit(1))[0]?.s ?? null)
      : null;
    outcome = await dispatch(deps.channels, rows, {
      publicUrl: config.publicUrl,
      secret: secretEnc ? secrets.open(secretEnc) : null,
      ...(row.gatherKey ? { idempotencyKey: `gather:${row.gatherKey}` } : {}),
    });
  } catch (err) {
    outcome = { ok: false, retryable: true, error: err instanceof Error ? err.message : String(err) };
  }
  const now = new Date();
  // Each row is written only if it is still this sender's claim.
  const fenced = (r: DeliveryRow) => and(eq(delivery.id, r.id), eq(delivery.status, 'sending'), eq(delivery.attempts, r.attempts));
  if (outcome.ok) {
    const response = (outcome.detail ?? (outcome.status ? `HTTP ${outcome.status}` : 'accepted')).slice(0, 500);
    for (const r of rows) await database.db.update(delivery).set({ status: 'delivered', deliveredAt: now, leaseUntil: null, response }).where(fenced(r));
    log.debug({ deliveries: rows.length, kind: row.kind }, 'delivered');
    return;
  }
  const dead = !outcome.retryable || row.attempts >= config.notify.maxAttempts;
  const delay = Math.max(backoffSeconds(row.attempts, config.notify.retrySeconds), outcome.retryAfterSeconds ?? 0);
  const lastError = `${outcome.status ? `${outcome.status}: ` : ''}${outcome.error}`.slice(0, 1000);
  const nextAttemptAt = dead ? now : new Date(now.getTime() + delay * 1000);
  for (const r of rows)
    await database.db
      .update(delivery)
      .set({ status: dead ? 'dead' : 'failed', leaseUntil: null, lastError, nextAttemptAt })
      .where(fenced(r));
  log[dead ? 'warn' : 'info'](
    { deliveries: rows.length, kind: row.kind, attempts: row.attempts, error: lastError },
    dead ? 'delivery failed for good' : 'delivery failed; will retry',
  );
}
