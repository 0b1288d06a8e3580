import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BEC } from '../../services/sim/m365/scenarios/index.ts';
import { createEntityEnrichment, inboxRuleKey, type EntityEnrichment } from './index.ts';
import { contosoRef, startHarness, type EnrichmentHarness } from '../../test/helpers/entity-harness.ts';

let h: EnrichmentHarness;
let clock = Date.parse('2024-05-08T06:00:00Z');
let live: EntityEnrichment;

beforeAll(async () => {
  h = await startHarness();
  live = createEntityEnrichment({ graphBaseUrl: h.sim.url, exchangeBaseUrl: h.sim.url, getToken: h.getToken, now: () => clock, liveLookupsPerMinute: 6 });
});
afterAll(() => h.close());

const control = (path: string, method: string, body: unknown) =>
  fetch(`${h.sim.url}/_sim/tenants/${h.scenario.tenantId}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  }).then((r) => {
    expect(r.ok).toBe(true);
  });

describe('live lookups', () => {
  it('marks what changed since the snapshot after the simulator changes the user and the rule', async () => {
    const userRef = contosoRef('user', BEC.victimUpn);
    const ruleRef = contosoRef('inbox_rule', inboxRuleKey(BEC.victimUpn, BEC.inboxRuleName));
    const user = await h.entities.enrich(userRef);
    const rule = await h.entities.enrich(ruleRef);
    if (user.status !== 'recorded' || rule.status !== 'recorded') throw new Error('not recorded');

    const unchanged = await live.lookupLive(userRef, { recorded: user.snapshot });
    expect(unchanged).toMatchObject({ changes: [], cached: false });

    // The admin (or attacker) acts: the account is disabled and signs in once more, the rule is turned off.
    const victim = h.sim.state.findTenant(h.scenario.tenantId)!.users.find((u) => u.userPrincipalName === BEC.victimUpn)!;
    await control('/graph', 'POST', {
      users: [{ ...victim, accountEnabled: false, signInActivity: { ...victim.signInActivity, lastSignInDateTime: '2024-05-08T05:00:00Z' } }],
    });
    const rules = h.sim.state.findTenant(h.scenario.tenantId)!.directory.messageRules.get(victim.id.toLowerCase())!;
    await control(
      `/mailboxes/${victim.id}/messageRules`,
      'PUT',
      rules.map((r) => (r.displayName === BEC.inboxRuleName ? { ...r, isEnabled: false } : r)),
    );

    // Cached for a minute: the page reload does not call Microsoft again.
    expect(await live.lookupLive(userRef, { recorded: user.snapshot })).toMatchObject({ changes: [], cached: true });
    clock += 61_000;
    const after = await live.lookupLive(userRef, { recorded: user.snapshot });
    expect(after.cached).toBe(false);
    // The last sign-in moved too, but it is volatile and not marked.
    expect(after.changes).toEqual([{ path: 'status', recorded: 'enabled', live: 'disabled' }]);
    expect((await live.lookupLive(ruleRef, { recorded: rule.snapshot })).changes).toEqual([{ path: 'status', recorded: 'enabled', live: 'disabled' }]);

    // Deleted since: the status change is "deleted".
    await control(
      `/mailboxes/${victim.id}/messageRules`,
      'PUT',
      rules.filter((r) => r.displayName !== BEC.inboxRuleName),
    );
    clock += 61_000;
    const gone = await live.lookupLive(ruleRef, { recorded: rule.snapshot });
    expect(gone.result).toMatchObject({ status: 'unavailable', reason: 'entity-deleted' });
    expect(gone.changes).toEqual([{ path: 'status', recorded: 'enabled', live: 'deleted' }]);
  });

  it('rate-limits live lookups per tenant and refills with time', async () => {
    clock += 10 * 60_000;
    const ref = (i: number) => contosoRef('app', `00000000-0000-4000-8000-00000000000${i}`);
    const results = [];
    for (let i = 0; i < 7; i++) results.push(await live.lookupLive(ref(i)));
    expect(results.slice(0, 6).every((r) => r.result.status === 'unavailable' && r.result.reason === 'entity-deleted')).toBe(true);
    expect(results[6]?.result).toMatchObject({ status: 'unavailable', reason: 'rate-limited', transient: true });
    expect(results[6]?.result.status === 'unavailable' && results[6].result.message).toMatch(/at most 6 a minute/);
    expect(results[6]?.retryAfterSeconds).toBe(10);
    // A cached answer costs nothing; another tenant has its own bucket.
    expect((await live.lookupLive(ref(0))).cached).toBe(true);
    expect((await live.lookupLive({ kind: 'user', key: 'x@fabrikam.com', tenant: 'c3f0b9e2-8d1a-4f6b-b7c5-2e4d6f8a0b1c' })).result).not.toMatchObject({
      reason: 'rate-limited',
    });
    clock += 10_000; // one token back (6 a minute)
    expect((await live.lookupLive(ref(8))).result).not.toMatchObject({ reason: 'rate-limited' });
  });

  it('never throws: an unreachable service or a failing token source is unavailable', async () => {
    const broken = createEntityEnrichment({
      graphBaseUrl: h.sim.url,
      exchangeBaseUrl: h.sim.url,
      getToken: () => Promise.reject(new Error('AADSTS7000222: the client secret has expired')),
    });
    for (const kind of ['user', 'app', 'inbox_rule', 'mail_flow_rule', 'link'] as const) {
      const r = await broken.enrich({
        kind,
        key:
          kind === 'app'
            ? '00000000-0000-4000-8000-000000000001'
            : kind === 'inbox_rule'
              ? 'a@b\\c'
              : kind === 'link'
                ? 'https://contoso.sharepoint.com/x'
                : 'x',
        tenant: h.scenario.tenantId,
      });
      expect(r, kind).toMatchObject({ status: 'unavailable', reason: 'error', transient: true });
    }
    const nowhere = createEntityEnrichment({ graphBaseUrl: 'https://127.0.0.1:1', exchangeBaseUrl: 'https://127.0.0.1:1', getToken: h.getToken });
    expect(await nowhere.enrich(contosoRef('user', BEC.victimUpn))).toMatchObject({ status: 'unavailable', reason: 'error' });
  });
});
