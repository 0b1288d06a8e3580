import { CollectError, parseRetryAfter } from '../../microsoft/errors.ts';
import { fetchJson, type ResponseHeaders } from '../../microsoft/http.ts';

export const CONTENT_TYPES = ['Audit.AzureActiveDirectory', 'Audit.Exchange', 'Audit.SharePoint', 'Audit.General'] as const;
export type ContentType = (typeof CONTENT_TYPES)[number];

/** One entry of `subscriptions/content`: a blob of records created at `contentCreated`. */
export type ContentBlob = { contentType: string; contentId: string; contentUri: string; contentCreated: string; contentExpiration: string };

export type ManagementClient = {
  listContent(contentType: ContentType, start: Date, end: Date): Promise<ContentBlob[]>;
  fetchContent(blob: ContentBlob): Promise<unknown[]>;
  startSubscription(contentType: ContentType, webhook?: { address: string; authId: string }): Promise<void>;
};

/** The API's time format: UTC, no zone, whole seconds. */
const apiTime = (d: Date) => d.toISOString().slice(0, 19);
const SECOND = 1000;
const MAX_WINDOW_MS = 24 * 3_600_000;
/**
 * `endTime` is exclusive and whole seconds: rounded up, so content created earlier in the current
 * second is listed by this pass rather than the next (a webhook's pass runs within that second).
 * Down when rounding up would make the window longer than the 24 h the API allows.
 */
function apiEndTime(start: Date, end: Date): string {
  const up = Math.ceil(end.getTime() / SECOND) * SECOND;
  return apiTime(new Date(up - Math.floor(start.getTime() / SECOND) * SECOND <= MAX_WINDOW_MS ? up : end.getTime()));
}

/**
 * The Office 365 Management Activity API for one tenant. `token()` is asked on every call (msal
 * caches), and `fresh` after a 401 so a token the service stopped accepting is replaced.
 */
export function createManagementClient(options: {
  baseUrl: string;
  tenantGuid: string;
  publisherId?: string | undefined;
  token: (fresh?: boolean) => Promise<string>;
  timeoutMs?: number;
}): ManagementClient {
  const root = `${options.baseUrl}/api/v1.0/${options.tenantGuid}/activity/feed`;
  const withPublisher = (url: string) => {
    if (!options.publisherId) return url;
    const u = new URL(url);
    if (!u.searchParams.has('PublisherIdentifier')) u.searchParams.set('PublisherIdentifier', options.publisherId);
    return u.toString();
  };

  async function call<T>(method: 'GET' | 'POST', url: string, body?: unknown) {
    for (const fresh of [false, true]) {
      try {
        return await fetchJson<T>(
          withPublisher(url),
          {
            method,
            headers: { Authorization: `Bearer ${await options.token(fresh)}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
            body: body ? JSON.stringify(body) : undefined,
          },
          { describe: describeManagementError, timeoutMs: options.timeoutMs },
        );
      } catch (err) {
        if (err instanceof CollectError && err.kind === 'auth' && !fresh) continue;
        throw err;
      }
    }
    throw new CollectError('The Management Activity API did not accept a fresh token.', 'auth');
  }

  return {
    async listContent(contentType, start, end) {
      const blobs: ContentBlob[] = [];
      let url: string | null =
        `${root}/subscriptions/content?contentType=${encodeURIComponent(contentType)}&startTime=${apiTime(start)}&endTime=${apiEndTime(start, end)}`;
      // Pages follow the NextPageUri header (the troubleshooting doc calls it NextPageUrl).
      while (url) {
        const { body, headers }: { body: ContentBlob[] | undefined; headers: ResponseHeaders } = await call<ContentBlob[]>('GET', url);
        blobs.push(...(body ?? []));
        url = headers.get('NextPageUri') ?? headers.get('NextPageUrl');
      }
      return blobs;
    },
    async fetchContent(blob) {
      const { body } = await call<unknown[]>('GET', blob.contentUri);
      if (!Array.isArray(body)) throw new CollectError('A content blob was not a list of records.', 'transient');
      return body;
    },
    async startSubscription(contentType, webhook) {
      await call(
        'POST',
        `${root}/subscriptions/start?contentType=${encodeURIComponent(contentType)}`,
        webhook ? { webhook: { ...webhook, expiration: '' } } : undefined,
      );
    },
  };
}

/** AF error codes in plain words. AF429 also arrives as HTTP 403, per the troubleshooting doc. */
export function describeManagementError(status: number, text: string, headers: ResponseHeaders): CollectError | null {
  let code = '';
  let message = '';
  try {
    const body = JSON.parse(text) as { error?: { code?: string; message?: string }; Message?: string };
    code = body.error?.code ?? '';
    message = body.error?.message ?? body.Message ?? '';
  } catch {
    // Not JSON (a proxy's HTML page): fall back on the status.
  }
  const retryAfter = parseRetryAfter(headers.get('retry-after'));
  if (code === 'AF429' || status === 429) return new CollectError('The Management Activity API is throttling this tenant.', 'throttled', retryAfter);
  switch (code) {
    case 'AF10001':
      return new CollectError(
        'The app lacks the ActivityFeed.Read permission of the Office 365 Management APIs: grant it and give admin consent again.',
        'permission',
      );
    case 'AF20022':
      return new CollectError('No subscription for this content type yet.', 'gone');
    case 'AF20023':
      return new CollectError('The audit subscription was disabled by an admin of the tenant.', 'permission');
    case 'AF20051':
      return new CollectError('The content has expired (older than 7 days).', 'gone');
    case 'AF20010':
    case 'AF20011':
    case 'AF20012':
    case 'AF20013':
      return new CollectError(`The tenant is not usable for the Management Activity API: ${message || code}.`, 'auth');
    case 'AF50000':
      return new CollectError('The Management Activity API had an internal error.', 'transient');
    default:
      if (status === 401) return new CollectError('The Management Activity API refused the token (admin consent may have been revoked).', 'auth');
      if (status >= 500) return null;
      return new CollectError(`The Management Activity API refused the request (${code || status}): ${message}`.trim(), status === 403 ? 'permission' : 'gone');
  }
}
