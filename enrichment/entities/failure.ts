/**
 * A failed Graph or Exchange call as an enrichment result: `unavailable` with a reason and a
 * sentence the event page shows as it is.
 */
import type { MicrosoftFailure } from '../../services/microsoft/answer.ts';
import { unavailable, type EnrichmentResult } from './types.ts';

/**
 * A failed call in the admin's words. `permission` names the application permission the call
 * needs; `notFound` is the sentence for a 404 (the entity is gone).
 */
export function describeFailure(
  failure: Omit<MicrosoftFailure, 'error'>,
  what: { permission: string; notFound?: string; service?: string },
): Extract<EnrichmentResult, { status: 'unavailable' }> {
  const service = what.service ?? 'Microsoft Graph';
  if (failure.status === 404 && what.notFound) return unavailable('entity-deleted', what.notFound);
  if (failure.status === 403) return unavailable('permission-missing', `The app lacks ${what.permission}; grant it and give admin consent.`);
  if (failure.status === 401)
    return unavailable('permission-missing', `${service} refused the app's token: admin consent may have been revoked, or the app lacks ${what.permission}.`);
  if (failure.status === 429) {
    const wait = failure.retryAfterSeconds !== undefined ? ` (retry after ${Math.ceil(failure.retryAfterSeconds)} s)` : '';
    return unavailable('rate-limited', `${service} is throttling requests for this tenant${wait}.`);
  }
  if (failure.status === 0) return unavailable('error', `Could not get a token for the tenant: ${failure.message}`);
  if (failure.status === -1) return unavailable('error', `Could not reach ${service}: ${failure.message}`);
  if (failure.status >= 500) return unavailable('error', `${service} had a server error (${failure.status}).`);
  return unavailable('error', `${service} refused the request (${failure.status}${failure.code ? ` ${failure.code}` : ''}): ${failure.message.slice(0, 200)}`);
}
