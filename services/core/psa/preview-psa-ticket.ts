import { desc, eq } from 'drizzle-orm';
import { z } from 'zod';
import { securityEvent, type PsaKind } from '../../../db/schema/index.ts';
import { NotFoundError, ValidationError } from '../../errors.ts';
import { PSA_PROVIDERS } from '../../psa/providers.ts';
import { checkTicketTemplate, loadTicketEvent, renderTicket, templatesSchema } from '../../psa/ticketing.ts';
import { authorize } from '../authz.ts';
import type { Ctx } from '../context.ts';
import { findPsaConnection, readPsaSettings } from './psa-connection.ts';

export const previewPsaTicketInput = z.object({
  eventId: z.uuid().optional().describe('The event to render; default the newest event of the MSP'),
  templates: z.object({ summary: z.string().max(2000).optional(), description: z.string().max(20_000).optional() }).optional(),
});

/** The summary and description a ticket would get for a real event, with unsaved templates. */
export async function previewPsaTicket({
  ctx,
  kind,
  publicUrl,
  input,
}: {
  ctx: Ctx;
  kind: PsaKind;
  publicUrl: string;
  input: z.input<typeof previewPsaTicketInput>;
}) {
  authorize(ctx, 'psa.read');
  const body = previewPsaTicketInput.parse(input ?? {});
  const stored = readPsaSettings(await findPsaConnection(ctx.db, ctx.msp, kind));
  const templates = templatesSchema.parse({ ...stored.templates, ...body.templates });
  for (const [name, text] of Object.entries(templates)) {
    const check = checkTicketTemplate(text);
    if (!check.ok)
      throw new ValidationError(
        `The ${name} template has a problem: ${check.errors[0]!.message}.`,
        check.errors.map((e) => ({ path: `templates.${name}`, message: e.message, offset: e.position })),
      );
  }
  let eventId = body.eventId;
  if (!eventId) {
    const [newest] = await ctx.db
      .select({ id: securityEvent.id })
      .from(securityEvent)
      .where(eq(securityEvent.mspId, ctx.msp))
      .orderBy(desc(securityEvent.lastSeenAt))
      .limit(1);
    if (!newest) throw new NotFoundError('There is no event yet to preview the templates on.');
    eventId = newest.id;
  }
  const event = await loadTicketEvent(ctx.db, ctx.msp, eventId).catch(() => {
    throw new NotFoundError('Event not found.');
  });
  return { eventId: event.id, eventTitle: event.title, ...renderTicket(templates, event, publicUrl, PSA_PROVIDERS[kind].summaryLimit) };
}
