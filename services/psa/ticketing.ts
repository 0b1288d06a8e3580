/**
 * How alerts become tickets without flooding the board: the operational settings MSPs know
 * from existing ticketing add-ons, and the decision for one alert given the tickets already
 * filed (create, update with a note, reopen, gather for consolidation, or fold into the
 * tenant's flood ticket), then its execution against a PSA client.
 *
 * "Similar alerts" are alerts with the same tenant, detection and primary entity (the event's
 * dedup key: the user, rule, app or link the detection is about).
 *
 * Intervals are measured as follows: UpdateInterval from the ticket's creation; the
 * consolidation interval from the last time Tenantwatch wrote to the ticket; the flood interval
 * and the correlation interval backwards from the alert. The flood limit counts the tickets
 * opened for one tenant (a PSA ticket belongs to one company). Callers run one alert of a
 * connection at a time (the delivery queue does), so two similar alerts never race to create.
 */
import { and, desc, eq, gte, inArray, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { DbOrTx } from '../../db/client.ts';
import { psaTicket, securityEvent, tenant } from '../../db/schema/index.ts';
import { eventLookup, isTemplateField } from '../notify/event-lookup.ts';
import { checkTemplate, renderTemplate } from '../notify/template.ts';
import { cutToLimit, PsaError, type PsaClient, type PsaKind, type PsaRouting } from './types.ts';

export const operationalSettingsSchema = z.object({
  ticketFloodLimit: z.number().int().min(1).max(10_000).default(10),
  ticketFloodInterval: z
    .number()
    .int()
    .min(60)
    .max(30 * 86_400)
    .default(3600),
  consolidationInterval: z.number().int().min(0).max(86_400).default(900),
  updateTicketOnRepetitiveAlerts: z.boolean().default(true),
  updateInterval: z
    .number()
    .int()
    .min(60)
    .max(365 * 86_400)
    .default(86_400),
  reopenTicketOnRepetitiveAlerts: z.boolean().default(true),
  /** Status names that count as closed for reopening; empty = the PSA's own closed flag (closed, resolved, cancelled, complete). */
  reopenClosedStatuses: z.array(z.string().min(1)).default([]),
  /** Status id a reopened ticket gets; empty = the tenant's routing status, else the PSA's default. */
  reopenStatusId: z.string().default(''),
  enableTicketCorrelation: z.boolean().default(true),
  correlationInterval: z
    .number()
    .int()
    .min(60)
    .max(365 * 86_400)
    .default(2_592_000),
  displayOnlyFirstActivityRecord: z.boolean().default(true),
  ignoreUploadAttachmentError: z.boolean().default(false),
  /** When the ticket is read back closed, resolve its events in Tenantwatch. */
  resolveEventOnTicketClose: z.boolean().default(false),
  /** Who is emailed when filing tickets keeps failing; empty = the MSP's owners. */
  emergencyContacts: z.array(z.email()).max(20).default([]),
  /** How long (seconds) the PSA may be unreachable before the emergency contact is emailed. */
  emergencyAfterSeconds: z
    .number()
    .int()
    .min(60)
    .max(7 * 86_400)
    .default(3600),
});
export type OperationalSettings = z.infer<typeof operationalSettingsSchema>;
export const DEFAULT_OPERATIONAL_SETTINGS: OperationalSettings = operationalSettingsSchema.parse({});

/** What each setting does, in the words shown beside it on the Integrations page. */
export const OPERATIONAL_SETTING_HELP: Record<keyof OperationalSettings, string> = {
  ticketFloodLimit: 'Past this many new tickets for one tenant within the flood interval, every further new alert goes into one flood ticket.',
  ticketFloodInterval: 'The window (seconds) the flood limit counts tickets in.',
  consolidationInterval:
    'Similar alerts arriving within this many seconds of the last update are gathered and written to the ticket together once it has passed.',
  updateTicketOnRepetitiveAlerts:
    'A similar alert (same tenant, detection and primary entity) adds a note to the existing ticket instead of opening a new one.',
  updateInterval: 'How long (seconds from its creation) a ticket takes similar alerts; after it a similar alert opens a new ticket.',
  reopenTicketOnRepetitiveAlerts: 'A similar alert within the update interval reopens a closed, resolved or cancelled ticket instead of opening a new one.',
  reopenClosedStatuses: "Status names treated as closed for reopening; empty means the PSA's own closed statuses.",
  reopenStatusId: 'The status a reopened ticket gets; empty means the routing status of the tenant.',
  enableTicketCorrelation:
    'A new ticket lists the earlier tickets for the same alert type in the same tenant: "Previous incident for the same alert type: Id: …".',
  correlationInterval: 'How far back (seconds) earlier tickets are looked for.',
  displayOnlyFirstActivityRecord: 'Only the first alert is written in full; later similar alerts go in as file attachments with a one-line note.',
  ignoreUploadAttachmentError:
    'If an attachment fails, set it aside (kept with its error on the ticket record) instead of failing the whole update (which is then retried).',
  resolveEventOnTicketClose: 'When the ticket is closed in the PSA, resolve its events in Tenantwatch.',
  emergencyContacts:
    "Who gets one email when ticket filing keeps failing (keys revoked, or the PSA down longer than the threshold); empty means the MSP's owners.",
  emergencyAfterSeconds: 'How long (seconds) the PSA may be unreachable before the emergency contact is emailed; revoked keys are reported at once.',
};

export const DEFAULT_SUMMARY_TEMPLATE = '[Tenantwatch] {Event.Title}';
export const DEFAULT_DESCRIPTION_TEMPLATE = [
  'Who: {Event.UserName}',
  'Action: {Event.Operation}',
  'Object type: {Event.EventType}',
  'What: {Event.Target}',
  'When: {Event.Time}',
  'Where: {Event.NetworkAddress}',
  'Workstation: {Event.ClientApp} {Event.UserAgent}',
  'Details: {Event.Description}',
  'Data source: {Event.Workload}',
  'Tenant: {Event.Tenant}',
  '',
  'View event: {Event.Link}',
  'Ignore event: {Event.IgnoreLink}',
].join('\n');

export const templatesSchema = z.object({
  summary: z.string().min(1).max(2000).default(DEFAULT_SUMMARY_TEMPLATE),
  description: z.string().min(1).max(20_000).default(DEFAULT_DESCRIPTION_TEMPLATE),
});
export type TicketTemplates = z.infer<typeof templatesSchema>;

/** Placeholders only tickets have: links back into Tenantwatch. */
const LINK_FIELDS = ['Event.Link', 'Event.IgnoreLink'] as const;
export const isTicketTemplateField = (name: string) => isTemplateField(name) || LINK_FIELDS.some((f) => f.toLowerCase() === name.toLowerCase());
export const checkTicketTemplate = (template: string) => checkTemplate(template, isTicketTemplateField);

export type TicketEvent = typeof securityEvent.$inferSelect & { tenantName: string };

export function eventLinks(publicUrl: string, eventId: string) {
  const view = `${publicUrl}/events/${encodeURIComponent(eventId)}`;
  return { view, ignore: `${view}#ignore` };
}

/** Renders the summary (cut to the PSA's limit) and description of a ticket for one event. */
export function renderTicket(
  templates: TicketTemplates,
  event: TicketEvent,
  publicUrl: string,
  summaryLimit: number,
): { summary: string; description: string } {
  const links = eventLinks(publicUrl, event.id);
  const base = eventLookup(event);
  const lookup = (field: string) => {
    const f = field.toLowerCase();
    if (f === 'event.link') return links.view;
    if (f === 'event.ignorelink') return links.ignore;
    return base(field);
  };
  return {
    summary: cutToLimit(renderTemplate(templates.summary, lookup, 'header'), summaryLimit),
    description: renderTemplate(templates.description, lookup, 'text'),
  };
}

export const similarityKey = (e: Pick<TicketEvent, 'tenantId' | 'detectionId' | 'dedupKey'>) => `${e.tenantId}|${e.detectionId}|${e.dedupKey}`;

export type TicketRow = typeof psaTicket.$inferSelect;

export type TicketDecision =
  | { action: 'create'; correlated: TicketRow[] }
  | { action: 'update'; ticket: TicketRow }
  | { action: 'reopen'; ticket: TicketRow }
  | { action: 'consolidate'; ticket: TicketRow }
  | { action: 'flood'; ticket: TicketRow | undefined; openedInInterval: number };

const seconds = (s: number) => s * 1000;

function isClosedForReopen(t: TicketRow, settings: OperationalSettings): boolean {
  if (settings.reopenClosedStatuses.length === 0) return t.closed;
  return settings.reopenClosedStatuses.some((s) => s.toLowerCase() === (t.status ?? '').toLowerCase());
}

/**
 * The decision for one alert, read from the tickets this connection filed. Pure apart from the
 * reads: nothing is written.
 */
export async function decideTicketAction(
  db: DbOrTx,
  input: { connectionId: string; settings: OperationalSettings; event: Pick<TicketEvent, 'id' | 'tenantId' | 'detectionId' | 'dedupKey'>; now: Date },
): Promise<TicketDecision> {
  const { connectionId, settings, event, now } = input;
  const at = now.getTime();
  const key = similarityKey(event);
  const [similar] = await db
    .select()
    .from(psaTicket)
    .where(and(eq(psaTicket.connectionId, connectionId), eq(psaTicket.similarityKey, key), eq(psaTicket.isFlood, false)))
    .orderBy(desc(psaTicket.createdAt))
    .limit(1);
  if (similar && settings.updateTicketOnRepetitiveAlerts && at - similar.createdAt.getTime() <= seconds(settings.updateInterval)) {
    if (isClosedForReopen(similar, settings) || similar.closed) {
      if (settings.reopenTicketOnRepetitiveAlerts && isClosedForReopen(similar, settings)) return { action: 'reopen', ticket: similar };
    } else if (settings.consolidationInterval > 0 && at - similar.lastWrittenAt.getTime() < seconds(settings.consolidationInterval)) {
      return { action: 'consolidate', ticket: similar };
    } else {
      return { action: 'update', ticket: similar };
    }
  }

  const floodSince = new Date(at - seconds(settings.ticketFloodInterval));
  const [{ opened } = { opened: 0 }] = await db
    .select({ opened: sql<number>`count(*)::int` })
    .from(psaTicket)
    .where(
      and(
        eq(psaTicket.connectionId, connectionId),
        eq(psaTicket.tenantId, event.tenantId),
        eq(psaTicket.isFlood, false),
        eq(psaTicket.isTest, false),
        gte(psaTicket.createdAt, floodSince),
      ),
    );
  if (opened >= settings.ticketFloodLimit) {
    const [flood] = await db
      .select()
      .from(psaTicket)
      .where(
        and(
          eq(psaTicket.connectionId, connectionId),
          eq(psaTicket.tenantId, event.tenantId),
          eq(psaTicket.isFlood, true),
          eq(psaTicket.closed, false),
          gte(psaTicket.createdAt, floodSince),
        ),
      )
      .orderBy(desc(psaTicket.createdAt))
      .limit(1);
    return { action: 'flood', ticket: flood, openedInInterval: opened };
  }

  const correlated = settings.enableTicketCorrelation
    ? await db
        .select()
        .from(psaTicket)
        .where(
          and(
            eq(psaTicket.connectionId, connectionId),
            eq(psaTicket.tenantId, event.tenantId),
            eq(psaTicket.detectionId, event.detectionId),
            eq(psaTicket.isFlood, false),
            gte(psaTicket.createdAt, new Date(at - seconds(settings.correlationInterval))),
          ),
        )
        .orderBy(psaTicket.createdAt)
    : [];
  return { action: 'create', correlated };
}

export interface FileAlertInput {
  db: DbOrTx;
  client: PsaClient;
  connection: { id: string; mspId: string; kind: PsaKind };
  settings: OperationalSettings;
  templates: TicketTemplates;
  summaryLimit: number;
  publicUrl: string;
  /** The tenant's PSA company and routing. */
  mapping: { companyId: string; routing: PsaRouting };
  eventId: string;
  now?: Date;
  /** Called with attachments set aside (IgnoreUploadAttachmentError). */
  onAttachmentSetAside?: (info: { ticketId: string; fileName: string; error: string }) => void;
}

export type FileAlertResult = { action: TicketDecision['action']; ticket: TicketRow };

export async function loadTicketEvent(db: DbOrTx, mspId: string, eventId: string): Promise<TicketEvent> {
  const [row] = await db
    .select({ event: securityEvent, tenantName: tenant.name })
    .from(securityEvent)
    .innerJoin(tenant, eq(tenant.id, securityEvent.tenantId))
    .where(and(eq(securityEvent.id, eventId), eq(securityEvent.mspId, mspId)));
  if (!row) throw new PsaError('not-found', `Event ${eventId} is not there any more.`);
  return { ...row.event, tenantName: row.tenantName };
}

const oneLine = (e: TicketEvent) => `${e.title} — ${e.userName ?? e.dedupKey} at ${e.lastSeenAt.toISOString()}`;

/**
 * Files one alert: decides, talks to the PSA, records the ticket. An error thrown here leaves
 * the database as it was before the alert (the PSA may hold a ticket already: the caller looks
 * it up by the idempotency key `tw:<eventId>` before trying again).
 */
export async function fileAlert(input: FileAlertInput): Promise<FileAlertResult> {
  const { db, client, connection, settings, now = new Date() } = input;
  const event = await loadTicketEvent(db, connection.mspId, input.eventId);
  const decision = await decideTicketAction(db, { connectionId: connection.id, settings, event, now });
  const rendered = renderTicket(input.templates, event, input.publicUrl, input.summaryLimit);

  const attach = async (ticket: TicketRow, fileName: string, text: string): Promise<TicketRow['failedAttachments'] | undefined> => {
    try {
      await client.attachFile(ticket.externalId!, { fileName, contentType: 'text/plain', content: Buffer.from(text, 'utf8') });
      return undefined;
    } catch (e) {
      if (!settings.ignoreUploadAttachmentError || !(e instanceof PsaError)) throw e;
      input.onAttachmentSetAside?.({ ticketId: ticket.externalId!, fileName, error: e.message });
      return [...ticket.failedAttachments, { fileName, eventId: event.id, error: e.message, at: now.toISOString() }];
    }
  };
  /** Writes a later alert to an existing ticket: a full note, or a one-line note plus the record as an attachment. */
  const writeLater = async (ticket: TicketRow, events: TicketEvent[], heading: string) => {
    let failed: TicketRow['failedAttachments'] | undefined;
    if (settings.displayOnlyFirstActivityRecord) {
      for (const e of events) {
        const r = renderTicket(input.templates, e, input.publicUrl, input.summaryLimit);
        failed =
          (await attach({ ...ticket, failedAttachments: failed ?? ticket.failedAttachments }, `activity-${e.id}.txt`, `${r.summary}\n\n${r.description}`)) ??
          failed;
      }
      await client.addNote(
        ticket.externalId!,
        `${heading}\n${events.map((e) => `- ${oneLine(e)} (${eventLinks(input.publicUrl, e.id).view})`).join('\n')}\nThe activity records are attached.`,
      );
    } else {
      await client.addNote(
        ticket.externalId!,
        `${heading}\n\n${events.map((e) => renderTicket(input.templates, e, input.publicUrl, input.summaryLimit).description).join('\n\n---\n\n')}`,
      );
    }
    return failed;
  };

  switch (decision.action) {
    case 'consolidate': {
      const [ticket] = await db
        .update(psaTicket)
        .set({
          pendingEventIds: sql`array_append(${psaTicket.pendingEventIds}, ${event.id}::uuid)`,
          eventIds: sql`array_append(${psaTicket.eventIds}, ${event.id}::uuid)`,
          updatedAt: now,
        })
        .where(eq(psaTicket.id, decision.ticket.id))
        .returning();
      return { action: 'consolidate', ticket: ticket! };
    }
    case 'update':
    case 'reopen': {
      const ticket = decision.ticket;
      const pending = ticket.pendingEventIds.length ? await loadEvents(db, connection.mspId, ticket.pendingEventIds) : [];
      let state: Awaited<ReturnType<PsaClient['setStatus']>> | undefined;
      if (decision.action === 'reopen') {
        const statusId = settings.reopenStatusId || input.mapping.routing.statuses || (await defaultOpenStatus(client, input.mapping.routing));
        state = await client.setStatus(ticket.externalId!, statusId);
      }
      const failed = await writeLater(
        ticket,
        [...pending, event],
        decision.action === 'reopen' ? 'Reopened by Tenantwatch: a similar alert arrived.' : 'Another similar alert:',
      );
      const [row] = await db
        .update(psaTicket)
        .set({
          eventIds: sql`array_append(${psaTicket.eventIds}, ${event.id}::uuid)`,
          pendingEventIds: [],
          lastWrittenAt: now,
          updatedAt: now,
          ...(failed ? { failedAttachments: failed } : {}),
          ...(state ? { status: state.status, statusId: state.statusId, closed: state.closed, statusReadAt: now } : {}),
        })
        .where(eq(psaTicket.id, ticket.id))
        .returning();
      return { action: decision.action, ticket: row! };
    }
    case 'flood': {
      if (decision.ticket) {
        const failed = await writeLater(decision.ticket, [event], 'Another alert during the ticket flood:');
        const [row] = await db
          .update(psaTicket)
          .set({
            eventIds: sql`array_append(${psaTicket.eventIds}, ${event.id}::uuid)`,
            lastWrittenAt: now,
            updatedAt: now,
            ...(failed ? { failedAttachments: failed } : {}),
          })
          .where(eq(psaTicket.id, decision.ticket.id))
          .returning();
        return { action: 'flood', ticket: row! };
      }
      const description = [
        `More than ${settings.ticketFloodLimit} tickets were opened for ${event.tenantName} within ${Math.round(settings.ticketFloodInterval / 60)} minutes. Further alerts for this tenant are gathered in this ticket until the flood interval has passed.`,
        '',
        'First alert of the flood:',
        rendered.description,
      ].join('\n');
      const ref = await client.createTicket({
        companyId: input.mapping.companyId,
        summary: `[Tenantwatch] Ticket flood: ${event.tenantName}`,
        description,
        routing: input.mapping.routing,
        externalRef: `tw:flood:${event.id}`,
      });
      return { action: 'flood', ticket: await recordNewTicket(db, input, ref, event, { isFlood: true, similarity: null, now }) };
    }
    case 'create': {
      const previous = decision.correlated.filter((t) => t.number);
      const description = previous.length
        ? `${rendered.description}\n\nPrevious incident for the same alert type: ${previous.map((t) => `Id: ${t.number}`).join(', ')}`
        : rendered.description;
      const ref = await client.createTicket({
        companyId: input.mapping.companyId,
        summary: rendered.summary,
        description,
        routing: input.mapping.routing,
        externalRef: `tw:${event.id}`,
      });
      return { action: 'create', ticket: await recordNewTicket(db, input, ref, event, { isFlood: false, similarity: similarityKey(event), now }) };
    }
  }
}

async function defaultOpenStatus(client: PsaClient, routing: PsaRouting): Promise<string> {
  const statuses = await client.list('statuses', routing.boards ? { parent: routing.boards } : {});
  const open = statuses.find((s) => s.isDefault && !s.closed) ?? statuses.find((s) => !s.closed);
  if (!open) throw new PsaError('invalid', 'The PSA has no open status to reopen the ticket with; choose one in the operational settings.');
  return open.id;
}

async function loadEvents(db: DbOrTx, mspId: string, ids: string[]): Promise<TicketEvent[]> {
  const rows = await db
    .select({ event: securityEvent, tenantName: tenant.name })
    .from(securityEvent)
    .innerJoin(tenant, eq(tenant.id, securityEvent.tenantId))
    .where(and(eq(securityEvent.mspId, mspId), inArray(securityEvent.id, ids)));
  const byId = new Map(rows.map((r) => [r.event.id, { ...r.event, tenantName: r.tenantName }]));
  return ids.map((id) => byId.get(id)).filter((e): e is TicketEvent => !!e);
}

async function recordNewTicket(
  db: DbOrTx,
  input: FileAlertInput,
  ref: { id: string; number: string; url: string },
  event: TicketEvent,
  opts: { isFlood: boolean; similarity: string | null; now: Date },
): Promise<TicketRow> {
  const [row] = await db
    .insert(psaTicket)
    .values({
      mspId: input.connection.mspId,
      connectionId: input.connection.id,
      kind: input.connection.kind,
      eventId: event.id,
      tenantId: event.tenantId,
      detectionId: opts.isFlood ? null : event.detectionId,
      externalId: ref.id,
      number: ref.number,
      url: ref.url,
      similarityKey: opts.similarity,
      isFlood: opts.isFlood,
      eventIds: [event.id],
      lastWrittenAt: opts.now,
      createdAt: opts.now,
      updatedAt: opts.now,
    })
    .returning();
  return row!;
}

/**
 * Writes the alerts gathered during the consolidation interval to their tickets once it has
 * passed: one note (or attachments) per ticket. Run by the PSA job.
 */
export async function flushConsolidated(input: Omit<FileAlertInput, 'eventId' | 'mapping'> & { now?: Date }): Promise<number> {
  const { db, client, connection, settings, now = new Date() } = input;
  const due = await db
    .select()
    .from(psaTicket)
    .where(
      and(
        eq(psaTicket.connectionId, connection.id),
        sql`cardinality(${psaTicket.pendingEventIds}) > 0`,
        sql`${psaTicket.lastWrittenAt} <= ${new Date(now.getTime() - seconds(settings.consolidationInterval)).toISOString()}::timestamptz`,
      ),
    );
  for (const ticket of due) {
    const events = await loadEvents(db, connection.mspId, ticket.pendingEventIds);
    let failed: TicketRow['failedAttachments'] | undefined;
    if (settings.displayOnlyFirstActivityRecord) {
      for (const e of events) {
        const r = renderTicket(input.templates, e, input.publicUrl, input.summaryLimit);
        try {
          await client.attachFile(ticket.externalId!, {
            fileName: `activity-${e.id}.txt`,
            contentType: 'text/plain',
            content: Buffer.from(`${r.summary}\n\n${r.description}`),
          });
        } catch (err) {
          if (!settings.ignoreUploadAttachmentError || !(err instanceof PsaError)) throw err;
          failed = [...(failed ?? ticket.failedAttachments), { fileName: `activity-${e.id}.txt`, eventId: e.id, error: err.message, at: now.toISOString() }];
        }
      }
      await client.addNote(
        ticket.externalId!,
        `${events.length} similar alert(s) gathered:\n${events.map((e) => `- ${oneLine(e)} (${eventLinks(input.publicUrl, e.id).view})`).join('\n')}`,
      );
    } else {
      await client.addNote(
        ticket.externalId!,
        `${events.length} similar alert(s) gathered:\n\n${events.map((e) => renderTicket(input.templates, e, input.publicUrl, input.summaryLimit).description).join('\n\n---\n\n')}`,
      );
    }
    await db
      .update(psaTicket)
      .set({ pendingEventIds: [], lastWrittenAt: now, updatedAt: now, ...(failed ? { failedAttachments: failed } : {}) })
      .where(eq(psaTicket.id, ticket.id));
  }
  return due.length;
}
