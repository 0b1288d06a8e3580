import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BEC } from '../../services/sim/m365/scenarios/index.ts';
import { linkUrlFromAudit, type LinkSnapshot } from './link.ts';
import { contosoRef, FABRIKAM, startHarness, type EnrichmentHarness } from '../../test/helpers/entity-harness.ts';

let h: EnrichmentHarness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

// What the AnonymousLinkCreated audit record carries.
const audit = { siteUrl: `${BEC.financeSite}/`, sourceRelativeUrl: BEC.financeFolder };

describe('anonymous link enrichment against the simulator', () => {
  it('the finance folder shared with anyone: active, view, no expiry, with site and path', async () => {
    const r = await h.entities.enrich(contosoRef('link', linkUrlFromAudit(audit.siteUrl, audit.sourceRelativeUrl)), audit);
    expect(r.status).toBe('recorded');
    const s = (r.status === 'recorded' ? r.snapshot : {}) as LinkSnapshot;
    expect(s).toMatchObject({
      name: 'Wire Transfers',
      itemType: 'folder',
      status: 'active',
      access: 'view',
      expiration: null,
      site: BEC.financeSite,
      path: BEC.financeFolder,
      createdBy: BEC.victimUpn,
      otherLinks: 0,
    });
    expect(s.anonymousLinks).toHaveLength(1);
    expect(JSON.stringify(s)).not.toContain(':f:/s/Finance');
    // The same item by drive and item id.
    const direct = await h.entities.enrich(contosoRef('link', `drives/${s.driveId}/items/${s.itemId}`));
    expect(direct.status === 'recorded' && direct.snapshot.status).toBe('active');
  });

  it('a file whose anonymous link was removed is recorded as removed', async () => {
    const r = await h.entities.enrich(contosoRef('link', linkUrlFromAudit(BEC.financeSite, BEC.removedLinkFile)));
    expect(r.status === 'recorded' && r.snapshot).toMatchObject({ status: 'removed', access: null, itemType: 'file', anonymousLinks: [] });
  });

  it('a deleted item is entity-deleted; no Files.Read.All is permission-missing', async () => {
    expect(await h.entities.enrich(contosoRef('link', `${BEC.financeSite}/Shared Documents/Finance/gone.docx`))).toMatchObject({
      status: 'unavailable',
      reason: 'entity-deleted',
    });
    expect(await h.entities.enrich({ kind: 'link', key: `${BEC.financeSite}/Shared Documents/x.docx`, tenant: FABRIKAM.tenantId })).toMatchObject({
      status: 'unavailable',
      reason: 'permission-missing',
      message: 'The app lacks Files.Read.All; grant it and give admin consent.',
    });
  });
});
