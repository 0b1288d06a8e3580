/**
 * The triggers every MSP starts with, pre-built and clonable: Tenantwatch's own accounts are
 * watched like any remote-access tool's (sign-in failures, lockouts, password changes, mailed to
 * the MSP's owners), plus ready-made conditions for the detections.
 */
import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.ts';
import { msp, trigger, triggerAction } from '../../db/schema/index.ts';
import { OWNERS_RECIPIENT } from './outbox.ts';

/** The body every security trigger's mail carries: who, from where, when. */
const SECURITY_BODY = ['User Name: {Event.UserName}', 'User Source: {Event.UserSource}', 'IP address: {Event.NetworkAddress}', 'Time: {Event.Time}'].join('\n');

export type DefaultTrigger = {
  key: string;
  name: string;
  condition: string;
  enabled: boolean;
  subject: string;
  body: string;
};

/** Sign-ins to Tenantwatch itself and password changes. */
export const SECURITY_TRIGGERS: readonly DefaultTrigger[] = [
  {
    key: 'security.locked-out',
    name: 'Tenantwatch account locked',
    condition: "Event.EventType = 'LoginAttempt' AND Event.OperationResult = 'LockedOut'",
    enabled: true,
    subject: "{Event.UserName}'s Tenantwatch account was locked after repeated failed sign-ins",
    body: `Too many failed sign-ins: the Tenantwatch account is locked for a while.\n\n${SECURITY_BODY}`,
  },
  {
    key: 'security.invalid-one-time-password',
    name: 'Invalid one-time password for a Tenantwatch account',
    condition: "Event.EventType = 'LoginAttempt' AND Event.OperationResult = 'OneTimePasswordInvalid'",
    enabled: true,
    subject: '{Event.UserName} entered an invalid one-time password for their Tenantwatch account',
    body: `Someone who knows the password entered a wrong two-step verification code.\n\n${SECURITY_BODY}`,
  },
  {
    key: 'security.invalid-password',
    name: 'Invalid password for a Tenantwatch account',
    condition: "Event.EventType = 'LoginAttempt' AND Event.OperationResult = 'PasswordInvalid'",
    enabled: true,
    subject: 'Failed sign-in to the Tenantwatch account of {Event.UserName}: invalid password',
    body: `A sign-in to Tenantwatch failed with an invalid password.\n\n${SECURITY_BODY}`,
  },
  {
    key: 'security.password-changed',
    name: 'Tenantwatch password changed',
    condition: "Event.EventType = 'ChangePasswordAttempt' AND Event.OperationResult = 'Success'",
    enabled: true,
    subject: '{Event.UserName} changed their Tenantwatch password',
    body: `The password of a Tenantwatch account was changed. If this was not them, reset it now.\n\n${SECURITY_BODY}`,
  },
  {
    key: 'security.sign-in-success',
    name: 'Successful sign-in to Tenantwatch',
    condition: "Event.EventType = 'LoginAttempt' AND Event.OperationResult = 'Success'",
    enabled: false,
    subject: '{Event.UserName} successfully logged into their Tenantwatch account',
    body: `A sign-in to Tenantwatch succeeded.\n\n${SECURITY_BODY}`,
  },
];

/** The body of the detection triggers' mails. */
const DETECTION_BODY = [
  '{Event.Title}',
  '',
  '{Event.Description}',
  '',
  'Tenant: {Event.Tenant}',
  'Severity: {Event.Severity}',
  'Detection: {Event.Detection}',
  'User: {Event.UserName}',
  'IP address: {Event.NetworkAddress}',
  'Time: {Event.Time}',
].join('\n');

/** Ready-made detection triggers, off until an admin turns them on (they mail the owners). */
export const DETECTION_TRIGGERS: readonly DefaultTrigger[] = [
  {
    key: 'detection.high-or-critical',
    name: 'Any high or critical event',
    condition: "Event.Severity >= 'high'",
    enabled: false,
    subject: '[{Event.Severity}] {Event.Title} in {Event.Tenant}',
    body: DETECTION_BODY,
  },
  {
    key: 'detection.any-new-event',
    name: 'Any new event in a tenant',
    condition: "Event.Status = 'open'",
    enabled: false,
    subject: 'New event in {Event.Tenant}: {Event.Title}',
    body: DETECTION_BODY,
  },
  {
    key: 'detection.one-detection',
    name: 'One detection: mail forwarded outside the organisation',
    condition: "Event.Detection = 'M365.Exchange.ExternalForwarding'",
    enabled: false,
    subject: '{Event.Title}: {Event.UserName} in {Event.Tenant}',
    body: DETECTION_BODY,
  },
];

/**
 * The conditions the editor's "Ready-made conditions" menu offers (the detection and security
 * triggers' conditions, and a few more).
 */
export const READY_MADE_CONDITIONS: readonly { label: string; condition: string }[] = [
  ...DETECTION_TRIGGERS.map((t) => ({ label: t.name, condition: t.condition })),
  { label: 'A detection in one tenant', condition: "Event.Tenant = 'Contoso' AND Event.Detection = 'M365.AzureAD.NewCountrySignIn'" },
  { label: 'A sign-in from an anonymiser (VPN, Tor, proxy)', condition: 'IP.IsAnonymous' },
  ...SECURITY_TRIGGERS.map((t) => ({ label: t.name, condition: t.condition })),
];

/**
 * Creates the MSP's default triggers that it does not have yet (by key), each with one email
 * action to the owners. Safe to call again and from several processes at once.
 */
export async function ensureDefaultTriggers(tx: DbOrTx, mspId: string): Promise<number> {
  let created = 0;
  for (const d of [...SECURITY_TRIGGERS, ...DETECTION_TRIGGERS]) {
    const [row] = await tx
      .insert(trigger)
      .values({ mspId, name: d.name, condition: d.condition, enabled: d.enabled, builtinKey: d.key })
      .onConflictDoNothing({ target: [trigger.mspId, trigger.builtinKey] })
      .returning({ id: trigger.id });
    if (!row) continue;
    await tx
      .insert(triggerAction)
      .values({ triggerId: row.id, mspId, kind: 'email', position: 0, config: { to: [OWNERS_RECIPIENT], subject: d.subject, html: false, body: d.body } });
    created += 1;
  }
  return created;
}

/** Every MSP of the installation gets its defaults (at start: MSPs made before triggers existed). */
export async function ensureDefaultTriggersForAll(db: DbOrTx): Promise<number> {
  const msps = await db
    .select({ id: msp.id })
    .from(msp)
    .where(sql`not exists (select 1 from ${trigger} t where t.msp_id = ${msp.id} and t.builtin_key is not null)`);
  let created = 0;
  for (const m of msps) created += await ensureDefaultTriggers(db, m.id);
  return created;
}
