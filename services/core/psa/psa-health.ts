/**
 * When ticket filing keeps failing, the MSP's emergency contact hears of it once: at once for
 * revoked keys or permissions (nothing will pass until a person acts), after the threshold
 * setting for a PSA that is down or throttling. The email goes through the outbox keyed by the
 * failure's start, so two processes noticing the same failure write one row; a success ends the
 * failure and the next one may email again.
 */
import { and, eq, isNull, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client.ts';
import { appUser, psaConnection } from '../../../db/schema/index.ts';
import type { Logger } from '../../log.ts';
import type { RenderedPayload } from '../../notify/digest.ts';
import { insertDeliveries } from '../../notify/outbox.ts';
import { escapeHtml } from '../../notify/template.ts';
import { PSA_PROVIDERS } from '../../psa/providers.ts';
import type { OperationalSettings } from '../../psa/ticketing.ts';
import type { PsaErrorReason } from '../../psa/types.ts';
import type { PsaConnectionRow } from './psa-connection.ts';

const CREDENTIAL_REASONS: ReadonlySet<PsaErrorReason> = new Set(['wrong-keys', 'wrong-company', 'no-permission', 'unknown-site', 'zone-not-found']);

export async function notePsaSuccess(db: DbOrTx, connectionId: string): Promise<void> {
  await db
    .update(psaConnection)
    .set({ failingSince: null, failureNotifiedAt: null })
    .where(and(eq(psaConnection.id, connectionId), sql`${psaConnection.failingSince} is not null`));
}

/** Records a failed filing and, when the failure has become one a person must hear of, writes the one email. */
export async function notePsaFailure(
  db: DbOrTx,
  input: { connection: PsaConnectionRow; settings: OperationalSettings; reason: PsaErrorReason | undefined; error: string; log: Logger; now?: Date },
): Promise<boolean> {
  const now = input.now ?? new Date();
  const [row] = await db
    .update(psaConnection)
    .set({ failingSince: sql`coalesce(${psaConnection.failingSince}, ${now.toISOString()}::timestamptz)` })
    .where(eq(psaConnection.id, input.connection.id))
    .returning({ failingSince: psaConnection.failingSince, notified: psaConnection.failureNotifiedAt });
  if (!row?.failingSince || row.notified) return false;
  const credentials = !!input.reason && CREDENTIAL_REASONS.has(input.reason);
  const downFor = now.getTime() - row.failingSince.getTime();
  if (!credentials && downFor < input.settings.emergencyAfterSeconds * 1000) return false;

  return db.transaction(async (tx) => {
    // Only the process that sets the mark writes the email.
    const [claimed] = await tx
      .update(psaConnection)
      .set({ failureNotifiedAt: now })
      .where(and(eq(psaConnection.id, input.connection.id), isNull(psaConnection.failureNotifiedAt)))
      .returning({ id: psaConnection.id });
    if (!claimed) return false;
    const to = input.settings.emergencyContacts.length > 0 ? input.settings.emergencyContacts : await owners(tx, input.connection.mspId);
    if (to.length === 0) return false;
    const label = PSA_PROVIDERS[input.connection.kind].label;
    const subject = credentials ? `Tenantwatch cannot file tickets in ${label}: its keys were refused` : `Tenantwatch cannot reach ${label}`;
    const lines = [
      credentials
        ? `${label} refused Tenantwatch's keys or permissions, so alerts are not becoming tickets.`
        : `${label} has not answered since ${row.failingSince!.toISOString()}, so alerts are not becoming tickets.`,
      `Last error: ${input.error}`,
      'The alerts wait in the delivery queue and are filed once the connection works again. Check the connection on the Integrations page.',
    ];
    const payload: RenderedPayload = {
      rendered: {
        to,
        subject,
        text: lines.join('\n\n'),
        html: `<html><body>${lines.map((l) => `<p>${escapeHtml(l)}</p>`).join('')}</body></html>`,
        linkPath: '/integrations',
        linkText: 'Open the Integrations page',
      },
    };
    await insertDeliveries(tx, [
      {
        mspId: input.connection.mspId,
        kind: 'email',
        idempotencyKey: `psa-failing:${input.connection.id}:${row.failingSince!.toISOString()}`,
        payload: payload as unknown as Record<string, unknown>,
      },
    ]);
    input.log.warn(
      { connectionId: input.connection.id, kind: input.connection.kind, error: input.error },
      'PSA keeps failing; the emergency contact is emailed',
    );
    return true;
  });
}

async function owners(db: DbOrTx, mspId: string): Promise<string[]> {
  const rows = await db
    .select({ email: appUser.email })
    .from(appUser)
    .where(and(eq(appUser.mspId, mspId), eq(appUser.role, 'owner'), eq(appUser.status, 'active')));
  return rows.map((r) => r.email);
}
