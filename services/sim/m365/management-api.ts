/**
 * Office 365 Management Activity API: subscriptions, content listing with NextPageUri paging,
 * content blobs, notifications. Served at /api/v1.0/{tenant}/activity/feed/... and at the
 * /api/v1/ form that Microsoft's own NextPageUri sample uses.
 */
import { Hono, type Context } from 'hono';
import { validateAccessToken } from './access-token.ts';
import { withFaults } from './fault-middleware.ts';
import { jsonResponse, requestOrigin } from './http-util.ts';
import { contentItem, decodeNextPage, encodeNextPage, parseWindowTime } from './management-content.ts';
import { isContentType, type ContentType } from './records.ts';
import { CONTENT_RETENTION_MS, type SimState, type SimTenant, type Subscription, type WebhookConfig } from './state.ts';
import { validateWebhook } from './webhooks.ts';
import type { SimEnv } from './env.ts';

const HOUR_MS = 60 * 60 * 1000;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function afError(status: number, code: string, message: string, headers: Record<string, string> = {}): Response {
  return escapedJson({ error: { code, message } }, headers, status);
}

const WINDOW_MESSAGE =
  'Start time and end time must both be specified (or both omitted) and must be less than or equal to 24 hours apart, with the start time no more than 7 days in the past.';

export interface ManagementOptions {
  /** Reject webhook addresses that are not https:// (Microsoft does). Off by default so local receivers work. */
  requireHttpsWebhooks?: boolean;
}

/** JSON as the service writes it, with `/` escaped as `\/` (valid JSON that naive string matching trips over). */
function escapedJson(body: unknown, headers: Record<string, string> = {}, status = 200): Response {
  return new Response(JSON.stringify(body).replace(/\//g, '\\/'), {
    status,
    headers: { 'Content-Type': 'application/json; charset=utf-8', ...headers },
  });
}

function subscriptionView(s: Subscription): Record<string, unknown> {
  return {
    contentType: s.contentType,
    status: s.status,
    webhook: s.webhook ? { status: s.webhook.status, address: s.webhook.address, authId: s.webhook.authId, expiration: s.webhook.expiration } : null,
  };
}

export function managementRoutes(state: SimState, options: ManagementOptions = {}): Hono<SimEnv> {
  const app = new Hono<SimEnv>();

  app.use('/api/:version/:tenant/*', async (c, next) => {
    const version = c.req.param('version');
    if (version !== 'v1.0' && version !== 'v1') return next();
    const result = await validateAccessToken(state.signingKeys, c.req.header('authorization'), 'manage', state.now());
    if (!result.ok) {
      // The API's authentication layer answers before any AF code is produced.
      return jsonResponse({ Message: 'Authorization has been denied for this request.' }, 401, { 'WWW-Authenticate': 'Bearer' });
    }
    const token = result.token;
    c.set('appId', token.appId);
    const tenantParam = c.req.param('tenant');
    if (!GUID.test(tenantParam)) return afError(400, 'AF20013', `The tenant ID passed in the URL (${tenantParam}) is not a valid GUID.`);
    if (tenantParam.toLowerCase() !== token.tenantId.toLowerCase()) {
      return afError(
        401,
        'AF20010',
        `The tenant ID passed in the URL (${tenantParam}) does not match the tenant ID passed in the access token (${token.tenantId}).`,
      );
    }
    const tenant = state.tenants.get(tenantParam.toLowerCase());
    if (!tenant) return afError(400, 'AF20011', `Specified tenant ID (${tenantParam}) does not exist in the system or has been deleted.`);
    c.set('tenant', tenant);
    c.set('tenantId', tenant.id);
    c.set('token', token);
    if (!token.roles.includes('ActivityFeed.Read')) {
      return afError(
        401,
        'AF10001',
        `The permission set (${token.roles.join(' ')}) sent in the request did not include the expected permission ActivityFeed.Read.`,
      );
    }
    const publisher = c.req.query('PublisherIdentifier') ?? tenant.id;
    return withFaults(c, tenant, 'management', next, {
      throttle: (_ctx, rule) => {
        const mode = rule.managementStatus ?? 429;
        const status = mode === 'either' ? (tenant.faultPrng.chance(0.5) ? 429 : 403) : mode;
        return afError(status, 'AF429', `Too many requests. Method=${methodName(c)}, PublisherId=${publisher}`);
      },
      serverError: (_ctx, rule) => afError(rule.status ?? 500, 'AF50000', 'An internal error occurred. Retry the request.'),
      expiredContent: (ctx) => {
        const contentId = decodeURIComponent(new URL(ctx.req.url).pathname.split('/').pop() ?? '');
        return afError(400, 'AF20051', `Content requested with the key ${contentId} has already expired. Content older than 7 days cannot be retrieved.`);
      },
    });
  });

  const requireContentType = (c: Context<SimEnv>): ContentType | Response => {
    const contentType = c.req.query('contentType');
    if (!contentType) return afError(400, 'AF20001', 'Missing parameter: contentType.');
    if (!isContentType(contentType)) return afError(400, 'AF20020', 'The specified content type is not valid.');
    return contentType;
  };

  const feed = (path: string): string[] => [`/api/v1.0/:tenant/activity/feed/${path}`, `/api/v1/:tenant/activity/feed/${path}`];

  for (const route of feed('subscriptions/start')) {
    app.post(route, async (c) => {
      const tenant = c.get('tenant') as SimTenant;
      const contentType = requireContentType(c);
      if (contentType instanceof Response) return contentType;
      const text = await c.req.text();
      let webhookInput: { address?: unknown; authId?: unknown; expiration?: unknown } | undefined;
      if (text.trim()) {
        try {
          const parsed = JSON.parse(text) as { webhook?: typeof webhookInput };
          webhookInput = parsed.webhook ?? undefined;
        } catch {
          return afError(400, 'AF20002', 'Invalid parameter type: webhook. Expected type: json');
        }
      }
      const now = state.now();
      let webhook: WebhookConfig | null = null;
      if (webhookInput && typeof webhookInput.address === 'string' && webhookInput.address) {
        const address = webhookInput.address;
        const authId = typeof webhookInput.authId === 'string' ? webhookInput.authId : null;
        const expiration = typeof webhookInput.expiration === 'string' && webhookInput.expiration ? webhookInput.expiration : null;
        if (expiration !== null) {
          const ms = Date.parse(expiration);
          if (!Number.isFinite(ms)) return afError(400, 'AF20002', 'Invalid parameter type: expiration. Expected type: datetime');
          if (ms <= now) return afError(400, 'AF20003', `Expiration ${expiration} provided is set to past date and time.`);
        }
        if (options.requireHttpsWebhooks && !address.toLowerCase().startsWith('https://')) {
          return afError(400, 'AF20021', `The webhook endpoint {${address}) could not be validated. The address must begin with HTTPS.`);
        }
        const validation = await validateWebhook(address, authId);
        if (!validation.ok) return afError(400, 'AF20021', `The webhook endpoint {${address}) could not be validated. The endpoint did not return HTTP 200.`);
        webhook = { address, authId, expiration, status: 'enabled' };
      }
      const existing = tenant.subscriptions.get(contentType);
      if (existing && existing.status === 'enabled') {
        // Re-posting an unchanged, working configuration is refused; a disabled or expired webhook is re-enabled.
        const same = JSON.stringify(existing.webhook) === JSON.stringify(webhook);
        if (same) return afError(400, 'AF20024', 'The subscription is already enabled. No property change.');
        existing.webhook = webhook;
        existing.failedDeliveries = 0;
        existing.lastStartedAt = now;
        return escapedJson(subscriptionView(existing));
      }
      const subscription: Subscription = existing ?? {
        contentType,
        status: 'enabled',
        webhook: null,
        stoppedIntervals: [],
        notifications: [],
        failedDeliveries: 0,
      };
      const openStop = subscription.stoppedIntervals.find((i) => i.to === undefined);
      if (openStop) openStop.to = now;
      subscription.status = 'enabled';
      subscription.webhook = webhook;
      subscription.failedDeliveries = 0;
      subscription.lastStartedAt = now;
      const appId = c.get('appId');
      if (appId) subscription.clientId = appId;
      tenant.subscriptions.set(contentType, subscription);
      return escapedJson(subscriptionView(subscription));
    });
  }

  for (const route of feed('subscriptions/stop')) {
    app.post(route, (c) => {
      const tenant = c.get('tenant') as SimTenant;
      const contentType = requireContentType(c);
      if (contentType instanceof Response) return contentType;
      const subscription = tenant.subscriptions.get(contentType);
      if (!subscription) return afError(400, 'AF20022', 'No subscription found for the specified content type.');
      if (subscription.status === 'enabled') {
        subscription.status = 'disabled';
        subscription.stoppedIntervals.push({ from: state.now() });
      }
      return new Response(null, { status: 200 });
    });
  }

  for (const route of feed('subscriptions/list')) {
    app.get(route, (c) => {
      const tenant = c.get('tenant') as SimTenant;
      return escapedJson([...tenant.subscriptions.values()].map(subscriptionView));
    });
  }

  /** Resolves startTime/endTime (both or neither, ≤ 24 h apart, start ≤ 7 days back). */
  const readWindow = (c: Context<SimEnv>): { start: number; end: number; startText: string; endText: string } | Response => {
    const startText = c.req.query('startTime');
    const endText = c.req.query('endTime');
    const now = state.now();
    if (startText === undefined && endText === undefined) {
      const end = now;
      const start = now - 24 * HOUR_MS;
      return { start, end, startText: new Date(start).toISOString().slice(0, 19), endText: new Date(end).toISOString().slice(0, 19) };
    }
    if (startText === undefined || endText === undefined) return afError(400, 'AF20030', WINDOW_MESSAGE);
    const start = parseWindowTime(startText);
    if (start === undefined) return afError(400, 'AF20002', 'Invalid parameter type: startTime. Expected type: datetime');
    const end = parseWindowTime(endText);
    if (end === undefined) return afError(400, 'AF20002', 'Invalid parameter type: endTime. Expected type: datetime');
    if (end <= start || end - start > 24 * HOUR_MS || start < now - CONTENT_RETENTION_MS) return afError(400, 'AF20055', WINDOW_MESSAGE);
    return { start, end, startText, endText };
  };

  const requireSubscription = (tenant: SimTenant, contentType: ContentType): Subscription | Response => {
    const subscription = tenant.subscriptions.get(contentType);
    if (!subscription) return afError(400, 'AF20022', 'No subscription found for the specified content type.');
    if (subscription.status !== 'enabled') return afError(400, 'AF20023', 'The subscription was disabled by a tenant admin.');
    return subscription;
  };

  for (const route of feed('subscriptions/content')) {
    app.get(route, (c) => {
      const tenant = c.get('tenant') as SimTenant;
      const contentType = requireContentType(c);
      if (contentType instanceof Response) return contentType;
      const subscription = requireSubscription(tenant, contentType);
      if (subscription instanceof Response) return subscription;
      const window = readWindow(c);
      if (window instanceof Response) return window;
      const nextPageText = c.req.query('nextPage');
      let after: { contentCreated: number; seq: number } | undefined;
      if (nextPageText !== undefined) {
        after = decodeNextPage(nextPageText);
        if (!after) return afError(400, 'AF20031', `Invalid nextPage Input: ${nextPageText}.`);
      }
      const now = state.now();
      const lost = (created: number): boolean => subscription.stoppedIntervals.some((i) => created >= i.from && (i.to === undefined || created < i.to));
      const blobs = tenant.blobs
        .filter(
          (b) =>
            b.contentType === contentType &&
            b.contentCreated <= now &&
            b.contentCreated >= window.start &&
            b.contentCreated < window.end &&
            !lost(b.contentCreated),
        )
        .sort((a, b) => a.contentCreated - b.contentCreated || a.seq - b.seq)
        .filter((b) => !after || b.contentCreated > after.contentCreated || (b.contentCreated === after.contentCreated && b.seq > after.seq));
      const page = blobs.slice(0, state.contentPageSize);
      const origin = requestOrigin(c);
      const headers: Record<string, string> = {};
      const last = page[page.length - 1];
      if (blobs.length > page.length && last) {
        const next = new URL(`${origin}/api/v1/${tenant.id}/activity/feed/subscriptions/content`);
        next.searchParams.set('contentType', contentType);
        next.searchParams.set('startTime', window.startText);
        next.searchParams.set('endTime', window.endText);
        const publisher = c.req.query('PublisherIdentifier');
        if (publisher) next.searchParams.set('PublisherIdentifier', publisher);
        next.searchParams.set('nextPage', encodeNextPage(last));
        headers.NextPageUri = next.toString();
      }
      return escapedJson(
        page.map((b) => contentItem(origin, tenant, b)),
        headers,
      );
    });
  }

  for (const route of feed('subscriptions/notifications')) {
    app.get(route, (c) => {
      const tenant = c.get('tenant') as SimTenant;
      const contentType = requireContentType(c);
      if (contentType instanceof Response) return contentType;
      const subscription = requireSubscription(tenant, contentType);
      if (subscription instanceof Response) return subscription;
      const window = readWindow(c);
      if (window instanceof Response) return window;
      const origin = requestOrigin(c);
      const items = subscription.notifications
        .filter((n) => n.contentCreated >= window.start && n.contentCreated < window.end)
        .flatMap((n) => {
          const blob = tenant.blobs.find((b) => b.contentId === n.contentId);
          if (!blob) return [];
          return [
            { ...contentItem(origin, tenant, blob), notificationSent: new Date(n.notificationSent).toISOString(), notificationStatus: n.notificationStatus },
          ];
        });
      return escapedJson(items);
    });
  }

  for (const route of feed('audit/:contentId')) {
    app.get(route, (c) => {
      const tenant = c.get('tenant') as SimTenant;
      const contentId = c.req.param('contentId') ?? '';
      if (!/^[\w.-]+(\$[\w.-]+)+$/.test(contentId)) return afError(400, 'AF20052', `Content ID ${contentId} in the URL is invalid.`);
      const now = state.now();
      const blob = tenant.blobs.find((b) => b.contentId === contentId && b.contentCreated <= now);
      if (!blob) return afError(404, 'AF20050', `The specified content (${contentId}) does not exist.`);
      if (now >= blob.contentCreated + CONTENT_RETENTION_MS) {
        return afError(400, 'AF20051', `Content requested with the key ${contentId} has already expired. Content older than 7 days cannot be retrieved.`);
      }
      return escapedJson(blob.records);
    });
  }

  app.all('/api/:version/:tenant/*', (c) => afError(404, 'AF20050', `The specified content (${c.req.path}) does not exist.`));
  return app;
}

function methodName(c: Context): string {
  const path = new URL(c.req.url).pathname;
  if (path.includes('/activity/feed/audit/')) return 'GetBlob';
  if (path.endsWith('/subscriptions/content')) return 'ListContent';
  if (path.endsWith('/subscriptions/start')) return 'StartSubscription';
  if (path.endsWith('/subscriptions/stop')) return 'StopSubscription';
  if (path.endsWith('/subscriptions/list')) return 'ListSubscriptions';
  return 'GetNotifications';
}
