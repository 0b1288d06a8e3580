import { count, desc, sql } from 'drizzle-orm';
import { eventEntity, securityEvent, SEVERITIES, type Severity } from '../../../db/schema/index.ts';
import { ValidationError } from '../../errors.ts';
import { authorize } from '../authz.ts';
import type { Ctx } from '../context.ts';
import { eventFilterInput, eventsWhere, type EventFilterInput } from './event-query.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Without `from`, the charts cover this much time before `to` (or now). */
export const SUMMARY_DEFAULT_RANGE_MS = 30 * DAY;
export const SUMMARY_TOP = { detections: 10, countries: 20 } as const;

export type SummaryBucket = 'hour' | 'day' | 'week';

/** Hours for up to two days, days for up to 400, weeks beyond: a chart keeps a readable number of bars. */
export function bucketFor(rangeMs: number): SummaryBucket {
  return rangeMs <= 2 * DAY ? 'hour' : rangeMs <= 400 * DAY ? 'day' : 'week';
}

/** The start of the bucket holding `ms`, in UTC (weeks start on Monday, as `date_trunc` has them). */
export function bucketStart(ms: number, bucket: SummaryBucket): number {
  if (bucket === 'hour') return Math.floor(ms / HOUR) * HOUR;
  const day = Math.floor(ms / DAY) * DAY;
  if (bucket === 'day') return day;
  const weekday = (new Date(day).getUTCDay() + 6) % 7;
  return day - weekday * DAY;
}

const STEP: Record<SummaryBucket, number> = { hour: HOUR, day: DAY, week: 7 * DAY };

/**
 * The Report page's charts under the current filter: events over time by severity (every bucket
 * of the range, empty ones as zeros), the top detections, and where the events' IP addresses are
 * (the recorded IP intelligence of the event's address, else the country a detection noted).
 * @example await summarizeEvents({ ctx, input: { from: '2026-11-01', to: '2026-11-02' } }) // hourly buckets
 */
export async function summarizeEvents({ ctx, input }: { ctx: Ctx; input: EventFilterInput }) {
  authorize(ctx, 'event.read');
  const data = eventFilterInput.parse(input);
  const now = new Date();
  const to = data.to ?? now;
  const from = data.from ?? new Date(to.getTime() - SUMMARY_DEFAULT_RANGE_MS);
  if (from >= to) throw new ValidationError('`from` must be before `to`.', [{ path: 'from', message: 'after to' }]);
  const bucket = bucketFor(to.getTime() - from.getTime());
  const where = eventsWhere(ctx, { ...data, from, to }, [], now);

  // The unit is one of three fixed words, inlined so GROUP BY sees the same expression as SELECT.
  const bucketExpr = sql<Date>`date_trunc(${sql.raw(`'${bucket}'`)}, ${securityEvent.lastSeenAt}, 'UTC')`;
  const series = await ctx.db
    .select({ at: sql<number>`(extract(epoch from ${bucketExpr}) * 1000)::float8`, severity: securityEvent.severity, n: count() })
    .from(securityEvent)
    .where(where)
    .groupBy(bucketExpr, securityEvent.severity);

  const topDetections = await ctx.db
    .select({ detectionId: securityEvent.detectionId, title: sql<string>`max(${securityEvent.title})`, count: count() })
    .from(securityEvent)
    .where(where)
    .groupBy(securityEvent.detectionId)
    .orderBy(desc(count()), securityEvent.detectionId)
    .limit(SUMMARY_TOP.detections);

  // The event's own address first, then any other IP entity; a detection's noted country last.
  // The IP enricher records the country under `location` (enrichment/ip-entity.ts); a flat
  // `countryCode` is read too.
  const countryExpr = sql<string | null>`coalesce((
      select ${eventEntity.snapshot} #>> '{location,countryCode}' from ${eventEntity}
      where ${eventEntity.eventId} = ${securityEvent.id} and ${eventEntity.kind} = 'ip'
        and jsonb_typeof(${eventEntity.snapshot} #> '{location,countryCode}') = 'string'
      order by (${eventEntity.key} = ${securityEvent.networkAddress}) desc nulls last, ${eventEntity.isPrimary} desc, ${eventEntity.key}
      limit 1
    ), case when jsonb_typeof(${securityEvent.fields} -> 'country') = 'string' then ${securityEvent.fields} ->> 'country' end)`;
  const countries = await ctx.db
    .select({ countryCode: sql<string | null>`upper(${countryExpr})`, count: count() })
    .from(securityEvent)
    .where(where)
    .groupBy(sql`1`)
    .orderBy(desc(count()), sql`1`)
    .limit(SUMMARY_TOP.countries);

  const buckets = new Map<number, Record<Severity, number>>();
  const empty = () => Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  for (let t = bucketStart(from.getTime(), bucket); t < to.getTime(); t += STEP[bucket]) buckets.set(t, empty());
  for (const row of series) {
    const t = Number(row.at);
    const counts = buckets.get(t) ?? buckets.set(t, empty()).get(t)!;
    counts[row.severity] += row.n;
  }
  return {
    from: from.toISOString(),
    to: to.toISOString(),
    bucket,
    overTime: [...buckets.entries()]
      .sort(([a], [b]) => a - b)
      .map(([t, counts]) => ({ at: new Date(t).toISOString(), ...counts, total: SEVERITIES.reduce((n, s) => n + counts[s], 0) })),
    topDetections,
    countries,
  };
}
