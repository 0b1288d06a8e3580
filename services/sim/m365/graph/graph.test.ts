import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintAccessToken } from '../access-token.ts';
import type { M365Simulator } from '../index.ts';
import type { SignIn } from '../records.ts';
import { BEC, CONTOSO, becScenario, collectorConsent } from '../scenarios/index.ts';
import { COLLECTOR_APP_ID, collectorApp, fabrikamScenario, FABRIKAM_ID, getJson, secretToken } from '../../../../test/helpers/m365-sim.ts';
import { startM365Simulator } from '../index.ts';

let sim: M365Simulator;
let token: string;
const NOW = '2024-05-07T06:00:00Z';
const graph = (path: string): string => `${sim.url}/v1.0/${path}`;

interface Page<T> {
  '@odata.context': string;
  '@odata.nextLink'?: string;
  '@odata.count'?: number;
  value: T[];
}

async function collect<T>(first: string, bearer = token): Promise<{ items: T[]; pages: number }> {
  const items: T[] = [];
  let url: string | undefined = first;
  let pages = 0;
  while (url) {
    const response = await getJson(url, bearer);
    expect(response.status, url).toBe(200);
    const page = response.body as Page<T>;
    items.push(...page.value);
    pages++;
    url = page['@odata.nextLink'];
  }
  return { items, pages };
}

beforeAll(async () => {
  sim = await startM365Simulator({
    clock: { start: NOW, frozen: true },
    apps: [collectorApp()],
    tenants: [becScenario({ consents: [collectorConsent(COLLECTOR_APP_ID)] }), fabrikamScenario()],
  });
  token = await secretToken(sim, CONTOSO.tenantId, 'graph');
});
afterAll(() => sim.close());

describe('Graph collections', () => {
  it('pages sign-ins with @odata.nextLink, newest first, each record exactly once', async () => {
    const tenant = sim.state.tenants.get(CONTOSO.tenantId);
    const expected = tenant?.signIns.length ?? 0;
    expect(expected).toBeGreaterThan(150);
    const { items, pages } = await collect<SignIn>(graph('auditLogs/signIns?$top=50'));
    expect(pages).toBe(Math.ceil(expected / 50));
    expect(items).toHaveLength(expected);
    expect(new Set(items.map((s) => s.id)).size).toBe(expected);
    const times = items.map((s) => Date.parse(s.createdDateTime));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
  });

  it('answers the documented first page shape', async () => {
    const { body, headers } = await getJson(graph('auditLogs/signIns?$top=1'), token, {
      headers: { 'client-request-id': 'c0ffee00-0000-4000-8000-000000000001' },
    });
    const page = body as Page<SignIn>;
    expect(page['@odata.context']).toBe(`${sim.url}/v1.0/$metadata#auditLogs/signIns`);
    expect(page['@odata.nextLink']).toMatch(new RegExp(`^${sim.url}/v1.0/auditLogs/signIns\\?\\$top=1&\\$skiptoken=[\\w-]+\\.[\\w-]+$`));
    expect(headers.get('client-request-id')).toBe('c0ffee00-0000-4000-8000-000000000001');
    expect(headers.get('content-type')).toContain('odata.metadata=minimal');
    expect(Object.keys(page.value[0] ?? {})).toEqual(
      expect.arrayContaining([
        'status',
        'location',
        'deviceDetail',
        'appliedConditionalAccessPolicies',
        'riskLevelDuringSignIn',
        'clientAppUsed',
        'isInteractive',
      ]),
    );
    expect(page.value[0]?.location.geoCoordinates).toHaveProperty('latitude');
  });

  it('filters on createdDateTime the way a collector asks (ge … and lt …)', async () => {
    const from = '2024-05-06T15:00:00Z';
    const to = '2024-05-06T15:30:00Z';
    const { items } = await collect<SignIn>(
      graph(`auditLogs/signIns?$filter=${encodeURIComponent(`createdDateTime ge ${from} and createdDateTime lt ${to}`)}&$top=10`),
    );
    const all = sim.state.tenants.get(CONTOSO.tenantId)?.signIns.map((t) => t.value) ?? [];
    const expected = all.filter((s) => s.createdDateTime >= from && s.createdDateTime < to);
    expect(items.map((s) => s.id).sort()).toEqual(expected.map((s) => s.id).sort());
    expect(items.filter((s) => s.ipAddress === BEC.sprayIp)).toHaveLength(BEC.sprayTargets);
  });

  it('supports $select with the projected @odata.context, and filters on nested fields', async () => {
    const { body } = await getJson(
      graph(
        `auditLogs/signIns?$select=id,createdDateTime,ipAddress&$filter=${encodeURIComponent(`status/errorCode eq 50074 and ipAddress eq '${BEC.sprayIp}'`)}`,
      ),
      token,
    );
    const page = body as Page<Record<string, unknown>>;
    expect(page['@odata.context']).toBe(`${sim.url}/v1.0/$metadata#auditLogs/signIns(id,createdDateTime,ipAddress)`);
    expect(page.value).toHaveLength(1);
    expect(Object.keys(page.value[0] ?? {}).sort()).toEqual(['createdDateTime', 'id', 'ipAddress']);
  });

  it('filters directory audits on activityDateTime and keeps activity names without the trailing period', async () => {
    const { items } = await collect<{ activityDisplayName: string; activityDateTime: string }>(
      graph(`auditLogs/directoryAudits?$filter=${encodeURIComponent('activityDateTime ge 2024-05-06T15:50:00Z')}`),
    );
    expect(items.map((i) => i.activityDisplayName)).toEqual(expect.arrayContaining(['Consent to application', 'Add service principal']));
    expect(items.every((i) => i.activityDateTime >= '2024-05-06T15:50:00Z')).toBe(true);
  });

  it('lists users with the default projection; signInActivity only through $select (max page 500)', async () => {
    const { body } = await getJson(graph('users?$top=5'), token);
    const users = (body as Page<Record<string, unknown>>).value;
    expect(users).toHaveLength(5);
    expect(users[0]).not.toHaveProperty('signInActivity');
    expect(users[0]).not.toHaveProperty('accountEnabled');
    expect(users[0]).toHaveProperty('userPrincipalName');
    const selected = await collect<Record<string, unknown>>(
      graph('users?$select=id,userPrincipalName,accountEnabled,signInActivity,lastPasswordChangeDateTime,otherMails,assignedLicenses,createdDateTime&$top=500'),
    );
    expect(selected.items).toHaveLength(61);
    const victim = selected.items.find((u) => u.userPrincipalName === BEC.victimUpn) as
      { signInActivity: { lastSuccessfulSignInDateTime: string } } | undefined;
    expect(victim?.signInActivity.lastSuccessfulSignInDateTime).toMatch(/^2024-05-06T15:41:/);
    const tooBig = await getJson(graph('users?$select=id,signInActivity&$top=600'), token);
    expect(tooBig.status).toBe(400);
    const one = await getJson(graph(`users/${encodeURIComponent(BEC.victimUpn)}?$select=id,displayName`), token);
    expect(one.body).toMatchObject({ displayName: 'Isabella Ruiz', '@odata.context': `${sim.url}/v1.0/$metadata#users(id,displayName)/$entity` });
  });

  it('counts users at /users/$count as text/plain, only with ConsistencyLevel: eventual', async () => {
    const tenant = sim.state.tenants.get(CONTOSO.tenantId);
    const counted = await fetch(graph('users/$count'), { headers: { authorization: `Bearer ${token}`, ConsistencyLevel: 'eventual' } });
    expect(counted.status).toBe(200);
    expect(counted.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(Number(await counted.text())).toBe(tenant?.users.length);
    const refused = await getJson(graph('users/$count'), token);
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ error: { code: 'Request_BadRequest' } });
  });

  it('serves security alerts_v2 with $count, risk detections and risky users', async () => {
    const alerts = (await getJson(graph('security/alerts_v2?$count=true'), token)).body as Page<{ serviceSource: string; '@odata.type': string }>;
    expect(alerts['@odata.count']).toBe(1);
    expect(alerts.value[0]?.['@odata.type']).toBe('#microsoft.graph.security.alert');
    expect(((await getJson(graph('security/alerts_v2?$top=100&$skip=1'), token)).body as Page<unknown>).value).toEqual([]);
    expect((await getJson(graph('auditLogs/signIns?$skip=1'), token)).status).toBe(400);
    expect(alerts.value[0]?.serviceSource).toBe('azureAdIdentityProtection');
    const detections = (
      await getJson(graph(`identityProtection/riskDetections?$filter=${encodeURIComponent("riskEventType eq 'anonymizedIPAddress'")}`), token)
    ).body as Page<{ additionalInfo: string; ipAddress: string }>;
    expect(detections.value).toHaveLength(1);
    expect(typeof detections.value[0]?.additionalInfo).toBe('string');
    const risky = (await getJson(graph('identityProtection/riskyUsers'), token)).body as Page<{ userPrincipalName: string; riskLevel: string }>;
    expect(risky.value).toEqual([expect.objectContaining({ userPrincipalName: BEC.victimUpn, riskLevel: 'medium' })]);
  });

  it('keeps paging stable while new sign-ins arrive between pages', async () => {
    const first = (await getJson(graph('auditLogs/signIns?$top=100'), token)).body as Page<SignIn>;
    const newest = first.value[0];
    const tenant = sim.state.tenants.get(CONTOSO.tenantId);
    if (!newest || !tenant) throw new Error('no data');
    const late: SignIn = { ...newest, id: 'ffffffff-0000-4000-8000-000000000001', createdDateTime: '2024-05-06T16:00:00Z' };
    tenant.signIns.push({ availableAt: Date.parse(NOW) - 1000, value: late });
    const rest = await collect<SignIn>(first['@odata.nextLink'] ?? '');
    const ids = [...first.value, ...rest.items].map((s) => s.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).not.toContain(late.id);
    const next = await collect<SignIn>(graph('auditLogs/signIns?$top=1000'));
    expect(next.items.map((s) => s.id)).toContain(late.id);
    tenant.signIns.pop();
  });

  it.each([
    ['$top above the maximum', 'auditLogs/signIns?$top=1001', 'BadRequest'],
    ['an unknown $select property', 'auditLogs/signIns?$select=id,password', 'BadRequest'],
    ['a field that does not filter', `auditLogs/signIns?$filter=${encodeURIComponent("userAgent eq 'x'")}`, 'BadRequest'],
    ['a malformed filter', `auditLogs/signIns?$filter=${encodeURIComponent('createdDateTime ge')}`, 'BadRequest'],
    ['a tampered $skiptoken', 'auditLogs/signIns?$skiptoken=abc.def', 'BadRequest'],
    ['users $top 1000', 'users?$top=1000', 'Request_UnsupportedQuery'],
  ])('rejects %s with 400', async (_label, path, code) => {
    const result = await getJson(graph(path), token);
    expect(result.status).toBe(400);
    expect((result.body as { error: { code: string } }).error.code).toBe(code);
  });
});

describe('Graph token validation', () => {
  const expectGraphError = (body: unknown, code: string, message: string): void => {
    expect(body).toEqual({
      error: {
        code,
        message,
        innerError: {
          date: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/),
          'request-id': expect.any(String),
          'client-request-id': expect.any(String),
        },
      },
    });
  };

  it.each([
    ['missing', async () => undefined, 'Access token is empty.'],
    ['for the Management API', async () => secretToken(sim, CONTOSO.tenantId, 'manage'), 'Access token validation failure. Invalid audience.'],
    [
      'for a tenant the simulator does not host',
      async () =>
        mintAccessToken(
          sim.state.signingKeys,
          {
            tenantId: '99999999-9999-4999-8999-999999999999',
            appId: COLLECTOR_APP_ID,
            appDisplayName: 'x',
            servicePrincipalId: 'y',
            resource: 'graph',
            roles: ['AuditLog.Read.All'],
            clientAuthMethod: '1',
          },
          { nowMs: Date.parse(NOW), lifetimeSeconds: 3599 },
        ),
      'Access token validation failure. Invalid issuer.',
    ],
    [
      'expired',
      async () =>
        mintAccessToken(
          sim.state.signingKeys,
          {
            tenantId: CONTOSO.tenantId,
            appId: COLLECTOR_APP_ID,
            appDisplayName: 'x',
            servicePrincipalId: 'y',
            resource: 'graph',
            roles: ['AuditLog.Read.All'],
            clientAuthMethod: '1',
          },
          { nowMs: Date.parse(NOW) - 2 * 3_600_000, lifetimeSeconds: 3599 },
        ),
      'Lifetime validation failed, the token is expired.',
    ],
  ])('401 InvalidAuthenticationToken when the token is %s', async (_label, makeToken, message) => {
    const result = await getJson(graph('auditLogs/signIns'), await makeToken());
    expect(result.status).toBe(401);
    expect(result.headers.get('www-authenticate')).toContain('Bearer');
    expectGraphError(result.body, 'InvalidAuthenticationToken', message);
  });

  it('403 in each resource family when the app lacks the permission', async () => {
    const noRoles = await secretToken(sim, FABRIKAM_ID, 'graph');
    const signIns = await getJson(graph('auditLogs/signIns'), noRoles);
    expect(signIns.status).toBe(403);
    expectGraphError(signIns.body, 'Authentication_MSGraphPermissionMissing', 'Calling principal does not have required MSGraph permissions AuditLog.Read.All');
    const users = await getJson(graph('users'), noRoles);
    expectGraphError(users.body, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
    expect((await getJson(graph('security/alerts_v2'), noRoles)).status).toBe(403);
    expect((await getJson(graph('identityProtection/riskyUsers'), noRoles)).status).toBe(403);
  });
});
