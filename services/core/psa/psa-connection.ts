/**
 * Shared by the PSA verbs: the stored connection of one kind, its settings split into the
 * provider's connection settings, the ticket templates and the operational settings, and a
 * client built from them (credentials opened from their sealed envelope only here).
 */
import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import type { DbOrTx } from '../../../db/client.ts';
import { PSA_KINDS, psaConnection, type PsaKind } from '../../../db/schema/index.ts';
import { NotFoundError, ValidationError } from '../../errors.ts';
import { PSA_PROVIDERS } from '../../psa/providers.ts';
import { operationalSettingsSchema, templatesSchema, type OperationalSettings, type TicketTemplates } from '../../psa/ticketing.ts';
import type { ClientOptions, PsaClient } from '../../psa/types.ts';
import type { Ctx } from '../context.ts';

export const psaKindParam = z.enum(PSA_KINDS);
export type PsaConnectionRow = typeof psaConnection.$inferSelect;

export type StoredPsaSettings = { connection: Record<string, unknown> | null; templates: TicketTemplates; operations: OperationalSettings };

export function readPsaSettings(row: Pick<PsaConnectionRow, 'settings'> | undefined): StoredPsaSettings {
  const s = (row?.settings ?? {}) as { connection?: Record<string, unknown>; templates?: unknown; operations?: unknown };
  const templates = templatesSchema.safeParse(s.templates ?? {});
  const operations = operationalSettingsSchema.safeParse(s.operations ?? {});
  return {
    connection: s.connection ?? null,
    templates: templates.success ? templates.data : templatesSchema.parse({}),
    operations: operations.success ? operations.data : operationalSettingsSchema.parse({}),
  };
}

export async function findPsaConnection(db: DbOrTx, mspId: string, kind: PsaKind): Promise<PsaConnectionRow | undefined> {
  const [row] = await db
    .select()
    .from(psaConnection)
    .where(and(eq(psaConnection.mspId, mspId), eq(psaConnection.kind, kind)))
    .limit(1);
  return row;
}

export async function requirePsaConnection(db: DbOrTx, mspId: string, kind: PsaKind): Promise<PsaConnectionRow> {
  const row = await findPsaConnection(db, mspId, kind);
  if (!row || !readPsaSettings(row).connection || !row.credentialsEnc)
    throw new NotFoundError(`${PSA_PROVIDERS[kind].label} is not connected yet: save its connection settings first.`);
  return row;
}

/** A client from settings and credentials; a wrong shape is a 400 naming the field. */
export function psaClientFrom(kind: PsaKind, connection: unknown, credentials: unknown, options?: ClientOptions): PsaClient {
  const provider = PSA_PROVIDERS[kind];
  const s = provider.settingsSchema.safeParse(connection);
  if (!s.success)
    throw new ValidationError(
      `The ${provider.label} settings are not complete.`,
      s.error.issues.map((i) => ({ path: `connection.${i.path.join('.')}`, message: i.message })),
    );
  const c = provider.credentialsSchema.safeParse(credentials);
  if (!c.success)
    throw new ValidationError(
      `The ${provider.label} keys are not complete.`,
      c.error.issues.map((i) => ({ path: `credentials.${i.path.join('.')}`, message: i.message })),
    );
  return provider.connect(s.data, c.data, options);
}

export function storedPsaClient(ctx: Pick<Ctx, 'secrets'>, row: PsaConnectionRow, options?: ClientOptions): PsaClient {
  const credentials = JSON.parse(ctx.secrets.open(row.credentialsEnc!)) as unknown;
  return psaClientFrom(row.kind, readPsaSettings(row).connection, credentials, options);
}
