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
