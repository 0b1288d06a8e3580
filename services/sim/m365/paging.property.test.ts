/**
 * Property tests for the two paging protocols: whatever the data, the page size and the time
 * window, following @odata.nextLink / NextPageUri yields exactly the records in the window,
 * each once.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { M365Simulator } from './index.ts';
import type { AuditRecord } from './records.ts';
import { COLLECTOR_APP_ID, getJson, secretToken, startTestSim, T0 } from '../../../test/helpers/m365-sim.ts';
import { collectorConsent } from './scenarios/index.ts';

let sim: M365Simulator;
let tenantSeq = 0;
const DAY = 86_400_000;

beforeAll(async () => {
  sim = await startTestSim({ contentPageSize: 4, blobWindowMs: 10 * 60_000 });
});
afterAll(() => sim.close());

async function newTenant(): Promise<string> {
  const tenantId = `00000000-0000-4000-8000-${String(++tenantSeq).padStart(12, '0')}`;
  const response = await fetch(`${sim.url}/_sim/tenants`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      tenantId,
      displayName: `T${tenantSeq}`,
      initialDomain: `t${tenantSeq}.onmicrosoft.com`,
      consents: [collectorConsent(COLLECTOR_APP_ID)],
      subscriptions: ['Audit.Exchange'],
    }),
  });
  expect(response.status).toBe(201);
  return tenantId;
}

const offsetsInDay = fc.array(fc.integer({ min: 0, max: DAY - 1 }), { minLength: 0, maxLength: 60 });

describe('paging properties', () => {
  it('Graph: nextLink paging returns exactly the sign-ins in [ge, lt), each once, for any $top', async () => {
    await fc.assert(
      fc.asyncProperty(
        offsetsInDay,
        fc.integer({ min: 1, max: 25 }),
        fc.integer({ min: 0, max: DAY }),
        fc.integer({ min: 0, max: DAY }),
        async (offsets, top, a, b) => {
          const tenantId = await newTenant();
          const dayStart = Date.parse(T0) - DAY;
          // Several sign-ins may share a timestamp: the cursor must still not skip or repeat them.
          const signIns = offsets.map((o, i) => ({
            id: `5160${String(i).padStart(4, '0')}-0000-4000-8000-000000000000`,
            createdDateTime: new Date(dayStart + Math.floor(o / 1000) * 1000).toISOString(),
          }));
          await fetch(`${sim.url}/_sim/tenants/${tenantId}/graph`, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify({ signIns }),
          });
          const [from, to] = [Math.min(a, b), Math.max(a, b)].map((x) => new Date(dayStart + x).toISOString()) as [string, string];
          const token = await secretToken(sim, tenantId, 'graph');
          const seen: string[] = [];
          let url: string | undefined =
            `${sim.url}/v1.0/auditLogs/signIns?$top=${top}&$filter=${encodeURIComponent(`createdDateTime ge ${from} and createdDateTime lt ${to}`)}`;
          while (url) {
            const page = (await getJson(url, token)).body as { value: { id: string }[]; '@odata.nextLink'?: string };
            expect(page.value.length).toBeLessThanOrEqual(top);
            seen.push(...page.value.map((v) => v.id));
            url = page['@odata.nextLink'];
          }
          const expected = signIns
            .filter((s) => Date.parse(s.createdDateTime) >= Date.parse(from) && Date.parse(s.createdDateTime) < Date.parse(to))
            .map((s) => s.id);
          expect(seen.length).toBe(new Set(seen).size);
          expect([...seen].sort()).toEqual([...expected].sort());
        },
      ),
      { numRuns: 25 },
    );
  });

  it('Management API: NextPageUri paging lists exactly the blobs created in [startTime, endTime), each once', async () => {
    await fc.assert(
      fc.asyncProperty(offsetsInDay, fc.integer({ min: 0, max: DAY }), fc.integer({ min: 0, max: DAY }), async (offsets, a, b) => {
        const tenantId = await newTenant();
        const dayStart = Date.parse(T0) - DAY;
        const records = offsets.map((o, i) => {
          const record: AuditRecord = {
            Id: `a0d10000-0000-4000-8000-${String(i).padStart(12, '0')}`,
            RecordType: 1,
            CreationTime: new Date(dayStart + o).toISOString().slice(0, 19),
            Operation: 'Set-Mailbox',
            OrganizationId: tenantId,
            UserType: 2,
            UserKey: '10032000456EB2E1',
            Workload: 'Exchange',
            UserId: 'admin@contoso.com',
          };
          return { record };
        });
        await fetch(`${sim.url}/_sim/tenants/${tenantId}/audit`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ records }),
        });
        // A window of at most 24 hours, as the API requires (and at least a minute).
        const low = Math.min(a, b);
        const [start, end] = [low, Math.min(Math.max(a, b) + 60_000, low + DAY)].map((x) => dayStart + Math.floor(x / 60_000) * 60_000) as [number, number];
        const token = await secretToken(sim, tenantId, 'manage');
        const seenBlobs: string[] = [];
        const seenRecords: string[] = [];
        let url: string | null =
          `${sim.url}/api/v1.0/${tenantId}/activity/feed/subscriptions/content?contentType=Audit.Exchange&startTime=${new Date(start).toISOString().slice(0, 16)}&endTime=${new Date(end).toISOString().slice(0, 16)}`;
        while (url) {
          const page = await getJson(url, token);
          expect(page.status).toBe(200);
          const items = page.body as { contentId: string; contentUri: string }[];
          expect(items.length).toBeLessThanOrEqual(4);
          for (const item of items) {
            seenBlobs.push(item.contentId);
            seenRecords.push(...((await getJson(item.contentUri, token)).body as AuditRecord[]).map((r) => r.Id));
          }
          url = page.headers.get('NextPageUri');
        }
        const blobs = sim.state.tenants.get(tenantId)?.blobs ?? [];
        const expected = blobs.filter((blob) => blob.contentCreated >= start && blob.contentCreated < end);
        expect(seenBlobs.length).toBe(new Set(seenBlobs).size);
        expect([...seenBlobs].sort()).toEqual(expected.map((blob) => blob.contentId).sort());
        expect([...seenRecords].sort()).toEqual(expected.flatMap((blob) => blob.records.map((r) => r.Id)).sort());
      }),
      // The widest window (a whole day) is always tried.
      { numRuns: 25, examples: [[[], DAY, 0]] },
    );
  });
});
