import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { activity, auditLog } from '../db/schema/index.ts';
import { collectTenant, COLLECTED_SOURCES } from '../services/collector/collect-tenant.ts';
import { createTokenProvider } from '../services/microsoft/token-provider.ts';
import { createLogger } from '../services/log.ts';
import { DEFAULT_USER_PASSWORD, startM365Simulator, type M365Simulator } from '../services/sim/m365/index.ts';
import { becScenario, collectorConsent, CONTOSO } from '../services/sim/m365/scenarios/index.ts';
import { COLLECTOR_APP_ID, COLLECTOR_SECRET, browserSignIn, collectorApp, FABRIKAM_ID, fabrikamScenario } from './helpers/m365-sim.ts';
import { simulatorTls } from '../services/sim/m365/tls.ts';
import { tenantFromSignIn } from '../services/core/tenant/consent.ts';
import { addMember, call, createTestApp, type Member, secrets, seedMsp, signInCookie } from './helpers/app.ts';
import { finishConsent, signInAfterConsent, visitCallback } from './helpers/consent.ts';

/**
 * Onboarding by admin consent, end to end against the Microsoft 365 simulator over HTTPS: the
 * consent link from the API, Microsoft's pages driven as a browser would (sign-in form, consent
 * page, redirect), the callback with the user's session, Microsoft's sign-in for the tenant that
 * consented and the callback again with the code, then collection with the MSP app.
 */
const CALLBACK = 'http://localhost:8787/api/v1/tenants/consent-callback';

let sim: M365Simulator;
let t: Awaited<ReturnType<typeof createTestApp>>;
let owner: Member;
let session: { cookie: string; csrf: string };
let globalAdmin: string;
let ordinaryUser: string;

beforeAll(async () => {
  sim = await startM365Simulator({
    tls: simulatorTls(),
    // Microsoft's ID tokens are checked against the real time, so the simulated one starts there;
    // collection later moves it to the scenario's day.
    clock: { start: new Date().toISOString(), frozen: true },
    // The MSP's multi-tenant app: what it requires is what admin consent grants.
    apps: [{ ...collectorApp(), displayName: 'Tenantwatch', requiredRoles: collectorConsent(COLLECTOR_APP_ID).roles, redirectUris: [CALLBACK] }],
    // Contoso has never consented to the MSP app; Fabrikam consented long ago and no MSP holds it.
    tenants: [becScenario({ consents: [], users: 12 }), fabrikamScenario()],
  });
  t = await createTestApp(
    { TW_LOGIN_URL: sim.url, TW_GRAPH_URL: sim.url, TW_MANAGEMENT_URL: sim.url, TW_MS_CLIENT_ID: COLLECTOR_APP_ID, TW_MS_CLIENT_SECRET: COLLECTOR_SECRET },
    { microsoftSignIn: true },
  );
  owner = await seedMsp(t.database, 'owner');
  session = await signInCookie(t.app, owner);
  const contoso = sim.state.findTenant(CONTOSO.tenantId)!;
  const gaId = contoso.directory.roleAssignments.find((r) => r.roleDefinitionId === '62e90394-69f5-4237-9190-012177145e10')!.principalId;
  globalAdmin = contoso.users.find((u) => u.id === gaId)!.userPrincipalName;
  const withRoles = new Set(contoso.directory.roleAssignments.map((r) => r.principalId));
  ordinaryUser = contoso.users.find((u) => !withRoles.has(u.id) && u.accountEnabled)!.userPrincipalName;
});
afterAll(async () => {
  await sim?.close();
  await t?.drop();
});

async function createLink(
  who: { cookie: string; csrf: string } = session,
  body: Record<string, unknown> = { name: 'Contoso Ltd', primaryDomain: 'contoso.com' },
) {
  const res = await call(t.app, 'POST', '/api/v1/tenants/consent-link', { ...who, body });
  expect(res.status, await res.clone().text()).toBe(201);
  return (await res.json()) as { url: string; redirectUri: string; expiresAt: string };
}

/** Microsoft's pages as a browser goes through them; returns where Microsoft sends the browser back. */
async function consentAsBrowser(url: string, upn: string, button: 'accept' | 'cancel' | 'back'): Promise<string> {
  const { response } = await browserSignIn(url, upn, DEFAULT_USER_PASSWORD, button);
  expect(response.status).toBe(302);
  const location = response.headers.get('location') ?? '';
  expect(location.startsWith(`${CALLBACK}?`)).toBe(true);
  return location;
}

/** The browser arriving at the callback with the Tenantwatch session; returns the tenants page it is sent to. */
async function arrive(location: string, cookie: string | null = session.cookie): Promise<URL> {
  const url = new URL(location);
  const res = await call(t.app, 'GET', `${url.pathname}${url.search}`, cookie ? { cookie } : {});
  expect(res.status).toBe(302);
  const target = new URL(res.headers.get('location') ?? '', 'http://localhost:8787');
  expect(target.pathname).toBe('/tenants');
  return target;
}

const stateOf = (link: { url: string }) => new URL(link.url).searchParams.get('state') ?? '';
const nonceOf = (link: { url: string }) => (JSON.parse(Buffer.from(stateOf(link).split('.')[0] ?? '', 'base64url').toString('utf8')) as { n: string }).n;
const successFor = (state: string, tenant: string = CONTOSO.tenantId) =>
  `${CALLBACK}?${new URLSearchParams({ admin_consent: 'True', tenant, state, scope: 'https://graph.microsoft.com/AuditLog.Read.All' }).toString()}`;

describe('onboarding a tenant by admin consent', () => {
  test('the link, the Global Administrator consenting, the callback: the tenant is added, checked and collects with the MSP app', async () => {
    const link = await createLink();
    const url = new URL(link.url);
    expect(`${url.origin}${url.pathname}`).toBe(`${sim.url}/organizations/v2.0/adminconsent`);
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      client_id: COLLECTOR_APP_ID,
      redirect_uri: CALLBACK,
      scope: 'https://graph.microsoft.com/.default',
    });
    expect(link.redirectUri).toBe(CALLBACK);

    const location = await consentAsBrowser(link.url, globalAdmin, 'accept');
    const { page, authorize, signInAnswer, flowCookie } = await finishConsent(t.app, location, session.cookie, globalAdmin);
    // The second hop: Microsoft's sign-in for the tenant that consented, code + PKCE + nonce, back to the same callback.
    expect(`${authorize.origin}${authorize.pathname}`).toBe(`${sim.url}/${CONTOSO.tenantId}/oauth2/v2.0/authorize`);
    expect(Object.fromEntries(authorize.searchParams)).toMatchObject({
      client_id: COLLECTOR_APP_ID,
      redirect_uri: CALLBACK,
      response_type: 'code',
      code_challenge_method: 'S256',
      prompt: 'select_account',
      state: `${stateOf(link)}~signin`,
    });
    expect(authorize.searchParams.get('scope')?.split(' ')).toEqual(expect.arrayContaining(['openid', 'profile']));
    expect(authorize.searchParams.get('nonce')).toBeTruthy();
    expect(authorize.searchParams.get('code_challenge')).toBeTruthy();
    expect(page.searchParams.get('consentError')).toBeNull();
    // Every permission was granted: the check has nothing to warn about.
    expect(page.searchParams.get('consentWarning')).toBeNull();
    const id = page.searchParams.get('added') ?? '';

    const res = await call(t.app, 'GET', `/api/v1/tenants/${id}`, { token: owner.token });
    expect(await res.json()).toMatchObject({
      tenantGuid: CONTOSO.tenantId,
      name: 'Contoso Ltd',
      primaryDomain: 'contoso.com',
      authMode: 'consent',
      clientId: null,
      hasCredentials: false,
      status: 'active',
    });

    const actions = await t.database.db.select({ action: auditLog.action }).from(auditLog).where(eq(auditLog.mspId, owner.mspId));
    expect(actions.map((a) => a.action)).toEqual(expect.arrayContaining(['tenant.consent_link', 'tenant.consent_link_used', 'tenant.create', 'tenant.verify']));

    // Collection signs in as the MSP app and gets the consented roles.
    sim.state.clock.set(Date.parse('2024-05-08T06:00:00Z'));
    sim.state.requestLog.length = 0;
    const results = await collectTenant(
      {
        db: t.database.db,
        config: t.config,
        tokens: createTokenProvider(t.config, secrets),
        log: createLogger({ logLevel: 'silent' }),
        now: () => new Date(sim.state.now()),
        timeoutMs: 10_000,
      },
      id,
    );
    expect(results.map((r) => [r.source, r.status])).toEqual(COLLECTED_SOURCES.map((s) => [s, 'collected']));
    const stored = await t.database.db.select({ id: activity.id }).from(activity).where(eq(activity.tenantId, id));
    expect(stored.length).toBeGreaterThan(100);
    const tokenCalls = sim.state.requestLog.filter((r) => r.api === 'token');
    expect(tokenCalls.length).toBeGreaterThan(0);
    expect(tokenCalls.every((r) => r.appId === COLLECTOR_APP_ID && r.tenantId === CONTOSO.tenantId && r.status === 200)).toBe(true);

    sim.state.clock.set(Date.now());
    // The same answers a second time (the code and state replayed, with or without the flow cookie): the link was used.
    for (const [answer, cookie] of [
      [signInAnswer, `${session.cookie}; ${flowCookie}`],
      [signInAnswer, session.cookie],
      [location, session.cookie],
    ] as const) {
      const again = await arrive(answer, cookie);
      expect(again.searchParams.get('consentError')).toMatch(/already used/);
    }
  }, 120_000);

  test('a consent link for a named tenant, used again later, switches an existing tenant to the MSP app', async () => {
    const link = await createLink(session, { name: 'Contoso again', primaryDomain: 'contoso.com', tenant: 'contoso.com' });
    expect(new URL(link.url).pathname).toBe('/contoso.com/v2.0/adminconsent');
    const { page } = await finishConsent(t.app, await consentAsBrowser(link.url, globalAdmin, 'accept'), session.cookie, globalAdmin);
    const id = page.searchParams.get('added') ?? '';
    const all = (await (await call(t.app, 'GET', '/api/v1/tenants', { token: owner.token })).json()) as { items: { id: string; name: string }[] };
    // Still one Contoso: the existing row was updated, its name kept.
    expect(all.items).toEqual([expect.objectContaining({ id, name: 'Contoso Ltd' })]);
  }, 60_000);

  test('a user who is not an administrator of the tenant cannot consent', async () => {
    const link = await createLink();
    const page = await arrive(await consentAsBrowser(link.url, ordinaryUser, 'back'));
    expect(page.searchParams.get('added')).toBeNull();
    expect(page.searchParams.get('consentError')).toMatch(
      /^The account that signed in is not allowed to grant permissions for the whole organisation: a Global Administrator/,
    );
    const [refused] = await t.database.db
      .select({ details: auditLog.details })
      .from(auditLog)
      .where(and(eq(auditLog.mspId, owner.mspId), eq(auditLog.action, 'tenant.consent_refused'), eq(auditLog.targetId, nonceOf(link))));
    expect(refused?.details).toMatchObject({ error: 'access_denied' });
  });

  test('an administrator who declines', async () => {
    const link = await createLink();
    const page = await arrive(await consentAsBrowser(link.url, globalAdmin, 'cancel'));
    expect(page.searchParams.get('consentError')).toBe("The administrator declined the permissions on Microsoft's consent page, so the tenant was not added.");
  });

  test('a forged state', async () => {
    const state = stateOf(await createLink());
    const [payload, mac] = state.split('.');
    const otherMsp = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8')), m: '00000000-0000-4000-8000-000000000000' }),
    ).toString('base64url');
    for (const forged of [`${payload}.${mac!.slice(0, -2)}AA`, `${otherMsp}.${mac}`, 'not-a-state', '']) {
      const page = await arrive(successFor(forged));
      expect(page.searchParams.get('consentError')).toMatch(/^This consent link is not valid: it was not created by Tenantwatch or was changed\./);
    }
  });

  test('an expired state', async () => {
    const link = await createLink();
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(Date.now() + 61 * 60_000);
      const page = await arrive(successFor(stateOf(link)));
      expect(page.searchParams.get('consentError')).toMatch(/^This consent link has expired/);
    } finally {
      vi.useRealTimers();
    }
  });

  test("another MSP's session, another user's and no session: refused, and the link stays usable for its owner", async () => {
    const link = await createLink();
    const otherMsp = await seedMsp(t.database, 'owner', 'MSP elsewhere');
    const colleague = await addMember(t.database, owner.mspId, 'admin');
    for (const who of [await signInCookie(t.app, otherMsp), await signInCookie(t.app, colleague)]) {
      const page = await arrive(successFor(stateOf(link)), who.cookie);
      expect(page.searchParams.get('consentError')).toBe(
        'This consent link was created by another Tenantwatch user. Open it while signed in as the user who created it, or create a new link.',
      );
      expect(page.searchParams.get('added')).toBeNull();
    }
    const anonymous = await arrive(successFor(stateOf(link)), null);
    expect(anonymous.searchParams.get('consentError')).toMatch(/^Sign in to Tenantwatch/);
    // Nobody else added the tenant.
    const theirs = (await (await call(t.app, 'GET', '/api/v1/tenants', { token: otherMsp.token })).json()) as { items: unknown[] };
    expect(theirs.items).toEqual([]);
    const { page } = await finishConsent(t.app, successFor(stateOf(link)), session.cookie, globalAdmin);
    expect(page.searchParams.get('added')).toBeTruthy();
  }, 60_000);

  test('two callbacks with the same code and state at once: exactly one goes through', async () => {
    const state = stateOf(await createLink());
    const first = await visitCallback(t.app, successFor(state), session.cookie);
    const answer = await signInAfterConsent(first.next.toString(), globalAdmin);
    const cookie = `${session.cookie}; ${first.flowCookie}`;
    const pages = await Promise.all([arrive(answer, cookie), arrive(answer, cookie)]);
    expect(pages.filter((p) => p.searchParams.get('added')).length).toBe(1);
    expect(pages.filter((p) => /already used/.test(p.searchParams.get('consentError') ?? '')).length).toBe(1);
  }, 60_000);

  test("a forged answer naming a tenant that consented earlier and no MSP holds: Microsoft's sign-in for it is needed, and a sign-in elsewhere is refused", async () => {
    // The MSP user holds a valid link and edits the answer's tenant to Fabrikam's.
    const link = await createLink();
    const first = await visitCallback(t.app, successFor(stateOf(link), FABRIKAM_ID), session.cookie);
    // Not added from the query: the browser is sent to sign in to Fabrikam.
    expect(`${first.next.origin}${first.next.pathname}`).toBe(`${sim.url}/${FABRIKAM_ID}/oauth2/v2.0/authorize`);
    // Microsoft signs in to Fabrikam only Fabrikam's accounts.
    const { response } = await browserSignIn(first.next.toString(), globalAdmin, DEFAULT_USER_PASSWORD);
    expect(response.status).toBe(200);
    expect(await response.text()).toMatch(/AADSTS50020/);
    // The sign-in moved to any organisation: a Contoso account signs in, and its answer is refused.
    const anyOrg = new URL(first.next);
    anyOrg.pathname = '/organizations/oauth2/v2.0/authorize';
    const answer = await signInAfterConsent(anyOrg.toString(), globalAdmin);
    const page = await arrive(answer, `${session.cookie}; ${first.flowCookie}`);
    expect(page.searchParams.get('added')).toBeNull();
    expect(page.searchParams.get('consentError')).toMatch(
      /^The sign-in to Microsoft after the consent was not accepted, so nothing was added: Microsoft did not complete the sign-in/,
    );
    const fabrikam = (await (await call(t.app, 'GET', '/api/v1/tenants', { token: owner.token })).json()) as { items: { tenantGuid: string }[] };
    expect(fabrikam.items.map((i) => i.tenantGuid)).not.toContain(FABRIKAM_ID);
    // The link is spent.
    expect((await arrive(answer, `${session.cookie}; ${first.flowCookie}`)).searchParams.get('consentError')).toMatch(/already used/);
  }, 60_000);

  test('an ID token of another organisation than the one that consented is refused', () => {
    expect(tenantFromSignIn({ tenantId: CONTOSO.tenantId.toUpperCase() }, CONTOSO.tenantId)).toBe(CONTOSO.tenantId.toLowerCase());
    expect(() => tenantFromSignIn({ tenantId: CONTOSO.tenantId }, FABRIKAM_ID)).toThrow(/belongs to another Microsoft 365 organisation/);
  });

  test("a sign-in answer without the flow cookie, or with another flow's, is refused", async () => {
    const a = await visitCallback(t.app, successFor(stateOf(await createLink())), session.cookie);
    const b = await visitCallback(t.app, successFor(stateOf(await createLink())), session.cookie);
    const answerA = await signInAfterConsent(a.next.toString(), globalAdmin);
    expect((await arrive(answerA, `${session.cookie}; ${b.flowCookie}`)).searchParams.get('consentError')).toMatch(/its state does not match/);
    const answerB = await signInAfterConsent(b.next.toString(), globalAdmin);
    expect((await arrive(answerB, session.cookie)).searchParams.get('consentError')).toMatch(/could not be matched to this browser/);
  }, 60_000);

  test('a read-only user cannot create a link; without the MSP app configured the link is refused with the settings to set', async () => {
    const res = await call(t.app, 'POST', '/api/v1/tenants/consent-link', {
      token: (await seedMsp(t.database, 'read_only')).token,
      body: { name: 'X', primaryDomain: 'x.example' },
    });
    expect(res.status).toBe(403);

    const bare = await createTestApp();
    try {
      const admin = await seedMsp(bare.database, 'admin');
      const refused = await call(bare.app, 'POST', '/api/v1/tenants/consent-link', {
        token: admin.token,
        body: { name: 'Contoso', primaryDomain: 'contoso.com' },
      });
      expect(refused.status).toBe(409);
      expect(await refused.json()).toMatchObject({
        error: { code: 'conflict', message: expect.stringContaining('set TW_MS_CLIENT_ID and TW_MS_CLIENT_SECRET') },
      });
    } finally {
      await bare.drop();
    }
  });
});
