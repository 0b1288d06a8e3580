import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { psaTenantMapping, psaTicket, type PsaKind } from '../../../db/schema/index.ts';
import { ValidationError } from '../../errors.ts';
import { PSA_PROVIDERS } from '../../psa/providers.ts';
import { writeAudit } from '../audit/write-audit.ts';
import { authorize } from '../authz.ts';
import type { Ctx } from '../context.ts';
import { toAppError } from './list-psa-options.ts';
import { requirePsaConnection, storedPsaClient } from './psa-connection.ts';

export const TEST_TICKET_SUMMARY = '[Tenantwatch] Test Alert';
export const TEST_ATTACHMENT_NAME = 'TestAttachment.txt';

export const createTestTicketInput = z.object({
  tenantId: z.uuid().optional().describe('Whose mapped company gets the ticket; default the first mapped tenant'),
});

/**
 * Files "[Tenantwatch] Test Alert" with the routing of a mapped tenant and attaches
 * TestAttachment.txt, so an MSP sees on its own board what a real ticket will look like.
 */
export async function createTestTicket({ ctx, kind, input }: { ctx: Ctx; kind: PsaKind; input: z.input<typeof createTestTicketInput> }) {
  authorize(ctx, 'psa.write');
  const { tenantId } = createTestTicketInput.parse(input ?? {});
  const row = await requirePsaConnection(ctx.db, ctx.msp, kind);
  const [mapping] = await ctx.db
    .select()
    .from(psaTenantMapping)
    .where(and(eq(psaTenantMapping.connectionId, row.id), eq(psaTenantMapping.mspId, ctx.msp), ...(tenantId ? [eq(psaTenantMapping.tenantId, tenantId)] : [])))
    .orderBy(psaTenantMapping.confirmedAt)
    .limit(1);
  if (!mapping)
    throw new ValidationError(
      tenantId ? 'That tenant is not mapped to a PSA company yet.' : 'Map a tenant to a PSA company first: the test ticket goes to its company.',
      [{ path: 'tenantId', message: 'no mapping' }],
    );
  const client = storedPsaClient(ctx, row, { retries: 1 });
  const now = new Date();
  const description = [
    `This ticket tests the integration between Tenantwatch and ${PSA_PROVIDERS[kind].label}.`,
    `It was created on ${now.toISOString()} with the routing of the company ${mapping.companyName}, and carries a sample attachment (${TEST_ATTACHMENT_NAME}).`,
    'Real alerts arrive the same way, with a "View event" link back to the event in Tenantwatch. You can close this ticket.',
  ].join('\n');
  let ref;
  let attachmentError: string | null = null;
  try {
    ref = await client.createTicket({ companyId: mapping.companyId, summary: TEST_TICKET_SUMMARY, description, routing: mapping.routing });
    try {
      await client.attachFile(ref.id, {
        fileName: TEST_ATTACHMENT_NAME,
        contentType: 'text/plain',
        content: Buffer.from(`Sample attachment from Tenantwatch, ${now.toISOString()}.\n`, 'utf8'),
      });
    } catch (e) {
      attachmentError = e instanceof Error ? e.message : String(e);
    }
  } catch (e) {
    throw toAppError(e);
  }
  const [ticket] = await ctx.db.transaction(async (tx) => {
    const rows = await tx
      .insert(psaTicket)
      .values({
        mspId: ctx.msp,
        connectionId: row.id,
        kind,
        tenantId: mapping.tenantId,
        externalId: ref.id,
        number: ref.number,
        url: ref.url,
        isTest: true,
        failedAttachments: attachmentError ? [{ fileName: TEST_ATTACHMENT_NAME, eventId: null, error: attachmentError, at: now.toISOString() }] : [],
      })
      .returning();
    await writeAudit(
      tx,
      ctx,
      'psa.test-ticket',
      { type: 'psa_connection', id: row.id },
      { kind, ticket: ref.number, attachment: attachmentError ? 'failed' : 'attached' },
    );
    return rows;
  });
  return {
    id: ticket!.id,
    number: ref.number,
    url: ref.url,
    summary: TEST_TICKET_SUMMARY,
    attachment: attachmentError ? { ok: false, message: attachmentError } : { ok: true, message: `${TEST_ATTACHMENT_NAME} attached` },
  };
}
