import type { Db } from '../../db/client.ts';
import type { UserRole } from '../../db/schema/index.ts';
import type { SecretBox } from '../crypto.ts';

/** Who is acting: a signed-in user, an API token, or Tenantwatch itself (jobs, CLI setup). */
export type Actor =
  { type: 'user'; id: string; role: UserRole } | { type: 'token'; id: string; userId: string; role: UserRole } | { type: 'system'; role: 'owner' };

/**
 * Every service verb takes a context: the MSP it is scoped to, the actor, and the database.
 * Queries filter by `msp` first, so a verb cannot reach another MSP's rows.
 */
export type Ctx = {
  msp: string;
  actor: Actor;
  db: Db;
  secrets: SecretBox;
  requestId?: string;
  ip?: string;
};
