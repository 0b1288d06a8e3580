/**
 * The weekly digest: one email per MSP and one per tenant with events that week, to the MSP's
 * owners: counts by severity, the top detections, the events still open. Written to the outbox
 * as already rendered mail (one row per MSP or tenant and week: the unique key makes a re-run of
 * the job send nothing twice), then sent like any alert.
 */
import { and, count, desc, eq, gte, lt, sql, type SQL } from 'drizzle-orm';
import type { Db, DbOrTx } from '../../db/client.ts';
import { appUser, msp, securityEvent, SEVERITIES, tenant, type Severity } from '../../db/schema/index.ts';
import { insertDeliveries } from './outbox.ts';
import { escapeHtml } from './template.ts';

const WEEK_MS = 7 * 86_400_000;
const TOP_DETECTIONS = 5;

/** A mail rendered when the row is written (a digest has no event to fill placeholders from). */
/** A mail written in full beforehand; `linkText` names its link (the Report unless said). */
export type RenderedPayload = { rendered: { to: string[]; subject: string; text: string; html: string; linkPath: string; linkText?: string } };

/** ISO 8601 week of a date, e.g. `2026-W49`. */
export function isoWeek(date: Date): string {
  const d = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));
  const day = d.getUTCDay() || 7;
  d.setUTCDate(d.getUTCDate() + 4 - day);
  const yearStart = Date.UTC(d.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((d.getTime() - yearStart) / 86_400_000 + 1) / 7);
  return `${d.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}

export type Summary = { bySeverity: Record<Severity, number>; total: number; top: { title: string; count: number }[]; open: number };

/**
 * Counts of the events created in [from, to) within `scope` (a WHERE over security_event that
 * names the MSP): by severity, the top detections, and how many of the scope's events are open now.
 */
export async function summarise(db: DbOrTx, scope: SQL | undefined, from: Date, to: Date): Promise<Summary> {
  const inWeek = and(scope, gte(securityEvent.createdAt, from), lt(securityEvent.createdAt, to));
  const bySeverityRows = await db.select({ severity: securityEvent.severity, n: count() }).from(securityEvent).where(inWeek).groupBy(securityEvent.severity);
  const top = await db
    .select({ title: sql<string>`max(${securityEvent.title})`, count: count() })
    .from(securityEvent)
    .where(inWeek)
    .groupBy(securityEvent.detectionId)
    .orderBy(desc(count()), securityEvent.detectionId)
    .limit(TOP_DETECTIONS);
  const [open] = await db
    .select({ n: count() })
    .from(securityEvent)
    .where(and(scope, eq(securityEvent.status, 'open')));
  const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  for (const r of bySeverityRows) bySeverity[r.severity] = r.n;
  return { bySeverity, total: bySeverityRows.reduce((a, r) => a + r.n, 0), top, open: open?.n ?? 0 };
}

/**
 * The digest mail of one MSP or tenant. Names are escaped: tenant names and custom detection
 * titles are typed by people. `report` names the mail and its period (a scheduled trigger's report).
 */
export function renderDigest(
  title: string,
  week: string,
  s: Summary,
  report: { name: string; period: string } = { name: `Tenantwatch weekly digest ${week}`, period: `week ${week}` },
): { subject: string; text: string; html: string } {
  const severities = [...SEVERITIES].reverse();
  const subject = `${report.name}: ${title}`.replace(/[\r\n]+/g, ' ').slice(0, 900);
  const text = [
    `${title}: ${s.total} new ${s.total === 1 ? 'event' : 'events'} in ${report.period}; ${s.open} open now.`,
    '',
    'By severity:',
    ...severities.map((sev) => `  ${sev}: ${s.bySeverity[sev]}`),
    '',
    'Top detections:',
    ...(s.top.length ? s.top.map((t) => `  ${t.count} × ${t.title}`) : ['  none']),
  ].join('\n');
  const html = `<!doctype html><html><body style="font-family:system-ui,sans-serif;font-size:14px;color:#111827">
<h1 style="font-size:18px">${escapeHtml(title)}: ${escapeHtml(report.period)}</h1>
<p>${s.total} new ${s.total === 1 ? 'event' : 'events'}; ${s.open} open now.</p>
<table style="border-collapse:collapse"><caption style="text-align:left;font-weight:600">By severity</caption>
${severities.map((sev) => `<tr><td style="padding:2px 12px 2px 0">${sev}</td><td>${s.bySeverity[sev]}</td></tr>`).join('\n')}
</table>
<h2 style="font-size:15px">Top detections</h2>
${s.top.length ? `<ol>${s.top.map((t) => `<li>${escapeHtml(t.title)}: ${t.count}</li>`).join('')}</ol>` : '<p>None.</p>'}
</body></html>`;
  return { subject, text, html };
}

/**
 * Writes the week's digests (the seven days before `now`) to the outbox: per MSP, and per tenant
 * that had events. MSPs without an active owner get none. Safe to run again: nothing is written twice.
 * @returns the number of digests written now.
 */
export async function writeWeeklyDigests(db: Db, now: Date = new Date()): Promise<number> {
  const to = now;
  const from = new Date(now.getTime() - WEEK_MS);
  const week = isoWeek(from);
  let written = 0;
  for (const m of await db.select({ id: msp.id, name: msp.name }).from(msp)) {
    const owners = (
      await db
        .select({ email: appUser.email })
        .from(appUser)
        .where(and(eq(appUser.mspId, m.id), eq(appUser.role, 'owner'), eq(appUser.status, 'active')))
    ).map((o) => o.email);
    if (owners.length === 0) continue;
    const scopes: { key: string; title: string; tenantId: string | null }[] = [{ key: 'msp', title: m.name, tenantId: null }];
    const active = await db
      .selectDistinct({ id: tenant.id, name: tenant.name })
      .from(tenant)
      .innerJoin(securityEvent, eq(securityEvent.tenantId, tenant.id))
      .where(and(eq(tenant.mspId, m.id), gte(securityEvent.createdAt, from), lt(securityEvent.createdAt, to)));
    for (const t of active) scopes.push({ key: t.id, title: t.name, tenantId: t.id });
    for (const scope of scopes) {
      const where = and(eq(securityEvent.mspId, m.id), scope.tenantId ? eq(securityEvent.tenantId, scope.tenantId) : undefined);
      const summary = await summarise(db, where, from, to);
      const mail = renderDigest(scope.title, week, summary);
      const payload: RenderedPayload = { rendered: { to: owners, ...mail, linkPath: '/' } };
      written += await db.transaction((tx) =>
        insertDeliveries(tx, [
          { mspId: m.id, kind: 'email', idempotencyKey: `digest:${m.id}:${scope.key}:${week}`, payload: payload as unknown as Record<string, unknown> },
        ]),
      );
    }
  }
  return written;
}
