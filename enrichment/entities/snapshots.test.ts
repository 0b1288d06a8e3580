import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { BEC } from '../../services/sim/m365/scenarios/index.ts';
import { createIpIntel, type IpIntelService } from '../ip/index.ts';
import { ipEntityResult } from '../ip-entity.ts';
import { inboxRuleKey } from './inbox-rule.ts';
import { linkUrlFromAudit } from './link.ts';
import { SNAPSHOT_SCHEMAS } from './snapshots.ts';
import { contosoRef, startHarness, type EnrichmentHarness } from '../../test/helpers/entity-harness.ts';
import type { EnrichmentResult } from './types.ts';

let h: EnrichmentHarness;
let ipIntel: IpIntelService;
beforeAll(async () => {
  h = await startHarness();
  ipIntel = createIpIntel();
});
afterAll(async () => {
  await ipIntel.close();
  await h.close();
});

/** The snapshot is exactly what the schema describes: parsing keeps every key (nothing undescribed is stripped) and changes no value. */
function expectDescribed(schema: z.ZodType, result: EnrichmentResult): void {
  if (result.status !== 'recorded') throw new Error(`${result.reason}: ${result.message}`);
  const parsed = schema.safeParse(result.snapshot);
  expect(parsed.error?.issues ?? []).toEqual([]);
  expect(parsed.data).toEqual(result.snapshot);
}

describe('every recorded snapshot is what its published schema says', () => {
  it.each([
    ['user', () => contosoRef('user', BEC.victimUpn), {}],
    ['app with delegated and application permissions', () => contosoRef('app', BEC.consentApp.appId), {}],
    ['another app', () => contosoRef('app', BEC.backupApp.appId), {}],
    ['inbox rule', () => contosoRef('inbox_rule', inboxRuleKey(BEC.victimUpn, BEC.inboxRuleName)), { reason: 'Forwards mail outside' }],
    ['mail flow rule', () => contosoRef('mail_flow_rule', BEC.transportRuleName), { reason: 'Blind-copies outgoing mail' }],
    [
      'anonymous link',
      () => contosoRef('link', linkUrlFromAudit(BEC.financeSite, BEC.financeFolder)),
      { siteUrl: BEC.financeSite, sourceRelativeUrl: BEC.financeFolder },
    ],
  ] as const)('%s', async (_name, ref, context) => {
    const entity = ref();
    expectDescribed(SNAPSHOT_SCHEMAS[entity.kind], await h.entities.enrich(entity, context));
  });

  it.each(['2001:4860:4860::8888', '8.8.8.8', '10.1.2.3'])('IP address %s', async (address) => {
    expectDescribed(SNAPSHOT_SCHEMAS.ip, ipEntityResult(await ipIntel.lookup(address)));
  });

  it('a snapshot that lost a field or changed its type is not what the schema says', async () => {
    const r = await h.entities.enrich(contosoRef('user', BEC.victimUpn));
    if (r.status !== 'recorded') throw new Error(r.message);
    const { isAdmin: _dropped, ...withoutIsAdmin } = r.snapshot;
    expect(SNAPSHOT_SCHEMAS.user.safeParse(withoutIsAdmin).success).toBe(false);
    expect(SNAPSHOT_SCHEMAS.user.safeParse({ ...r.snapshot, status: 'deleted' }).success).toBe(false);
  });
});
