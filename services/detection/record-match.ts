/**
 * How a batch's matches become security events: each joins the event of the same rule and key
 * whose span, widened by the rule's dedup window, covers it (count, last seen, severity,
 * entities), or raises a new one. Runs inside the engine's per-tenant transaction.
 *
 * The matches are worked out in memory in the batch's time order, exactly as if they were
 * recorded one by one, against the events the batch can reach (read in one statement); what
 * changed is then written with a handful of set-based statements whatever the number of matches:
 * keys retired, events updated (`UPDATE … FROM jsonb_to_recordset`), events raised, entities,
 * activity links and occurrences inserted (`ON CONFLICT DO NOTHING`).
 */
import { randomUUID } from 'node:crypto';
import { and, inArray, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client.ts';
import { eventActivity, eventEntity, eventOccurrence, securityEvent, SEVERITIES, type EntityKind, type Severity } from '../../db/schema/index.ts';
import type { Match } from './evaluate.ts';
import { MINUTE } from './records.ts';
import type { EntityRef, RemediationAction } from './types.ts';

type EntityRow = { kind: EntityKind; key: string; isPrimary: boolean; remediations: RemediationAction[] };

/** An event the batch can reach, as it stands after the matches recorded so far. */
type WindowEvent = {
  id: string;
  detectionId: string;
  dedupKey: string;
  /** Open (else ignored): only an open event's key is retired. */
  open: boolean;
  severity: Severity;
  firstSeenAt: Date;
  lastSeenAt: Date;
  /** Raised by this batch: its row is inserted at the end. */
  raised: (typeof securityEvent.$inferInsert & { id: string }) | null;
  /** Existing event joined by this batch: occurrences added and the description to take, if any. */
  joined: { added: number; description: string | null } | null;
};

export type RecordedMatches = {
  eventsCreated: number;
  eventsUpdated: number;
  /** Events created or updated, in the order first touched (for enrichment). */
  touched: string[];
  /** The new events (for the whitelist rules and the triggers). */
  createdIds: string[];
};

/** Rows per statement; well under Postgres's 65,535 bind parameters. */
const CHUNK = 1000;

/** Records a batch's matches (one tenant, in the batch's time order). */
export async function recordMatches(tx: Tx, mspId: string, tenantId: string, matches: readonly Match[]): Promise<RecordedMatches> {
  const result: RecordedMatches = { eventsCreated: 0, eventsUpdated: 0, touched: [], createdIds: [] };
  if (matches.length === 0) return result;
  const touched = new Set<string>();
  const keyOf = (m: Match) => m.finding.dedupKey ?? m.finding.primary.key;
  const occurrenceOf = (m: Match) => m.finding.occurrenceKey ?? m.record.recordId;

  const events = await loadReachableEvents(tx, tenantId, matches, keyOf);
  const byKey = new Map<string, WindowEvent[]>();
  const bucket = (detectionId: string, key: string) => {
    const id = `${detectionId}\u0000${key.split('~')[0]}`;
    return byKey.get(id) ?? byKey.set(id, []).get(id)!;
  };
  for (const e of events) bucket(e.detectionId, e.dedupKey).push(e);
  const existingIds = events.map((e) => e.id);
  const linked = await existingPairs(tx, eventActivity, eventActivity.activityId, existingIds, [...new Set(matches.map((m) => m.record.activityId))]);
  const counted = await existingPairs(tx, eventOccurrence, eventOccurrence.occurrenceKey, existingIds, [...new Set(matches.map(occurrenceOf))]);

  const links: (typeof eventActivity.$inferInsert)[] = [];
  const occurrences: (typeof eventOccurrence.$inferInsert)[] = [];
  const entities = new Map<string, typeof eventEntity.$inferInsert>();
  const addEntities = (eventId: string, rows: EntityRow[], primary: boolean) => {
    for (const e of rows) {
      const id = `${eventId}\u0000${e.kind}\u0000${e.key}`;
      if (!entities.has(id)) entities.set(id, { ...e, isPrimary: primary && e.isPrimary, eventId, mspId });
    }
  };
  /** Existing events whose open key a new event of theirs takes over. */
  const retire = new Map<string, { detection_id: string; dedup_key: string }>();

  for (const m of matches) {
    const { record, rule, finding } = m;
    const key = keyOf(m);
    const at = record.occurredAt;
    const networkAddress = finding.networkAddress !== undefined ? finding.networkAddress : record.clientIp;
    const entityList = entityRows(m, networkAddress);
    const occurrence = occurrenceOf(m);
    const candidates = bucket(rule.id, key);

    // An event of this rule and key (open, or ignored: repeats of an ignored event stay ignored)
    // whose span, widened by the window, covers this activity; the latest one. Keys compare as
    // written; `~` separates a retired event's key from its id (see below).
    const windowMs = rule.dedupMinutes * MINUTE;
    let existing: WindowEvent | undefined;
    for (const e of candidates) {
      if (e.dedupKey !== key && !e.dedupKey.startsWith(`${key}~`)) continue;
      if (e.firstSeenAt.getTime() > at.getTime() + windowMs || e.lastSeenAt.getTime() < at.getTime() - windowMs) continue;
      if (!existing || e.lastSeenAt > existing.lastSeenAt) existing = e;
    }

    if (existing) {
      // A repeat joins the event: its activity linked, a new occurrence counted, the span and
      // severity widened, new entities added; nothing when it had both (a re-sent record).
      const linkId = `${existing.id}\u0000${record.activityId}`;
      const occurrenceId = `${existing.id}\u0000${occurrence}`;
      const isLinked = !linked.has(linkId);
      const isCounted = !counted.has(occurrenceId);
      if (!isLinked && !isCounted) continue;
      if (isLinked) {
        linked.add(linkId);
        links.push({ eventId: existing.id, activityId: record.activityId });
      }
      if (isCounted) {
        counted.add(occurrenceId);
        occurrences.push({ eventId: existing.id, occurrenceKey: occurrence });
      }
      const isLatest = at >= existing.lastSeenAt;
      if (at < existing.firstSeenAt) existing.firstSeenAt = at;
      if (isLatest) existing.lastSeenAt = at;
      existing.severity = maxSeverity(existing.severity, m.severity);
      // The latest finding describes the case best (a spray that grew from 10 to 24 accounts).
      const description = isLatest && isCounted ? finding.description : null;
      if (existing.raised) {
        existing.raised.count = (existing.raised.count ?? 1) + (isCounted ? 1 : 0);
        if (description !== null) existing.raised.description = description;
      } else {
        existing.joined ??= { added: 0, description: null };
        existing.joined.added += isCounted ? 1 : 0;
        if (description !== null) existing.joined.description = description;
      }
      addEntities(existing.id, entityList, false);
      touched.add(existing.id);
      result.eventsUpdated += 1;
      continue;
    }

    // A new event. An open event of the same key outside the window stays open for the people
    // working it but stops collecting repeats: its key is retired (suffixed with its id), which
    // keeps the partial unique index (one open event per key) true.
    for (const e of candidates) {
      if (e.dedupKey !== key || !e.open) continue;
      e.dedupKey = `${key}~${e.id}`;
      if (e.raised) e.raised.dedupKey = e.dedupKey;
    }
    // Also those too old to be read above: the statement retires every open one of this key.
    retire.set(`${rule.id}\u0000${key}`, { detection_id: rule.id, dedup_key: key });
    const id = randomUUID();
    const row = {
      id,
      mspId,
      tenantId,
      detectionId: rule.id,
      title: rule.title,
      description: finding.description,
      howToReact: rule.howToReact,
      severity: m.severity,
      mitre: [...rule.mitre],
      eventType: finding.eventType,
      operationResult: finding.operationResult,
      userName: finding.userName !== undefined ? finding.userName : finding.primary.kind === 'user' ? finding.primary.key : record.actorUpn,
      networkAddress,
      workload: record.workload,
      operation: record.operation,
      fields: eventFields(m),
      dedupKey: key,
      count: 1,
      firstSeenAt: at,
      lastSeenAt: at,
    };
    candidates.push({ id, detectionId: rule.id, dedupKey: key, open: true, severity: m.severity, firstSeenAt: at, lastSeenAt: at, raised: row, joined: null });
    addEntities(id, entityList, true);
    links.push({ eventId: id, activityId: record.activityId });
    linked.add(`${id}\u0000${record.activityId}`);
    occurrences.push({ eventId: id, occurrenceKey: occurrence });
    counted.add(`${id}\u0000${occurrence}`);
    result.createdIds.push(id);
    touched.add(id);
    result.eventsCreated += 1;
  }

  const all = [...byKey.values()].flat();
  if (retire.size > 0) {
    await tx.execute(sql`
      update ${securityEvent} e set dedup_key = e.dedup_key || '~' || e.id::text
      from jsonb_to_recordset(${JSON.stringify([...retire.values()])}::jsonb) as x(detection_id text, dedup_key text)
      where e.tenant_id = ${tenantId}::uuid and e.detection_id = x.detection_id and e.dedup_key = x.dedup_key and e.status = 'open'`);
  }
  const updates = all
    .filter((e) => e.joined)
    .map((e) => ({
      id: e.id,
      added: e.joined!.added,
      first_seen_at: e.firstSeenAt.toISOString(),
      last_seen_at: e.lastSeenAt.toISOString(),
      severity: e.severity,
      description: e.joined!.description,
    }));
  if (updates.length > 0) {
    await tx.execute(sql`
      update ${securityEvent} e
      set count = e.count + x.added, first_seen_at = x.first_seen_at, last_seen_at = x.last_seen_at, severity = x.severity::severity,
          description = coalesce(x.description, e.description)
      from jsonb_to_recordset(${JSON.stringify(updates)}::jsonb)
           as x(id uuid, added integer, first_seen_at timestamptz, last_seen_at timestamptz, severity text, description text)
      where e.id = x.id`);
  }
  const raised = all.filter((e) => e.raised).map((e) => ({ ...e.raised!, severity: e.severity, firstSeenAt: e.firstSeenAt, lastSeenAt: e.lastSeenAt }));
  for (let i = 0; i < raised.length; i += CHUNK) await tx.insert(securityEvent).values(raised.slice(i, i + CHUNK));
  const entityRowsToWrite = [...entities.values()];
  for (let i = 0; i < entityRowsToWrite.length; i += CHUNK)
    await tx
      .insert(eventEntity)
      .values(entityRowsToWrite.slice(i, i + CHUNK))
      .onConflictDoNothing();
  for (let i = 0; i < links.length; i += CHUNK)
    await tx
      .insert(eventActivity)
      .values(links.slice(i, i + CHUNK))
      .onConflictDoNothing();
  for (let i = 0; i < occurrences.length; i += CHUNK)
    await tx
      .insert(eventOccurrence)
      .values(occurrences.slice(i, i + CHUNK))
      .onConflictDoNothing();
  result.touched = [...touched];
  return result;
}

/**
 * The open or ignored events of the batch's rules and keys (retired keys included) whose span,
 * widened by the widest dedup window, reaches the batch's time range: every event a match can join.
 */
async function loadReachableEvents(tx: Tx, tenantId: string, matches: readonly Match[], keyOf: (m: Match) => string): Promise<WindowEvent[]> {
  let from = Number.POSITIVE_INFINITY;
  let to = Number.NEGATIVE_INFINITY;
  let windowMs = 0;
  for (const m of matches) {
    from = Math.min(from, m.record.occurredAt.getTime());
    to = Math.max(to, m.record.occurredAt.getTime());
    windowMs = Math.max(windowMs, m.rule.dedupMinutes * MINUTE);
  }
  const rules = [...new Set(matches.map((m) => m.rule.id))];
  const keys = [...new Set(matches.map((m) => keyOf(m).split('~')[0]!))];
  const rows = (await tx.execute(sql`
    select id, detection_id, dedup_key, status, severity, first_seen_at, last_seen_at
    from ${securityEvent}
    where tenant_id = ${tenantId}::uuid and status in ('open', 'ignored')
      and detection_id = any(${sql`array[${sql.join(
        rules.map((r) => sql`${r}`),
        sql`, `,
      )}]::text[]`})
      and split_part(dedup_key, '~', 1) = any(${sql`array[${sql.join(
        keys.map((k) => sql`${k}`),
        sql`, `,
      )}]::text[]`})
      and first_seen_at <= ${new Date(to + windowMs).toISOString()}::timestamptz
      and last_seen_at >= ${new Date(from - windowMs).toISOString()}::timestamptz`)) as unknown as {
    rows: {
      id: string;
      detection_id: string;
      dedup_key: string;
      status: string;
      severity: Severity;
      first_seen_at: Date | string;
      last_seen_at: Date | string;
    }[];
  };
  return rows.rows.map((r) => ({
    id: r.id,
    detectionId: r.detection_id,
    dedupKey: r.dedup_key,
    open: r.status === 'open',
    severity: r.severity,
    firstSeenAt: new Date(r.first_seen_at),
    lastSeenAt: new Date(r.last_seen_at),
    raised: null,
    joined: null,
  }));
}

/** Which of these (event, activity) links or (event, occurrence) pairs exist, as `event\0value`. */
async function existingPairs(
  tx: Tx,
  table: typeof eventActivity | typeof eventOccurrence,
  column: typeof eventActivity.activityId | typeof eventOccurrence.occurrenceKey,
  eventIds: readonly string[],
  values: readonly string[],
): Promise<Set<string>> {
  const found = new Set<string>();
  for (let i = 0; i < eventIds.length && values.length > 0; i += CHUNK) {
    for (let j = 0; j < values.length; j += CHUNK) {
      const rows = await tx
        .select({ eventId: table.eventId, value: column })
        .from(table)
        .where(and(inArray(table.eventId, eventIds.slice(i, i + CHUNK)), inArray(column, values.slice(j, j + CHUNK))));
      for (const r of rows) found.add(`${r.eventId}\u0000${r.value}`);
    }
  }
  return found;
}

/** The event's extra fields: the finding's, over the record's user agent and target; empty ones left out. */
function eventFields({ record, finding }: Match): Record<string, unknown> {
  const fields: Record<string, unknown> = {
    userSource: 'EntraID',
    userAgent: finding.userAgent !== undefined ? finding.userAgent : record.userAgent,
    clientApp: finding.clientApp ?? null,
    target: finding.target !== undefined ? finding.target : record.target,
    ...finding.fields,
  };
  for (const [k, v] of Object.entries(fields)) if (v === null || v === undefined) delete fields[k];
  return fields;
}

/** The event's entities: the primary first; the first entity of each other kind is that kind's default target. */
function entityRows(m: Match, networkAddress: string | null): EntityRow[] {
  const { rule, finding } = m;
  const rows: EntityRow[] = [];
  const seen = new Set<string>();
  const kinds = new Set<EntityKind>();
  const add = (ref: EntityRef, primary: boolean) => {
    const id = `${ref.kind}\u0000${ref.key}`;
    if (!ref.key || seen.has(id)) return;
    seen.add(id);
    rows.push({
      kind: ref.kind,
      key: ref.key,
      isPrimary: primary || !kinds.has(ref.kind),
      remediations: [...(ref.remediations ?? rule.remediations[ref.kind] ?? [])],
    });
    kinds.add(ref.kind);
  };
  add(finding.primary, true);
  for (const ref of finding.related ?? []) add(ref, false);
  if (networkAddress && !kinds.has('ip')) add({ kind: 'ip', key: networkAddress }, false);
  return rows;
}

function maxSeverity(a: Severity, b: Severity): Severity {
  return SEVERITIES.indexOf(a) >= SEVERITIES.indexOf(b) ? a : b;
}
