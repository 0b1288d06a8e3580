/**
 * What can go wrong talking to Microsoft, in the words an MSP admin needs on the tenant page.
 * `retryAfterSeconds` is set when the service said how long to wait.
 */
export class CollectError extends Error {
  override name = 'CollectError';
  constructor(
    message: string,
    readonly kind: 'throttled' | 'auth' | 'permission' | 'transient' | 'gone',
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

/** AADSTS codes a collector meets, and what they mean for the admin. */
const AADSTS: Record<string, string> = {
  '7000215': 'the client secret is wrong: enter the current secret of the app registration',
  '7000222': 'the client secret has expired: create a new one in the app registration and update the tenant',
  '700016': 'the app is not in this tenant: admin consent was never given or was revoked',
  '90002': 'the tenant does not exist (check the tenant id)',
  '700027': 'the certificate was not accepted: upload the current certificate to the app registration',
  '700024': 'the client assertion has expired: check this server\u2019s clock',
  '500011': 'the resource is not available in this tenant (its licence or service is missing)',
  '65001': 'admin consent was revoked or never given',
  '7000112': 'the app is disabled in this tenant',
  '50013': 'the client assertion was not accepted',
};

/** Turns an msal-node error (ServerError with an AADSTS code) into a CollectError. */
export function fromMsalError(err: unknown): CollectError {
  const text = err instanceof Error ? `${err.message} ${(err as { errorMessage?: string }).errorMessage ?? ''}` : String(err);
  const code = /AADSTS(\d+)/.exec(text)?.[1];
  if (code && AADSTS[code]) return new CollectError(`Could not sign in to the tenant: ${AADSTS[code]} (AADSTS${code}).`, 'auth');
  if (code) return new CollectError(`Could not sign in to the tenant (AADSTS${code}).`, 'auth');
  return new CollectError(`Could not reach the Microsoft sign-in service: ${text.trim().slice(0, 200)}`, 'transient');
}

/** Seconds from a Retry-After header: delta-seconds (fractional, as Graph sends) or an HTTP date. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, (date - now) / 1000);
}

/** What a Graph or Exchange call answered, for `serviceError`. */
export type ServiceFailure = {
  service: 'Microsoft Graph' | 'Exchange Online';
  /** HTTP status; -1 when the service could not be reached or its answer could not be read. */
  status: number;
  code: string;
  message: string;
  retryAfterSeconds?: number | undefined;
  /** The permission the call needs, when the caller knows it: a 403 then says it was not granted. */
  permission?: string | undefined;
  /** Said after a 403 when something besides the permission can deny access (an Exchange role). */
  alsoNeeded?: string | undefined;
};

/** A failed Graph or Exchange call in the words the tenant page and the action history show. */
export function serviceError(f: ServiceFailure): CollectError {
  const { service, status, code } = f;
  if (status === 429) return new CollectError(`${service} is throttling this tenant.`, 'throttled', f.retryAfterSeconds);
  if (status === 401) return new CollectError(`${service} refused the token (admin consent may have been revoked).`, 'auth');
  if (status === 403) {
    const also = f.alsoNeeded ? `, or ${f.alsoNeeded}` : '';
    if (f.permission)
      return new CollectError(
        `${service} denied access: this tenant has not granted the app the ${f.permission} permission with admin consent${also}${code ? ` (${code})` : ''}.`,
        'permission',
      );
    return new CollectError(`${service} denied access${code ? ` (${code})` : ''}: ${f.message.slice(0, 200)}`, 'permission');
  }
  if (status === -1) return new CollectError(`Could not read from ${service}: ${f.message.slice(0, 200)}`, 'transient');
  if (status >= 500) return new CollectError(`${service} had a server error (${status}).`, 'transient', f.retryAfterSeconds);
  return new CollectError(`${service} refused the request (${status}${code ? ` ${code}` : ''}): ${f.message.slice(0, 200)}`, 'gone');
}
