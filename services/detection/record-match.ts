/**
 * How a rule's match becomes a security event: it joins the event of the same rule and key whose
 * span, widened by the rule's dedup window, covers it (count, last seen, severity, entities), or
 * raises a new one. Runs inside the engine's per-tenant transaction.
 */
import { and, desc, eq, gte, inArray, lte, or, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client.ts';
import { eventActivity, eventEntity, eventOccurrence, securityEvent, SEVERITIES, type EntityKind, type Severity } from '../../db/schema/index.ts';
import type { Match } from './evaluate.ts';
import { MINUTE } from './records.ts';
import type { EntityRef, RemediationAction } from './types.ts';

type EntityRow = { kind: EntityKind; key: string; isPrimary: boolean; remediations: RemediationAction[] };
type WindowEvent = { id: string; severity: Severity; firstSeenAt: Date; lastSeenAt: Date };

/**
 * Records one match. `touched` collects the events created or updated (for enrichment),
 * `createdIds` the new ones (for the whitelist rules).
 */
export async function recordMatch(tx: Tx, mspId: string, m: Match, touched: string[], createdIds: string[]): Promise<'created' | 'updated' | 'unchanged'> {
  const { record, finding } = m;
  const key = finding.dedupKey ?? finding.primary.key;
  const networkAddress = finding.networkAddress !== undefined ? finding.networkAddress : record.clientIp;
  const entities = entityRows(m, networkAddress);

  const existing = await findEventInWindow(tx, m, key);
  if (existing) {
    if (!(await joinEvent(tx, mspId, m, existing, entities))) return 'unchanged';
    if (!touched.includes(existing.id)) touched.push(existing.id);
    return 'updated';
  }
  const eventId = await raiseEvent(tx, mspId, m, key, networkAddress, entities);
  createdIds.push(eventId);
  touched.push(eventId);
  return 'created';
}

/**
 * An event of this rule and key (open, or ignored: repeats of an ignored event stay ignored)
 * whose span, widened by the window, covers this activity. Keys are compared as written; `~`
 * separates a retired event's key from its id (see raiseEvent).
 */
async function findEventInWindow(tx: Tx, { record, rule }: Match, key: string): Promise<WindowEvent | undefined> {
  const at = record.occurredAt;
  const windowMs = rule.dedupMinutes * MINUTE;
  const [existing] = await tx
    .select({ id: securityEvent.id, severity: securityEvent.severity, firstSeenAt: securityEvent.firstSeenAt, lastSeenAt: securityEvent.lastSeenAt })
    .from(securityEvent)
    .where(
      and(
        eq(securityEvent.tenantId, record.tenantId),
        eq(securityEvent.detectionId, rule.id),
        inArray(securityEvent.status, ['open', 'ignored']),
        or(eq(securityEvent.dedupKey, key), sql`starts_with(${securityEvent.dedupKey}, ${`${key}~`})`),
        lte(securityEvent.firstSeenAt, new Date(at.getTime() + windowMs)),
        gte(securityEvent.lastSeenAt, new Date(at.getTime() - windowMs)),
      ),
    )
    .orderBy(desc(securityEvent.lastSeenAt))
    .limit(1);
  return existing;
}

/**
 * A repeat joins the event: its activity is linked, a new occurrence counted, the span and
 * severity widened, new entities added. False when the event already had both (a re-sent record).
 */
async function joinEvent(tx: Tx, mspId: string, m: Match, existing: WindowEvent, entities: EntityRow[]): Promise<boolean> {
  const { record, finding } = m;
  const at = record.occurredAt;
  const occurrence = finding.occurrenceKey ?? record.recordId;
  const linked = await tx
    .insert(eventActivity)
    .values({ eventId: existing.id, activityId: record.activityId })
    .onConflictDoNothing()
    .returning({ id: eventActivity.eventId });
  const counted = await tx
    .insert(eventOccurrence)
    .values({ eventId: existing.id, occurrenceKey: occurrence })
    .onConflictDoNothing()
    .returning({ id: eventOccurrence.eventId });
  if (linked.length === 0 && counted.length === 0) return false;
  const isLatest = at >= existing.lastSeenAt;
  await tx
    .update(securityEvent)
    .set({
      count: sql`${securityEvent.count} + ${counted.length}`,
      firstSeenAt: at < existing.firstSeenAt ? at : existing.firstSeenAt,
      lastSeenAt: isLatest ? at : existing.lastSeenAt,
      severity: maxSeverity(existing.severity, m.severity),
      // The latest finding describes the case best (a spray that grew from 10 to 24 accounts).
      ...(isLatest && counted.length > 0 ? { description: finding.description } : {}),
    })
    .where(eq(securityEvent.id, existing.id));
  if (entities.length > 0) {
    await tx
      .insert(eventEntity)
      .values(entities.map((e) => ({ ...e, isPrimary: false, eventId: existing.id, mspId })))
      .onConflictDoNothing();
  }
  return true;
}

/**
 * A new event. An open event of the same key outside the window stays open for the people
 * working it but stops collecting repeats: its key is retired (suffixed with its id), which
 * keeps the partial unique index (one open event per key) true.
 */
async function raiseEvent(tx: Tx, mspId: string, m: Match, key: string, networkAddress: string | null, entities: EntityRow[]): Promise<string> {
  const { record, rule, finding } = m;
  const at = record.occurredAt;
  const occurrence = finding.occurrenceKey ?? record.recordId;
  await tx
    .update(securityEvent)
    .set({ dedupKey: sql`${securityEvent.dedupKey} || '~' || ${securityEvent.id}::text` })
    .where(
      and(
        eq(securityEvent.tenantId, record.tenantId),
        eq(securityEvent.detectionId, rule.id),
        eq(securityEvent.dedupKey, key),
        eq(securityEvent.status, 'open'),
      ),
    );
  const [created] = await tx
    .insert(securityEvent)
    .values({
      mspId,
      tenantId: record.tenantId,
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
    })
    .returning({ id: securityEvent.id });
  const eventId = created!.id;
  if (entities.length > 0) await tx.insert(eventEntity).values(entities.map((e) => ({ ...e, eventId, mspId })));
  await tx.insert(eventActivity).values({ eventId, activityId: record.activityId });
  await tx.insert(eventOccurrence).values({ eventId, occurrenceKey: occurrence });
  return eventId;
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
