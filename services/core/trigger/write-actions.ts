import { eq } from 'drizzle-orm';
import type { Tx } from '../../../db/client.ts';
import { triggerAction } from '../../../db/schema/index.ts';
import type { SecretBox } from '../../crypto.ts';
import type { CheckedAction } from './trigger-input.ts';

/** Replaces a trigger's actions (in order), sealing each secret part. */
export async function writeActions(tx: Tx, secrets: SecretBox, t: { id: string; mspId: string }, actions: readonly CheckedAction[]): Promise<void> {
  await tx.delete(triggerAction).where(eq(triggerAction.triggerId, t.id));
  if (actions.length === 0) return;
  await tx.insert(triggerAction).values(
    actions.map((a, position) => ({
      triggerId: t.id,
      mspId: t.mspId,
      kind: a.kind,
      config: a.config,
      secretEnc: a.secret ? secrets.seal(a.secret) : null,
      position,
    })),
  );
}
