import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { psaConnection, type PsaKind } from '../../../db/schema/index.ts';
import { writeAudit } from '../audit/write-audit.ts';
import { authorize } from '../authz.ts';
import type { Ctx } from '../context.ts';
import { findPsaConnection, psaClientFrom, readPsaSettings } from './psa-connection.ts';

export const testPsaConnectionInput = z.object({
  connection: z.record(z.string(), z.unknown()).optional().describe('Settings to try instead of the stored ones (before saving)'),
  credentials: z.record(z.string(), z.unknown()).optional().describe('Keys to try instead of the stored ones'),
});

/**
 * Tries the connection and says in plain words what is wrong: the site, the company id or API
 * user, the keys, or a missing permission. Testing the stored connection records the answer.
 */
export async function testPsaConnection({ ctx, kind, input }: { ctx: Ctx; kind: PsaKind; input: z.input<typeof testPsaConnectionInput> }) {
  authorize(ctx, 'psa.write');
  const body = testPsaConnectionInput.parse(input ?? {});
  const row = await findPsaConnection(ctx.db, ctx.msp, kind);
  const stored = readPsaSettings(row);
  const connection = body.connection ?? stored.connection ?? {};
  const credentials = body.credentials ?? (row?.credentialsEnc ? (JSON.parse(ctx.secrets.open(row.credentialsEnc)) as unknown) : {});
  const result = await psaClientFrom(kind, connection, credentials, { retries: 1, timeoutMs: 15_000 }).testConnection();
  const now = new Date();
  if (row) {
    await ctx.db.transaction(async (tx) => {
      if (!body.connection && !body.credentials)
        await tx.update(psaConnection).set({ lastTestAt: now, lastTestOk: result.ok, lastTestMessage: result.message }).where(eq(psaConnection.id, row.id));
      await writeAudit(
        tx,
        ctx,
        'psa.test-connection',
        { type: 'psa_connection', id: row.id },
        { kind, ok: result.ok, ...(result.ok ? {} : { reason: result.reason }) },
      );
    });
  }
  return { ...result, at: now.toISOString() };
}
