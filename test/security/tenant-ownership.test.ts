import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { tenant } from '../../db/schema/index.ts';
import { createTenant } from '../../services/core/tenant/create-tenant.ts';
import type { Ctx } from '../../services/core/context.ts';
import { DEFAULT_USER_PASSWORD, startM365Simulator, type M365Simulator } from '../../services/sim/m365/index.ts';
import { becScenario, collectorConsent, CONTOSO } from '../../services/sim/m365/scenarios/index.ts';
import { COLLECTOR_APP_ID, COLLECTOR_SECRET, browserSignIn, collectorApp, NORTHWIND_ID, NORTHWIND_PEOPLE, northwindWithPeople } from '../helpers/m365-sim.ts';
import { simulatorTls } from '../../services/sim/m365/tls.ts';
import { call, createTestApp, type Member, secrets, seedMsp, signInCookie } from '../helpers/app.ts';
import { finishConsent, signInAfterConsent, visitCallback } from '../helpers/consent.ts';

/**
 * A customer tenant onboarded through the installation's shared app belongs to the MSP whose
 * signed consent flow brought it: admin consent is granted to the app, not to an MSP, and tenant
 * ids are public, so naming a tenant id must never be enough to read it.
 */
const CALLBACK = 'http://localhost:8787/api/v1/tenants/consent-callback';

let sim: M365Simulator;
let t: Awaited<ReturnType<typeof createTestApp>>;
let mspA: Member;
let mspB: Member;
let sessionA: { cookie: string; csrf: string };
let sessionB: { cookie: string; csrf: string };
let globalAdmin: string;
let contosoId: string;

beforeAll(async () => {
  sim = await startM365Simulator({
    tls: simulatorTls(),
    // Microsoft's ID tokens are checked against the real time.
    clock: { start: new Date().toISOString(), frozen: true },
    apps: [{ ...collectorApp(), displayName: 'Tenantwatch', requiredRoles: collectorConsent(COLLECTOR_APP_ID).roles, redirectUris: [CALLBACK] }],
    // Contoso will consent for MSP A; Northwind never consents to the app.
    tenants: [becScenario({ consents: [], users: 12 }), northwindWithPeople()],
  });
  t = await createTestApp(
    { TW_LOGIN_URL: sim.url, TW_GRAPH_URL: sim.url, TW_MANAGEMENT_URL: sim.url, TW_MS_CLIENT_ID: COLLECTOR_APP_ID, TW_MS_CLIENT_SECRET: COLLECTOR_SECRET },
    { microsoftSignIn: true },
  );
  mspA = await seedMsp(t.database, 'owner', 'MSP A');
  mspB = await seedMsp(t.database, 'owner', 'MSP B');
  sessionA = await signInCookie(t.app, mspA);
  sessionB = await signInCookie(t.app, mspB);
  contosoId = CONTOSO.tenantId.toLowerCase();
  const contoso = sim.state.findTenant(CONTOSO.tenantId)!;
  const gaId = contoso.directory.roleAssignments.find((r) => r.roleDefinitionId === '62e90394-69f5-4237-9190-012177145e10')!.principalId;
  globalAdmin = contoso.users.find((u) => u.id === gaId)!.userPrincipalName;

  // MSP A onboards Contoso the proper way: its link, Contoso's Global Administrator consents.
  const link = await createLink(sessionA);
  const { response } = await browserSignIn(link, globalAdmin, DEFAULT_USER_PASSWORD, 'accept');
  const { page } = await finishConsent(t.app, response.headers.get('location') ?? '', sessionA.cookie, globalAdmin);
  expect(page.searchParams.get('added')).toBeTruthy();
}, 120_000);
afterAll(async () => {
  await sim?.close();
  await t?.drop();
});

async function createLink(who: { cookie: string; csrf: string }) {
  const res = await call(t.app, 'POST', '/api/v1/tenants/consent-link', { ...who, body: { name: 'Contoso Ltd', primaryDomain: 'contoso.com' } });
  expect(res.status).toBe(201);
  return ((await res.json()) as { url: string }).url;
}

/** What a browser could send to the callback: Microsoft's success answer with any tenant in it. */
const forgedSuccess = (link: string, tenantGuid: string) =>
  `${CALLBACK}?${new URLSearchParams({ admin_consent: 'True', tenant: tenantGuid, state: new URL(link).searchParams.get('state') ?? '' }).toString()}`;

async function tenantsOf(member: Member) {
  const res = await call(t.app, 'GET', '/api/v1/tenants', { token: member.token });
  return ((await res.json()) as { items: { tenantGuid: string }[] }).items.map((i) => i.tenantGuid);
}

describe('a tenant reached through the MSP app belongs to one MSP', () => {
  test('another MSP cannot add a consented customer by its tenant id through POST /tenants', async () => {
    const byConsent = await call(t.app, 'POST', '/api/v1/tenants', {
      token: mspB.token,
      body: { name: 'Contoso', tenantGuid: contosoId, primaryDomain: 'contoso.com' },
    });
    expect(byConsent.status).toBe(403);
    expect(await byConsent.json()).toMatchObject({ error: { code: 'forbidden', message: expect.stringContaining('admin consent') } });
    // Naming its own app registration does not get it in either while MSP A holds it through the MSP app.
    const bySecret = await call(t.app, 'POST', '/api/v1/tenants', {
      token: mspB.token,
      body: {
        name: 'Contoso',
        tenantGuid: contosoId,
        primaryDomain: 'contoso.com',
        auth: { mode: 'secret', clientId: COLLECTOR_APP_ID, clientSecret: 'guess' },
      },
    });
    expect(bySecret.status).toBe(409);
    expect(await tenantsOf(mspB)).toEqual([]);
  });

  test("the consent callback does not take another MSP's tenant from the query", async () => {
    // Even with a Contoso administrator signing in after the forged answer, MSP A keeps Contoso.
    const { page } = await finishConsent(t.app, forgedSuccess(await createLink(sessionB), contosoId), sessionB.cookie, globalAdmin);
    expect(page.searchParams.get('added')).toBeNull();
    expect(page.searchParams.get('consentError')).toMatch(/already connected to Tenantwatch by another MSP/);
    expect(await tenantsOf(mspB)).toEqual([]);
  }, 60_000);

  test('the consent callback adds only a tenant Microsoft confirms the app has consent in', async () => {
    const link = await createLink(sessionB);
    const { next: page, flowCookie } = await visitCallback(t.app, forgedSuccess(link, NORTHWIND_ID), sessionB.cookie);
    expect(page.pathname).toBe('/tenants');
    expect(flowCookie).toBeNull();
    expect(page.searchParams.get('added')).toBeNull();
    expect(page.searchParams.get('consentError')).toMatch(/^Microsoft did not confirm the consent/);
    expect(await tenantsOf(mspB)).toEqual([]);
  }, 60_000);

  test("the installation's operator (the command line) cannot give a tenant another MSP holds to a second MSP", async () => {
    const system: Ctx = { msp: mspB.mspId, actor: { type: 'system', role: 'owner' }, db: t.database.db, secrets };
    await expect(createTenant({ ctx: system, input: { name: 'Contoso', tenantGuid: contosoId, primaryDomain: 'contoso.com' } })).rejects.toThrow(
      /already connected to Tenantwatch by another MSP/,
    );
    // A tenant no other MSP holds is added as before.
    const added = await createTenant({ ctx: system, input: { name: 'Northwind', tenantGuid: NORTHWIND_ID, primaryDomain: 'northwind.example' } });
    expect(added).toMatchObject({ authMode: 'consent', tenantGuid: NORTHWIND_ID });
    await t.database.db.delete(tenant).where(eq(tenant.id, added.id));
  });

  test('the database holds one consent-mode row per Microsoft tenant', async () => {
    await expect(
      t.database.db.insert(tenant).values({ mspId: mspB.mspId, tenantGuid: contosoId, name: 'Contoso', primaryDomain: 'contoso.com', authMode: 'consent' }),
    ).rejects.toThrow();
    const rows = await t.database.db.select({ mspId: tenant.mspId }).from(tenant).where(eq(tenant.tenantGuid, contosoId));
    expect(rows).toEqual([{ mspId: mspA.mspId }]);
  });

  test('a tenant its MSP offboarded cannot be claimed by another MSP editing the consent answer: the tenant comes from the sign-in, not the query', async () => {
    // MSP A lets Contoso go; the app keeps its consent there.
    await t.database.db.delete(tenant).where(eq(tenant.tenantGuid, contosoId));
    const first = await visitCallback(t.app, forgedSuccess(await createLink(sessionB), contosoId), sessionB.cookie);
    expect(`${first.next.origin}${first.next.pathname}`).toBe(`${sim.url}/${contosoId}/oauth2/v2.0/authorize`);
    // MSP B's own administrator (Northwind) cannot sign in to Contoso...
    const { response } = await browserSignIn(first.next.toString(), NORTHWIND_PEOPLE.admin.userPrincipalName, DEFAULT_USER_PASSWORD);
    expect(response.status).toBe(200);
    expect(await response.text()).toMatch(/AADSTS50020/);
    // ...and a sign-in moved to their own organisation is refused at the callback.
    const anyOrg = new URL(first.next);
    anyOrg.pathname = '/organizations/oauth2/v2.0/authorize';
    const answer = await signInAfterConsent(anyOrg.toString(), NORTHWIND_PEOPLE.admin.userPrincipalName);
    const page = (await visitCallback(t.app, answer, `${sessionB.cookie}; ${first.flowCookie}`)).next;
    expect(page.searchParams.get('added')).toBeNull();
    expect(page.searchParams.get('consentError')).toMatch(/^The sign-in to Microsoft after the consent was not accepted/);
    expect(await tenantsOf(mspB)).toEqual([]);
  }, 60_000);
});
