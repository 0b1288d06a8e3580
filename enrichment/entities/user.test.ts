import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BEC } from '../../services/sim/m365/scenarios/index.ts';
import { contosoRef, FABRIKAM, startHarness, type EnrichmentHarness } from '../../test/helpers/entity-harness.ts';
import type { UserSnapshot } from './user.ts';
import { createEntityEnrichment } from './index.ts';

let h: EnrichmentHarness;
let disabledUpn: string;

beforeAll(async () => {
  h = await startHarness({
    adjust: (scenario) => {
      const user = scenario.users?.find((u) => u.userPrincipalName !== BEC.victimUpn && u.accountEnabled);
      if (!user) throw new Error('no user to disable');
      user.accountEnabled = false;
      disabledUpn = user.userPrincipalName;
    },
  });
});
afterAll(() => h.close());

async function snapshot(key: string): Promise<UserSnapshot> {
  const r = await h.entities.enrich(contosoRef('user', key));
  if (r.status !== 'recorded') throw new Error(`${r.reason}: ${r.message}`);
  return r.snapshot as UserSnapshot;
}

describe('user enrichment against the simulator', () => {
  it('records the bec victim: enabled, MFA by text message, licence by product name, Exchange Administrator', async () => {
    const s = await snapshot(BEC.victimUpn);
    expect(s).toMatchObject({
      schemaVersion: 1,
      userPrincipalName: BEC.victimUpn,
      displayName: 'Isabella Ruiz',
      status: 'enabled',
      jobTitle: 'Finance Manager',
      userType: 'Member',
      country: 'US',
      isBreakGlass: false,
    });
    expect(s.roles).toEqual(['Exchange Administrator']);
    expect(s.isAdmin).toBe(true);
    expect(s.mfaRegistered).toBe(true);
    expect(s.mfa).toMatchObject({ registered: true, methods: ['mobilePhone'], defaultMethod: 'sms' });
    expect(s.licenses).toHaveLength(1);
    expect(['Microsoft 365 E3', 'Microsoft 365 E5']).toContain(s.licenses[0]?.productName);
    expect(s.riskLevel).toBe('medium');
    expect(s.lastSignIn?.interactive).toMatch(/^2024-05-06T15:41:12/);
    expect(s.createdDateTime).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(s.lastPasswordChangeDateTime).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(s.missing).toEqual([]);
  });

  it('provides every User.* key the filter language reads', async () => {
    const s = await snapshot(BEC.victimUpn);
    for (const key of [
      'userPrincipalName',
      'displayName',
      'status',
      'userType',
      'department',
      'jobTitle',
      'country',
      'isAdmin',
      'roles',
      'mfaRegistered',
      'riskLevel',
      'isBreakGlass',
    ])
      expect(s).toHaveProperty(key);
  });

  it('finds a user by object id as by UPN, and marks a configured break-glass account', async () => {
    const byUpn = await snapshot(BEC.victimUpn);
    const r = await h.entities.enrich(contosoRef('user', byUpn.id), { breakGlassAccounts: [BEC.victimUpn.toUpperCase()] });
    expect(r.status === 'recorded' && r.snapshot.isBreakGlass).toBe(true);
  });

  it('records a disabled account as disabled', async () => {
    expect((await snapshot(disabledUpn)).status).toBe('disabled');
  });

  it('tells a user without MFA and without roles from an admin', async () => {
    const tenant = h.sim.state.findTenant(h.scenario.tenantId)!;
    const unregistered = tenant.directory.registrationDetails.find((d) => !d.isMfaRegistered && !d.isAdmin);
    expect(unregistered).toBeDefined();
    const s = await snapshot(unregistered!.userPrincipalName);
    expect(s).toMatchObject({ mfaRegistered: false, roles: [], isAdmin: false, riskLevel: 'none' });
    expect(s.mfa?.methods).toEqual([]);
    const globalAdmin = tenant.directory.roleAssignments.find((a) => a.roleDefinitionId === '62e90394-69f5-4237-9190-012177145e10');
    const admin = await snapshot(globalAdmin!.principalId);
    expect(admin).toMatchObject({ roles: ['Global Administrator'], isAdmin: true, mfaRegistered: true });
    expect(admin.mfa?.defaultMethod).toBe('push');
  });

  it('a deleted user is entity-deleted, with the deletion date from the recycle bin', async () => {
    const r = await h.entities.enrich(contosoRef('user', BEC.formerUser.id));
    expect(r).toMatchObject({ status: 'unavailable', reason: 'entity-deleted', transient: false });
    expect(r.status === 'unavailable' && r.message).toMatch(/^The user was deleted on 2024-04-30 00:00:00 UTC/);
    const byName = await h.entities.enrich(contosoRef('user', BEC.formerUser.upn));
    expect(byName).toMatchObject({ status: 'unavailable', reason: 'entity-deleted', message: 'The user no longer exists in the tenant.' });
  });

  it('without User.Read.All the user is permission-missing, naming the permission', async () => {
    const upn = h.sim.state.findTenant(FABRIKAM.tenantId)!.users[0]!.userPrincipalName;
    // Fabrikam granted User.Read.All only: the account is readable, the other parts say what is missing.
    const r = await h.entities.enrich({ kind: 'user', key: upn, tenant: FABRIKAM.tenantId });
    expect(r.status).toBe('recorded');
    const s = (r.status === 'recorded' ? r.snapshot : {}) as UserSnapshot;
    expect(s.mfaRegistered).toBeNull();
    expect(s.roles).toBeNull();
    expect(s.missing.map((m) => [m.part, m.reason])).toEqual([
      ['lastSignIn', 'permission-missing'],
      ['mfa', 'permission-missing'],
      ['roles', 'permission-missing'],
      ['licenses', 'permission-missing'],
      ['risk', 'permission-missing'],
    ]);
    expect(s.missing.find((m) => m.part === 'mfa')?.message).toBe('The app lacks AuditLog.Read.All; grant it and give admin consent.');

    // Contoso's app without User.Read.All at all: nothing can be read.
    const tenant = h.sim.state.findTenant(h.scenario.tenantId)!;
    const consent = [...tenant.consents.values()][0]!;
    const saved = consent.roles.graph;
    consent.roles.graph = ['AuditLog.Read.All'];
    try {
      // A new token carries the new roles (msal would reuse the cached one).
      const fresh = createEntityEnrichment({ graphBaseUrl: h.sim.url, exchangeBaseUrl: h.sim.url, getToken: (t, r) => h.getToken(t, r, { fresh: true }) });
      const denied = await fresh.enrich(contosoRef('user', BEC.victimUpn));
      expect(denied).toMatchObject({
        status: 'unavailable',
        reason: 'permission-missing',
        message: 'The app lacks User.Read.All; grant it and give admin consent.',
      });
    } finally {
      consent.roles.graph = saved;
    }
  });
});
