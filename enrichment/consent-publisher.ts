/**
 * Consent events judged again once the app is known. The audit record of a consent names the
 * app and the permissions, not whether Microsoft verified its publisher; the app enricher
 * records that (`verification` in the app snapshot). An app from an unverified publisher that
 * was granted mail, file or directory access is the classic illicit consent grant, so when the
 * enrichment stage records the app of such an event:
 *
 * - unverified publisher: the event says so (a sentence added to its description,
 *   `fields.publisherVerified = false` with the publisher's declared name) and its severity is
 *   raised to at least `high`, whatever the MSP set for the detection;
 * - verified publisher or a Microsoft app: `fields.publisherVerified = true`, nothing else changes;
 * - app not recorded (deleted, permission missing): nothing is claimed either way.
 *
 * Each event is judged once: the update only applies while `fields.publisherVerified` is unset.
 */
import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { SEVERITIES, securityEvent, type Severity } from '../db/schema/index.ts';
import type { JsonObject } from './entities/types.ts';

/** Detections whose primary entity is the consented app. */
export const CONSENT_DETECTIONS: ReadonlySet<string> = new Set(['M365.AzureAD.RiskyAppConsent']);

/** The sentence added to an escalated event's description. */
export const UNVERIFIED_PUBLISHER_REASON = "The app's publisher is not verified by Microsoft.";

export interface ConsentEvent {
  id: string;
  detectionId: string;
  severity: Severity;
  description: string;
  fields: Record<string, unknown>;
}

/**
 * Applies the app's publisher verification to a consent event. Returns what it did.
 * @example await judgeConsentPublisher(db, event, appSnapshot) // 'escalated' | 'verified' | 'skipped'
 */
export async function judgeConsentPublisher(db: Db, event: ConsentEvent, app: JsonObject): Promise<'escalated' | 'verified' | 'skipped'> {
  if (!CONSENT_DETECTIONS.has(event.detectionId) || event.fields.publisherVerified !== undefined) return 'skipped';
  const verification = app.verification;
  if (verification !== 'verified' && verification !== 'unverified' && verification !== 'microsoft') return 'skipped';
  const unverified = verification === 'unverified';
  const publisher = typeof app.publisher === 'string' ? app.publisher : null;
  const fields = { ...event.fields, publisherVerified: !unverified, ...(unverified ? { publisher } : {}) };
  const values = unverified
    ? { fields, severity: atLeast(event.severity, 'high'), description: `${event.description} ${UNVERIFIED_PUBLISHER_REASON}` }
    : { fields };
  const done = await db
    .update(securityEvent)
    .set(values)
    .where(and(eq(securityEvent.id, event.id), sql`NOT (${securityEvent.fields} ? 'publisherVerified')`))
    .returning({ id: securityEvent.id });
  if (done.length === 0) return 'skipped';
  return unverified ? 'escalated' : 'verified';
}

function atLeast(current: Severity, floor: Severity): Severity {
  return SEVERITIES.indexOf(current) >= SEVERITIES.indexOf(floor) ? current : floor;
}
