/**
 * Custom detections in the engine: an MSP's own expressions, run over each new activity record
 * of its tenants beside the built-ins. Each enabled `custom_detection` row that applies to the
 * tenant (its own, or the MSP's for every tenant) becomes a rule `custom.<id>` whose `match`
 * evaluates the compiled expression over the record in the Event vocabulary
 * (activity-event.ts). The engine then raises, dedups and links its events like any rule's.
 */
import { and, eq, isNull, or } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.ts';
import { customDetection, type CustomDetectionDedup } from '../../db/schema/index.ts';
import type { Logger } from '../log.ts';
import { activityEvent, fieldsMissingOverActivity, type ActivityEvent } from './activity-event.ts';
import type { PreparedRule } from './evaluate.ts';
import { checkFilter, compileToPredicate, parseFilter, type FilterErrorInfo, type FilterableEvent, type ParsedFilter } from '../language/index.ts';
import { ACCOUNT_TAKEOVER, ip, noSettings, user } from './rules/lib/common.ts';
import { defineRule, type DetectionRecord, type EntityRef, type RegisteredRule } from './types.ts';

/** Detection ids of custom detections: `custom.<uuid>` (the `security_event.detection_id` form). */
export const CUSTOM_ID_PREFIX = 'custom.';

export type CustomDetectionRow = typeof customDetection.$inferSelect;

/**
 * Checks an expression for a custom detection: the language's own errors (syntax, unknown
 * fields, types), then fields an activity record does not carry. Every error has its position.
 * @example checkCustomExpression("Event.Severity = 'high'") // { ok: false, errors: [{ code: 'unknown_field', line: 1, column: 1, ... }] }
 */
export function checkCustomExpression(expression: string): { ok: true; filter: ParsedFilter } | { ok: false; errors: FilterErrorInfo[] } {
  const checked = checkFilter(expression);
  if (!checked.ok) return checked;
  const filter = parseFilter(expression);
  const missing = fieldsMissingOverActivity(filter);
  if (missing.length > 0) return { ok: false, errors: missing.map((e) => e.toJSON()) };
  return { ok: true, filter };
}

type Compiled = { updatedAt: number; expression: string; predicate: (event: FilterableEvent) => boolean };

/** Compiled predicates by detection id; an edit changes `updated_at`, which replaces the entry. */
const compiled = new Map<string, Compiled>();
const MAX_CACHED = 10_000;

/** The compiled expression, or why the stored expression is no longer accepted. */
function predicateOf(row: CustomDetectionRow): Compiled['predicate'] | { invalid: string } {
  const cached = compiled.get(row.id);
  if (cached && cached.updatedAt === row.updatedAt.getTime() && cached.expression === row.expression) return cached.predicate;
  const checked = checkCustomExpression(row.expression);
  if (!checked.ok) return { invalid: checked.errors[0]!.message };
  const predicate = compileToPredicate(checked.filter);
  if (compiled.size >= MAX_CACHED) compiled.clear();
  compiled.set(row.id, { updatedAt: row.updatedAt.getTime(), expression: row.expression, predicate });
  return predicate;
}

/** Each record is read into the Event vocabulary once, however many custom detections look at it. */
const events = new WeakMap<DetectionRecord, ActivityEvent>();
function eventOf(record: DetectionRecord, tenantName: string | null): ActivityEvent {
  let event = events.get(record);
  if (!event) events.set(record, (event = activityEvent(record, { name: tenantName })));
  return event;
}

/** The dedup key of a match: repeats with the same key within the window join one event. */
export function customDedupKey(dedupBy: CustomDetectionDedup, event: Pick<ActivityEvent, 'userName' | 'networkAddress'>): string {
  const who = event.userName ?? '(no user)';
  const where = event.networkAddress ?? '(no address)';
  switch (dedupBy) {
    case 'user':
      return who;
    case 'ip':
      return where;
    case 'user+ip':
      return `${who}|${where}`;
    case 'none':
      return '*';
  }
}

/** A custom detection as a rule the engine runs like a built-in one; null when its stored expression is no longer valid. */
export function customRule(row: CustomDetectionRow, tenantName: string | null, log?: Logger): RegisteredRule | null {
  const predicate = predicateOf(row);
  if (typeof predicate !== 'function') {
    log?.warn({ customDetectionId: row.id, reason: predicate.invalid }, 'custom detection skipped: its expression is no longer valid');
    return null;
  }
  return defineRule({
    id: `${CUSTOM_ID_PREFIX}${row.id}`,
    title: row.title,
    severity: row.severity,
    mitre: row.mitre,
    description: row.description,
    howToReact: row.howToReact,
    remediations: { user: ACCOUNT_TAKEOVER },
    dedupMinutes: row.dedupMinutes,
    settings: noSettings,
    on: { operations: 'any' },
    match(record) {
      const event = eventOf(record, tenantName);
      if (!predicate(event)) return null;
      const entities: EntityRef[] = [...(event.userName ? [user(event.userName)] : []), ...(event.networkAddress ? [ip(event.networkAddress)] : [])];
      const [primary = { kind: 'user', key: '' }, ...related] = entities;
      const who = event.userName ?? 'an unknown user';
      const what = `${who}: ${record.operation}${event.operationResult ? ` (${event.operationResult})` : ''}${event.networkAddress ? ` from ${event.networkAddress}` : ''}`;
      return {
        primary,
        related,
        dedupKey: customDedupKey(row.dedupBy, event),
        description: row.description ? `${row.description}\n${what}.` : `${what}.`,
        eventType: event.eventType,
        operationResult: event.operationResult,
        userName: event.userName,
        networkAddress: event.networkAddress,
        clientApp: (event.fields?.clientApp as string | null | undefined) ?? null,
      };
    },
  });
}

/**
 * The enabled custom detections that apply to a tenant, as prepared rules: the tenant's own and
 * the MSP's for every tenant. A stored expression the language no longer accepts is skipped
 * with a warning rather than stopping the batch.
 */
export async function loadCustomRules(db: DbOrTx, tenant: { id: string; mspId: string; name: string | null }, log?: Logger): Promise<PreparedRule[]> {
  const rows = await db
    .select()
    .from(customDetection)
    .where(
      and(
        eq(customDetection.mspId, tenant.mspId),
        eq(customDetection.enabled, true),
        or(isNull(customDetection.tenantId), eq(customDetection.tenantId, tenant.id)),
      ),
    );
  const rules: PreparedRule[] = [];
  for (const row of rows) {
    const rule = customRule(row, tenant.name, log);
    if (rule) rules.push({ rule, settings: {}, severity: undefined });
  }
  return rules;
}
