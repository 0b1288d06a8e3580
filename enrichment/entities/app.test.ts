import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BEC } from '../../services/sim/m365/scenarios/index.ts';
import { COLLECTOR_APP_ID } from '../../test/helpers/m365-sim.ts';
import type { AppSnapshot } from './app.ts';
import { contosoRef, FABRIKAM, startHarness, type EnrichmentHarness } from '../../test/helpers/entity-harness.ts';

let h: EnrichmentHarness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

async function snapshot(key: string): Promise<AppSnapshot> {
  const r = await h.entities.enrich(contosoRef('app', key));
  if (r.status !== 'recorded') throw new Error(`${r.reason}: ${r.message}`);
  return r.snapshot as AppSnapshot;
}

describe('app enrichment against the simulator', () => {
  it('the consented app: unverified publisher, Mail.ReadWrite and offline_access delegated by one user, rated', async () => {
    const s = await snapshot(BEC.consentApp.appId);
    expect(s).toMatchObject({
      appId: BEC.consentApp.appId,
      displayName: 'Mail Sync Pro',
      type: 'enterprise-app',
      status: 'enabled',
      publisher: 'Mail Sync Pro',
      verifiedPublisher: false,
      verification: 'unverified',
      isMicrosoft: false,
      registeredIn: 'other-organization',
      consentType: 'Principal',
      permissions: ['Mail.ReadWrite', 'User.Read', 'offline_access'],
      applicationPermissions: [],
      highestRisk: 'high',
      roles: [],
      description: 'Sync your mailbox with any device.',
    });
    const byName = Object.fromEntries(s.delegatedPermissions.map((p) => [p.name, p]));
    expect(byName['Mail.ReadWrite']).toMatchObject({ resource: 'Microsoft Graph', risk: 'high', consentType: 'Principal', users: 1 });
    expect(byName['Mail.ReadWrite']?.description).toMatch(/delete the user's mail/);
    expect(byName.offline_access).toMatchObject({ risk: 'medium' });
    expect(byName['User.Read']).toMatchObject({ risk: 'low' });
    // The filter language's App.* keys.
    for (const key of ['displayName', 'appId', 'publisher', 'verifiedPublisher', 'isMicrosoft', 'permissions', 'consentType']) expect(s).toHaveProperty(key);
  });

  it('finds the same app by service principal object id', async () => {
    const byAppId = await snapshot(BEC.consentApp.appId);
    expect((await snapshot(byAppId.servicePrincipalId)).appId).toBe(BEC.consentApp.appId);
  });

  it('an app with application permissions, resolved to names through Microsoft Graph appRoles', async () => {
    const s = await snapshot(BEC.backupApp.appId);
    expect(s).toMatchObject({
      verifiedPublisher: true,
      verification: 'verified',
      publisher: 'Northwind Traders',
      consentType: 'AllPrincipals',
      delegatedPermissions: [],
      highestRisk: 'high',
      firstGrantedDateTime: '2023-11-20T14:02:11Z',
    });
    expect(s.applicationPermissions.map((p) => [p.name, p.risk, p.resource])).toEqual([
      ['Files.ReadWrite.All', 'high', 'Microsoft Graph'],
      ['Mail.Read', 'high', 'Microsoft Graph'],
    ]);
  });

  it('Microsoft Graph itself is a first-party app', async () => {
    expect(await snapshot('00000003-0000-0000-c000-000000000000')).toMatchObject({
      type: 'microsoft-first-party',
      isMicrosoft: true,
      verification: 'microsoft',
    });
  });

  it('the enrichment app sees its own consented application permissions', async () => {
    const s = await snapshot(COLLECTOR_APP_ID);
    expect(s.permissions).toContain('Exchange.ManageAsApp');
    expect(s.applicationPermissions.find((p) => p.name === 'Exchange.ManageAsApp')).toMatchObject({ resource: 'Office 365 Exchange Online', risk: 'critical' });
  });

  it('a deleted app is entity-deleted with its removal date; an unknown one too', async () => {
    const r = await h.entities.enrich(contosoRef('app', BEC.deletedApp.appId));
    expect(r).toMatchObject({ status: 'unavailable', reason: 'entity-deleted', message: 'The app was removed from the tenant on 2024-05-03 00:00:00 UTC.' });
    const unknown = await h.entities.enrich(contosoRef('app', '11111111-2222-4333-8444-555555555555'));
    expect(unknown).toMatchObject({ status: 'unavailable', reason: 'entity-deleted' });
    expect(await h.entities.enrich(contosoRef('app', 'not a guid'))).toMatchObject({ status: 'unavailable', reason: 'no-data' });
  });

  it('without Application.Read.All: permission-missing, naming it', async () => {
    const r = await h.entities.enrich({ kind: 'app', key: BEC.consentApp.appId, tenant: FABRIKAM.tenantId });
    expect(r).toMatchObject({
      status: 'unavailable',
      reason: 'permission-missing',
      message: 'The app lacks Application.Read.All; grant it and give admin consent.',
      transient: false,
    });
  });
});
