import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { M365Simulator } from './index.ts';
import { COLLECTOR_APP_ID, COLLECTOR_SECRET, CONTOSO_ID, T0, getJson, requestToken, secretToken, startTestSim } from '../../../test/helpers/m365-sim.ts';

let sim: M365Simulator;
const control = async (path: string, body?: unknown, method = body === undefined ? 'GET' : 'POST'): Promise<{ status: number; body: unknown }> => {
  const response = await fetch(`${sim.url}/_sim${path}`, {
    method,
    ...(body !== undefined ? { headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as unknown) : undefined };
};

beforeEach(async () => {
  sim = await startTestSim();
});
afterEach(() => sim.close());

describe('control API', () => {
  it('lists tenants with their counts and subscriptions', async () => {
    const { body } = await control('/tenants');
    expect((body as { id: string }[]).map((t) => t.id).sort()).toEqual(
      [CONTOSO_ID, '3f8a6b20-1c9d-4e7f-a5b6-c7d8e9f0a1b2', '7e2d9c41-3b6a-4e58-8f01-a2b3c4d5e6f7'].sort(),
    );
    const one = await control(`/tenants/contoso.com`);
    expect(one.body).toMatchObject({ id: CONTOSO_ID, domains: ['contoso.onmicrosoft.com', 'contoso.com'], counts: { users: 0, blobs: 0 } });
    expect((await control('/tenants/adatum.com')).status).toBe(404);
  });

  it('adds a tenant and an app at run time', async () => {
    const appId = '0d9e8f7a-6b5c-4d3e-8f2a-1b0c9d8e7f6a';
    expect((await control('/apps', { appId, displayName: 'Second collector', secrets: [{ value: 's3cret' }] })).status).toBe(201);
    const tenantId = '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d';
    const created = await control('/tenants', {
      tenantId,
      displayName: 'Adatum',
      initialDomain: 'adatum.onmicrosoft.com',
      consents: [{ appId, roles: { graph: ['User.Read.All'] } }],
    });
    expect(created.status).toBe(201);
    const token = await requestToken(sim, 'adatum.onmicrosoft.com', {
      grant_type: 'client_credentials',
      client_id: appId,
      client_secret: 's3cret',
      scope: 'https://graph.microsoft.com/.default',
    });
    expect(token.status).toBe(200);
    expect((await control('/tenants', { tenantId, displayName: 'Adatum', initialDomain: 'adatum.onmicrosoft.com', consents: [] })).status).toBe(409);
  });

  it('injects Graph records that the API then serves, and exposes entity state', async () => {
    const signIn = {
      id: 'a1b2c3d4-0000-4000-8000-000000000001',
      createdDateTime: '2024-05-06T11:30:00Z',
      userPrincipalName: 'adele@contoso.com',
      status: { errorCode: 0, failureReason: null, additionalDetails: null },
    };
    expect((await control(`/tenants/${CONTOSO_ID}/graph`, { signIns: [signIn] })).status).toBe(201);
    const token = await secretToken(sim, CONTOSO_ID, 'graph');
    const page = (await getJson(`${sim.url}/v1.0/auditLogs/signIns`, token)).body as { value: unknown[] };
    expect(page.value).toEqual([signIn]);
    const entities = await control(`/tenants/${CONTOSO_ID}/entities/signIns`);
    expect(entities.body).toEqual({ total: 1, items: [signIn] });
    expect((await control(`/tenants/${CONTOSO_ID}/entities/nothing`)).status).toBe(404);
  });

  it('reads back what remediation changes: a user with methods, rules, mailbox and risk; sets mailbox forwarding', async () => {
    const user = {
      id: 'b7e0c1d2-3f4a-4b5c-8d6e-7f8091a2b3c4',
      displayName: 'Adele Vance',
      userPrincipalName: 'adele@contoso.com',
      mail: 'adele@contoso.com',
      accountEnabled: true,
      createdDateTime: '2023-01-01T00:00:00Z',
      lastPasswordChangeDateTime: null,
      otherMails: [],
      assignedLicenses: [],
      userType: 'Member',
      givenName: 'Adele',
      surname: 'Vance',
      jobTitle: null,
      mobilePhone: null,
      officeLocation: null,
      preferredLanguage: null,
      businessPhones: [],
      usageLocation: 'US',
      signInActivity: {},
    };
    expect((await control(`/tenants/${CONTOSO_ID}/graph`, { users: [user] })).status).toBe(201);
    const forwarded = await control(
      `/tenants/${CONTOSO_ID}/mailboxes/adele@contoso.com/forwarding`,
      { ForwardingSmtpAddress: 'x@fabrikam.com', DeliverToMailboxAndForward: true },
      'PUT',
    );
    expect(forwarded.body).toMatchObject({
      Alias: 'adele',
      ForwardingSmtpAddress: 'smtp:x@fabrikam.com',
      DeliverToMailboxAndForward: true,
      WhenChanged: '2024-05-06T12:00:00Z',
    });
    expect((await control(`/tenants/${CONTOSO_ID}/mailboxes/adele@contoso.com/forwarding`, { ForwardingSmtpAddress: 'not mail' }, 'PUT')).status).toBe(400);
    const state = await control(`/tenants/${CONTOSO_ID}/users/${user.id}`);
    expect(state.body).toMatchObject({
      user: { userPrincipalName: 'adele@contoso.com' },
      authenticationMethods: [{ '@odata.type': '#microsoft.graph.passwordAuthenticationMethod' }],
      registrationDetails: null,
      messageRules: [],
      inboxRules: [],
      mailbox: { ForwardingSmtpAddress: 'smtp:x@fabrikam.com' },
      riskyUser: null,
      riskyUserHistory: [],
    });
    expect((await control(`/tenants/${CONTOSO_ID}/entities/mailboxes`)).body).toMatchObject({ total: 1, items: [{ UserPrincipalName: 'adele@contoso.com' }] });
    const sps = (await control(`/tenants/${CONTOSO_ID}/entities/servicePrincipals`)).body as { items: { id: string; appId: string }[] };
    const collector = sps.items.find((s) => s.appId === COLLECTOR_APP_ID)!;
    const sp = await control(`/tenants/${CONTOSO_ID}/servicePrincipals/${COLLECTOR_APP_ID}`);
    expect(sp.body).toMatchObject({ servicePrincipal: { id: collector.id }, oauth2PermissionGrants: [], appRoleAssignedTo: [] });
    expect((sp.body as { appRoleAssignments: unknown[] }).appRoleAssignments.length).toBeGreaterThan(0);
    for (const path of ['users/nobody@contoso.com', 'servicePrincipals/nothing', 'drives/b!x/items/y'])
      expect((await control(`/tenants/${CONTOSO_ID}/${path}`)).status).toBe(404);
    expect((await control(`/tenants/${CONTOSO_ID}/transportRules`)).body).toEqual([]);

    // An injected Set-Mailbox record is what happened to the mailbox.
    const record = {
      Id: 'c0ffee00-0000-4000-8000-000000000001',
      RecordType: 1,
      CreationTime: '2024-05-06T11:00:00',
      Operation: 'Set-Mailbox',
      OrganizationId: CONTOSO_ID,
      UserType: 0,
      UserKey: '10032002643F6746',
      Workload: 'Exchange',
      ResultStatus: 'True',
      UserId: 'adele@contoso.com',
      ObjectId: user.id,
      Parameters: [
        { Name: 'Identity', Value: `NAMPR04A001.PROD.OUTLOOK.COM/Microsoft Exchange Hosted Organizations/contoso.onmicrosoft.com/${user.id}` },
        { Name: 'ForwardingSmtpAddress', Value: 'smtp:payroll@fabrikam.com' },
      ],
    };
    expect((await control(`/tenants/${CONTOSO_ID}/audit`, { records: [record] })).status).toBe(201);
    expect((await control(`/tenants/${CONTOSO_ID}/users/adele@contoso.com`)).body).toMatchObject({
      mailbox: { ForwardingSmtpAddress: 'smtp:payroll@fabrikam.com', DeliverToMailboxAndForward: true },
    });
  });

  it('rejects malformed injections', async () => {
    expect((await control(`/tenants/${CONTOSO_ID}/audit`, { records: [{ Operation: 'x' }] })).status).toBe(400);
    expect((await control(`/tenants/${CONTOSO_ID}/faults`, { rules: [{ kind: 'meltdown' }] }, 'PUT')).status).toBe(400);
    expect((await control('/clock', { advance: 'soon' })).status).toBe(400);
  });

  it('reads, sets and advances the clock', async () => {
    expect((await control('/clock')).body).toEqual({ now: '2024-05-06T12:00:00.000Z', frozen: true });
    expect((await control('/clock', { advance: '90m' })).body).toMatchObject({ now: '2024-05-06T13:30:00.000Z' });
    expect((await control('/clock', { advanceMs: 1000 })).body).toMatchObject({ now: '2024-05-06T13:30:01.000Z' });
    expect((await control('/clock', { set: '2024-06-01T00:00:00Z' })).body).toMatchObject({ now: '2024-06-01T00:00:00.000Z' });
    expect(sim.state.now()).toBe(Date.parse('2024-06-01T00:00:00Z'));
    expect(Date.parse(T0)).toBeLessThan(sim.state.now());
  });

  it('records every request in the log, filterable by API and tenant', async () => {
    await requestToken(sim, CONTOSO_ID, {
      grant_type: 'client_credentials',
      client_id: COLLECTOR_APP_ID,
      client_secret: COLLECTOR_SECRET,
      scope: 'https://graph.microsoft.com/.default',
    });
    await requestToken(sim, CONTOSO_ID, {
      grant_type: 'client_credentials',
      client_id: COLLECTOR_APP_ID,
      client_secret: 'bad',
      scope: 'https://graph.microsoft.com/.default',
    });
    const { body } = await control(`/requests?api=token&tenant=${CONTOSO_ID}`);
    const items = (body as { items: { status: number; path: string; appId: string; simTime: string }[] }).items;
    expect(items.map((i) => i.status)).toEqual([200, 401]);
    expect(items[0]).toMatchObject({ path: `/${CONTOSO_ID}/oauth2/v2.0/token`, appId: COLLECTOR_APP_ID, simTime: '2024-05-06T12:00:00.000Z' });
    expect((await control('/requests', undefined, 'DELETE')).status).toBe(204);
    expect(((await control('/requests?api=token')).body as { items: unknown[] }).items).toEqual([]);
  });
});
