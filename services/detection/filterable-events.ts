import { eq, getTableColumns, inArray } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.ts';
import { eventEntity, securityEvent, tenant } from '../../db/schema/index.ts';
import { ENTITY_PREFIXES, type EntitySnapshot, type FilterableEvent, type FilterEntityKind } from '../language/fields.ts';

const LANGUAGE_KINDS: ReadonlySet<string> = new Set(Object.values(ENTITY_PREFIXES));

export type LoadedEvent = typeof securityEvent.$inferSelect & FilterableEvent & { tenantName: string };

/**
 * Events as the JS predicate reads them, with exactly what the SQL compiler reads: the
 * `security_event` row, the tenant's name, and the user, app and IP entities with their snapshots.
 */
export async function loadFilterableEvents(db: DbOrTx, ids: readonly string[]): Promise<LoadedEvent[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .select({ event: getTableColumns(securityEvent), tenantName: tenant.name })
    .from(securityEvent)
    .innerJoin(tenant, eq(tenant.id, securityEvent.tenantId))
    .where(inArray(securityEvent.id, [...ids]));
  const entities = await db
    .select({ eventId: eventEntity.eventId, kind: eventEntity.kind, key: eventEntity.key, snapshot: eventEntity.snapshot })
    .from(eventEntity)
    .where(inArray(eventEntity.eventId, [...ids]));
  const byEvent = new Map<string, Partial<Record<FilterEntityKind, EntitySnapshot[]>>>();
  for (const e of entities) {
    if (!LANGUAGE_KINDS.has(e.kind)) continue;
    const kinds = byEvent.get(e.eventId) ?? byEvent.set(e.eventId, {}).get(e.eventId)!;
    (kinds[e.kind as FilterEntityKind] ??= []).push({ key: e.key, snapshot: e.snapshot });
  }
  return rows.map((r) => ({ ...r.event, tenantName: r.tenantName, entities: byEvent.get(r.event.id) ?? {} }));
}
