import { asc, eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from '../../db/client.ts';
import { msp } from '../../db/schema/index.ts';
import type { Config } from '../config.ts';
import type { Ctx } from '../core/context.ts';
import { createSecretBox, resolveSecretKey } from '../crypto.ts';
import { NotFoundError, ValidationError } from '../errors.ts';

/**
 * The CLI acts as the installation itself (system actor) on one MSP: the one given with
 * `--msp`, or the only one there is.
 */
export async function systemCtx(database: Database, config: Config, mspId: string | undefined): Promise<Ctx> {
  const secrets = createSecretBox(resolveSecretKey(config));
  const base = { actor: { type: 'system', role: 'owner' } as const, db: database.db, secrets };
  if (mspId) {
    if (!z.uuid().safeParse(mspId).success) throw new ValidationError(`--msp: expected an MSP id (a UUID), got "${mspId}"`);
    const [found] = await database.db.select({ id: msp.id }).from(msp).where(eq(msp.id, mspId)).limit(1);
    if (!found) throw new NotFoundError(`--msp: no MSP has the id ${mspId}.`);
    return { ...base, msp: found.id };
  }
  const rows = await database.db.select({ id: msp.id, name: msp.name }).from(msp).orderBy(asc(msp.createdAt)).limit(2);
  if (rows.length === 0) {
    throw new ValidationError('No MSP exists yet: finish setup with the link `tenantwatch start` printed, then try again.');
  }
  if (rows.length > 1) throw new ValidationError('Several MSPs exist here: say which with --msp <id>.');
  return { ...base, msp: rows[0]!.id };
}
