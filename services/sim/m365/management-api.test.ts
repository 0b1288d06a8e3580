import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { M365Simulator } from './index.ts';
import type { AuditRecord } from './records.ts';
import { CONTOSO_ID, FABRIKAM_ID, T0, contosoScenario, getJson, secretToken, startTestSim } from '../../../test/helpers/m365-sim.ts';

let sim: M365Simulator;
let token: string;
const feed = (path: string, tenant = CONTOSO_ID): string => `${sim.url}/api/v1.0/${tenant}/activity/feed/${path}`;
const HOUR = 3_600_000;

function record(i: number, at: string, workload = 'SharePoint'): AuditRecord {
  return {
    Id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    RecordType: 6,
    CreationTime: at.replace(/\.\d+Z$|Z$/, ''),
    Operation: 'FileAccessed',
    OrganizationId: CONTOSO_ID,
    UserType: 0,
    UserKey: 'i:0h.f|membership|10032000456eb2e1@live.com',
    Workload: workload,
    UserId: 'adele.vance@contoso.com',
    ClientIP: '198.51.100.7',
    ObjectId: `https://contoso.sharepoint.com/sites/Sales/Shared Documents/File${i}.docx`,
  };
}

async function control(path: string, body: unknown, method = 'POST'): Promise<Record<string, unknown>> {
  const response = await fetch(`${sim.url}/_sim${path}`, { method, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  expect(response.status, `${method} ${path}`).toBeLessThan(300);
  return (await response.json()) as Record<string, unknown>;
}

/** Injects `count` SharePoint records, one a minute from `from`, each published two minutes later. */
async function inject(count: number, from: number, startIndex = 0): Promise<void> {
  const records = Array.from({ length: count }, (_, i) => {
    const at = from + i * 60_000;
    return { record: record(startIndex + i, new Date(at).toISOString()), publishAt: new Date(at + 2 * 60_000).toISOString() };
  });
  await control(`/tenants/${CONTOSO_ID}/audit`, { records });
}

beforeEach(async () => {
  sim = await startTestSim({ contentPageSize: 7, blobWindowMs: 60_000 });
  token = await secretToken(sim, CONTOSO_ID, 'manage');
});
afterEach(() => sim.close());

describe('subscriptions', () => {
  it('starts, lists, refuses a duplicate start, stops', async () => {
    const start = await getJson(feed('subscriptions/start?contentType=Audit.SharePoint&PublisherIdentifier=' + CONTOSO_ID), token, { method: 'POST' });
    expect(start.status).toBe(200);
    expect(start.body).toEqual({ contentType: 'Audit.SharePoint', status: 'enabled', webhook: null });
    const again = await getJson(feed('subscriptions/start?contentType=Audit.SharePoint'), token, { method: 'POST' });
    expect(again).toMatchObject({ status: 400, body: { error: { code: 'AF20024' } } });
    const list = await getJson(feed('subscriptions/list'), token);
    expect(list.body).toEqual([{ contentType: 'Audit.SharePoint', status: 'enabled', webhook: null }]);
    const stop = await getJson(feed('subscriptions/stop?contentType=Audit.SharePoint'), token, { method: 'POST' });
    expect(stop).toMatchObject({ status: 200, text: '' });
    expect((await getJson(feed('subscriptions/list'), token)).body).toEqual([{ contentType: 'Audit.SharePoint', status: 'disabled', webhook: null }]);
    const content = await getJson(feed('subscriptions/content?contentType=Audit.SharePoint'), token);
    expect(content).toMatchObject({ status: 400, body: { error: { code: 'AF20023' } } });
  });

  it.each([
    ['subscriptions/content?contentType=Audit.Exchange', 'GET', 'AF20022'],
    ['subscriptions/stop?contentType=Audit.Exchange', 'POST', 'AF20022'],
    ['subscriptions/start?contentType=Audit.Nope', 'POST', 'AF20020'],
    ['subscriptions/start', 'POST', 'AF20001'],
  ])('%s → %s', async (path, method, code) => {
    const result = await getJson(feed(path), token, { method });
    expect(result.status).toBe(400);
    expect((result.body as { error: { code: string } }).error.code).toBe(code);
  });

  it('loses content published while the subscription was stopped', async () => {
    await getJson(feed('subscriptions/start?contentType=Audit.SharePoint'), token, { method: 'POST' });
    await inject(2, Date.parse(T0) - HOUR, 0);
    await getJson(feed('subscriptions/stop?contentType=Audit.SharePoint'), token, { method: 'POST' });
    await control('/clock', { advance: '1h' });
    await inject(2, Date.parse(T0) + 10 * 60_000, 10);
    await control('/clock', { advance: '1h' });
    // Two simulated hours later the first token has expired.
    token = await secretToken(sim, CONTOSO_ID, 'manage');
    await getJson(feed('subscriptions/start?contentType=Audit.SharePoint'), token, { method: 'POST' });
    const listed = (await getJson(feed('subscriptions/content?contentType=Audit.SharePoint'), token)).body as unknown[];
    expect(listed).toHaveLength(2);
  });
});

describe('content listing and blobs', () => {
  beforeEach(async () => {
    await getJson(feed('subscriptions/start?contentType=Audit.SharePoint'), token, { method: 'POST' });
  });

  it('pages with NextPageUri and returns every record exactly once', async () => {
    await inject(30, Date.parse(T0) - 20 * HOUR);
    const seen: string[] = [];
    let url: string | null = feed(
      `subscriptions/content?contentType=Audit.SharePoint&startTime=${new Date(Date.parse(T0) - 23 * HOUR).toISOString().slice(0, 19)}&endTime=${T0.slice(0, 19)}`,
    );
    let pages = 0;
    while (url) {
      const page = await getJson(url, token);
      expect(page.status).toBe(200);
      pages++;
      for (const item of page.body as { contentUri: string; contentId: string; contentCreated: string; contentExpiration: string }[]) {
        expect(item.contentId).toContain('$');
        expect(Date.parse(item.contentExpiration) - Date.parse(item.contentCreated)).toBe(7 * 24 * HOUR);
        const blob = await getJson(item.contentUri, token);
        expect(blob.text).toContain('https:\\/\\/contoso.sharepoint.com\\/sites');
        for (const r of blob.body as AuditRecord[]) seen.push(r.Id);
      }
      url = page.headers.get('NextPageUri');
      if (url)
        expect(url).toMatch(
          new RegExp(
            `/api/v1/${CONTOSO_ID}/activity/feed/subscriptions/content\\?contentType=Audit.SharePoint&startTime=.+&endTime=.+&nextPage=\\d{17}R\\d{12}$`,
          ),
        );
    }
    expect(pages).toBe(5);
    expect(seen).toHaveLength(30);
    expect(new Set(seen).size).toBe(30);
  });

  it('lists only content created in [startTime, endTime) and already published', async () => {
    await inject(3, Date.parse(T0) - 5 * HOUR);
    // Published two minutes from now: not listed yet.
    await inject(1, Date.parse(T0), 100);
    const window = `startTime=${new Date(Date.parse(T0) - 5 * HOUR).toISOString().slice(0, 16)}&endTime=${new Date(Date.parse(T0) + HOUR).toISOString().slice(0, 16)}`;
    let listed = (await getJson(feed(`subscriptions/content?contentType=Audit.SharePoint&${window}`), token)).body as unknown[];
    expect(listed).toHaveLength(3);
    await control('/clock', { advance: '3m' });
    listed = (await getJson(feed(`subscriptions/content?contentType=Audit.SharePoint&${window}`), token)).body as unknown[];
    expect(listed).toHaveLength(4);
    const narrow = (
      await getJson(feed(`subscriptions/content?contentType=Audit.SharePoint&startTime=${T0.slice(0, 10)}T08:00&endTime=${T0.slice(0, 10)}T08:01`), token)
    ).body as unknown[];
    expect(narrow).toHaveLength(0);
  });

  it.each([
    ['only startTime', `startTime=2024-05-06T00:00:00`, 'AF20030'],
    ['more than 24 hours', `startTime=2024-05-05T00:00:00&endTime=2024-05-06T00:00:01`, 'AF20055'],
    ['start more than 7 days back', `startTime=2024-04-28T00:00:00&endTime=2024-04-28T12:00:00`, 'AF20055'],
    ['end before start', `startTime=2024-05-06T10:00&endTime=2024-05-06T09:00`, 'AF20055'],
    ['not a date', `startTime=yesterday&endTime=2024-05-06`, 'AF20002'],
    ['bad nextPage', `startTime=2024-05-06&endTime=2024-05-06T10:00&nextPage=abc`, 'AF20031'],
  ])('rejects a window: %s', async (_label, query, code) => {
    const result = await getJson(feed(`subscriptions/content?contentType=Audit.SharePoint&${query}`), token);
    expect(result.status).toBe(400);
    expect((result.body as { error: { code: string; message: string } }).error).toMatchObject({ code });
  });

  it('expires content seven days after it was created (AF20051)', async () => {
    await inject(1, Date.parse(T0) - HOUR);
    const [item] = (await getJson(feed('subscriptions/content?contentType=Audit.SharePoint'), token)).body as { contentUri: string; contentId: string }[];
    expect((await getJson(item?.contentUri ?? '', token)).status).toBe(200);
    await control('/clock', { advance: '7d' });
    const fresh = await secretToken(sim, CONTOSO_ID, 'manage');
    const expired = await getJson(item?.contentUri ?? '', fresh);
    expect(expired).toMatchObject({ status: 400, body: { error: { code: 'AF20051' } } });
    expect((expired.body as { error: { message: string } }).error.message).toContain(item?.contentId);
  });

  it('answers AF20050 for unknown content and AF20052 for a malformed id', async () => {
    expect((await getJson(feed('audit/20240506110000000000001$20240506110000000000001$audit_sharepoint$Audit_SharePoint$na0001'), token)).body).toMatchObject({
      error: { code: 'AF20050' },
    });
    expect((await getJson(feed('audit/not-a-content-id'), token)).body).toMatchObject({ error: { code: 'AF20052' } });
  });
});

describe('webhooks', () => {
  let receiver: Server;
  let receiverUrl: string;
  let answer = 200;
  const received: { headers: IncomingHttpHeaders; body: unknown }[] = [];

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      let text = '';
      req.on('data', (chunk: Buffer) => (text += chunk.toString()));
      req.on('end', () => {
        received.push({ headers: req.headers, body: JSON.parse(text) as unknown });
        res.statusCode = answer;
        res.end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/notify`;
  });
  afterAll(() => new Promise<void>((resolve) => receiver.close(() => resolve())));
  beforeEach(() => {
    received.length = 0;
    answer = 200;
  });

  it('validates the endpoint, then notifies about new content with Webhook-AuthID', async () => {
    const start = await getJson(feed('subscriptions/start?contentType=Audit.SharePoint'), token, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ webhook: { address: receiverUrl, authId: 'tw-secret-1', expiration: '' } }),
    });
    expect(start.body).toEqual({
      contentType: 'Audit.SharePoint',
      status: 'enabled',
      webhook: { status: 'enabled', address: receiverUrl, authId: 'tw-secret-1', expiration: null },
    });
    expect(received).toHaveLength(1);
    const handshake = received[0];
    expect(handshake?.headers['webhook-authid']).toBe('tw-secret-1');
    expect(handshake?.headers['webhook-validationcode']).toMatch(/^[0-9a-f]{32}$/);
    expect(handshake?.body).toEqual({ validationCode: handshake?.headers['webhook-validationcode'] });

    await inject(3, Date.parse(T0) + 60_000);
    expect(received).toHaveLength(1);
    const advanced = await control('/clock', { advance: '10m' });
    expect(advanced.notified).toBe(3);
    expect(received).toHaveLength(2);
    const notification = received[1];
    expect(notification?.headers['webhook-authid']).toBe('tw-secret-1');
    expect(notification?.body).toEqual([
      expect.objectContaining({
        tenantId: CONTOSO_ID,
        contentType: 'Audit.SharePoint',
        contentId: expect.stringContaining('$'),
        contentUri: expect.stringContaining('/activity/feed/audit/'),
      }),
      expect.anything(),
      expect.anything(),
    ]);
    const log = await getJson(feed('subscriptions/notifications?contentType=Audit.SharePoint'), token);
    expect((log.body as { notificationStatus: string }[]).map((n) => n.notificationStatus)).toEqual(['Succeeded', 'Succeeded', 'Succeeded']);
  });

  it('retries failed notifications, disables the webhook after repeated failures, and /start re-enables it', async () => {
    await sim.close();
    sim = await startTestSim({ webhookRetryDelaysMs: [0, 0, 0, 0, 0, 0] });
    token = await secretToken(sim, CONTOSO_ID, 'manage');
    const webhook = JSON.stringify({ webhook: { address: receiverUrl, authId: 'tw-2' } });
    await getJson(feed('subscriptions/start?contentType=Audit.SharePoint'), token, { method: 'POST', body: webhook });
    answer = 503;
    await inject(1, Date.parse(T0) - HOUR);
    await sim.drainWebhooks();
    // One handshake, then the first attempt and four retries: five failures disable the webhook.
    expect(received).toHaveLength(6);
    const list = (await getJson(feed('subscriptions/list'), token)).body as { webhook: { status: string } }[];
    expect(list[0]?.webhook.status).toBe('disabled');
    const log = (await getJson(feed('subscriptions/notifications?contentType=Audit.SharePoint'), token)).body as { notificationStatus: string }[];
    expect(log.map((n) => n.notificationStatus)).toEqual(['Failed', 'Failed', 'Failed', 'Failed', 'Failed']);
    answer = 200;
    const restart = await getJson(feed('subscriptions/start?contentType=Audit.SharePoint'), token, { method: 'POST', body: webhook });
    expect(restart.body).toMatchObject({ webhook: { status: 'enabled' } });
  });

  it('does not replay content published before the webhook existed', async () => {
    await sim.close();
    const past = [record(500, new Date(Date.parse(T0) - 2 * HOUR).toISOString())].map((r) => ({ record: r }));
    sim = await startTestSim({ tenants: [contosoScenario({ audit: past })] });
    token = await secretToken(sim, CONTOSO_ID, 'manage');
    await getJson(feed('subscriptions/start?contentType=Audit.SharePoint'), token, {
      method: 'POST',
      body: JSON.stringify({ webhook: { address: receiverUrl } }),
    });
    expect(await sim.publishDue()).toBe(0);
    expect(received).toHaveLength(1);
    expect((await getJson(feed('subscriptions/content?contentType=Audit.SharePoint'), token)).body).toHaveLength(1);
  });

  it('refuses a webhook whose endpoint does not answer 200 (AF20021)', async () => {
    answer = 500;
    const start = await getJson(feed('subscriptions/start?contentType=Audit.Exchange'), token, {
      method: 'POST',
      body: JSON.stringify({ webhook: { address: receiverUrl, authId: 'x' } }),
    });
    expect(start.status).toBe(400);
    expect((start.body as { error: { code: string; message: string } }).error).toEqual({
      code: 'AF20021',
      message: `The webhook endpoint {${receiverUrl}) could not be validated. The endpoint did not return HTTP 200.`,
    });
    expect((await getJson(feed('subscriptions/list'), token)).body).toEqual([]);
  });

  it('refuses http addresses when started with requireHttpsWebhooks, and past expirations', async () => {
    await sim.close();
    sim = await startTestSim({ requireHttpsWebhooks: true });
    token = await secretToken(sim, CONTOSO_ID, 'manage');
    const http = await getJson(feed('subscriptions/start?contentType=Audit.Exchange'), token, {
      method: 'POST',
      body: JSON.stringify({ webhook: { address: receiverUrl } }),
    });
    expect((http.body as { error: { message: string } }).error.message).toContain('The address must begin with HTTPS.');
    const past = await getJson(feed('subscriptions/start?contentType=Audit.Exchange'), token, {
      method: 'POST',
      body: JSON.stringify({ webhook: { address: 'https://example.invalid/hook', expiration: '2024-05-01T00:00:00Z' } }),
    });
    expect((past.body as { error: { code: string } }).error.code).toBe('AF20003');
    expect(received).toHaveLength(0);
  });
});

describe('Management API token validation', () => {
  it.each([
    ['no token', () => undefined],
    ['a Graph token (wrong audience)', () => secretToken(sim, CONTOSO_ID, 'graph')],
    ['a token with a forged signature', async () => `${(await secretToken(sim, CONTOSO_ID, 'manage')).slice(0, -6)}AAAAAA`],
  ])('401 with %s', async (_label, makeToken) => {
    const result = await getJson(feed('subscriptions/list'), await makeToken());
    expect(result.status).toBe(401);
    expect(result.body).toEqual({ Message: 'Authorization has been denied for this request.' });
  });

  it('401 once the token has expired on the simulated clock', async () => {
    await control('/clock', { advance: '3600s' });
    const result = await getJson(feed('subscriptions/list'), token);
    expect(result).toMatchObject({ status: 401, body: { Message: 'Authorization has been denied for this request.' } });
  });

  it('AF20010 for another tenant in the URL, AF20013 for a non-GUID tenant', async () => {
    const wrong = await getJson(feed('subscriptions/list', FABRIKAM_ID), token);
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual({
      error: {
        code: 'AF20010',
        message: `The tenant ID passed in the URL (${FABRIKAM_ID}) does not match the tenant ID passed in the access token (${CONTOSO_ID}).`,
      },
    });
    const notGuid = await getJson(`${sim.url}/api/v1.0/contoso.com/activity/feed/subscriptions/list`, token);
    expect(notGuid.body).toMatchObject({ error: { code: 'AF20013' } });
  });

  it('AF10001 when the token lacks ActivityFeed.Read', async () => {
    const noRoles = await secretToken(sim, FABRIKAM_ID, 'manage');
    const result = await getJson(feed('subscriptions/list', FABRIKAM_ID), noRoles);
    expect(result.status).toBe(401);
    expect(result.body).toEqual({
      error: { code: 'AF10001', message: 'The permission set () sent in the request did not include the expected permission ActivityFeed.Read.' },
    });
  });
});
