import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { classifyIp, createIpIntel, type IpIntelService } from '../../enrichment/ip/index.ts';
import { fixture, hasMaxmindFixtures, sourceEntries } from '../../test/helpers/maxmind-fixtures.ts';
import { detectRecords, prepareRules } from './evaluate.ts';
import { addressesForIpIntel, resolveIpIntel } from './ip-context.ts';
import { normalizeRecord } from '../collector/normalize/index.ts';
import { RULES } from './registry.ts';
import { mergeSettings } from './settings.ts';
import { exchangeCmdlet, ualSignIn } from './rules/fixtures/case-records.ts';
import type { CaseRecord, DetectionRecord } from './types.ts';

const RULE = 'M365.AzureAD.AnonymizedIpSignIn';

function detectionRecords(cases: CaseRecord[]): DetectionRecord[] {
  return cases.map((c, i) => {
    const n = normalizeRecord(c.source, c.raw);
    if (!n.ok) throw new Error(n.reason);
    return { ...n.activity, activityId: `a${i}`, tenantId: 't', source: c.source, raw: c.raw };
  });
}

type AnonymousFlags = {
  is_tor_exit_node?: boolean;
  is_public_proxy?: boolean;
  is_residential_proxy?: boolean;
  is_anonymous_vpn?: boolean;
  is_hosting_provider?: boolean;
};

describe.skipIf(!hasMaxmindFixtures)('anonymised sign-ins with MaxMind Anonymous IP data and the free AS data', () => {
  let ipIntel: IpIntelService;
  beforeAll(() => {
    ipIntel = createIpIntel({
      providers: [
        { provider: 'maxmind', databases: { anonymousIp: fixture('GeoIP2-Anonymous-IP-Test.mmdb') }, pollIntervalSeconds: 0 },
        { provider: 'ip-location-db' },
      ],
    });
  });
  afterAll(() => ipIntel.close());

  test('every network of GeoIP2-Anonymous-IP-Test: high for Tor, proxies and VPNs, medium for hosting only', async () => {
    const entries = sourceEntries<AnonymousFlags>('GeoIP2-Anonymous-IP-Test.source.json');
    expect(entries.filter((e) => classifyIp(e.ip).kind === 'public').length).toBeGreaterThan(8);
    const records = entries.map((e, i) => ualSignIn({ user: `user${i}@contoso.com`, ip: e.ip, minutes: i }));
    const intel = await resolveIpIntel(ipIntel, addressesForIpIntel(detectionRecords(records), prepareRules(RULES, mergeSettings())));
    const matches = detectRecords(records, { rules: RULES, domains: ['contoso.com'], ipIntel: intel }).filter((m) => m.rule.id === RULE);
    for (const [i, { ip, record: flags }] of entries.entries()) {
      const m = matches.find((x) => x.record.activityId === `activity-${i}`);
      const strong = flags.is_tor_exit_node || flags.is_public_proxy || flags.is_residential_proxy || flags.is_anonymous_vpn;
      // The test data also holds addresses outside global unicast (abcd:1000::), never looked up.
      const expected = classifyIp(ip).kind !== 'public' ? null : strong ? 'high' : flags.is_hosting_provider ? 'medium' : null;
      expect(m?.severity ?? null, `${ip} ${JSON.stringify(flags)}`).toBe(expected);
      if (flags.is_tor_exit_node) expect(m?.finding.description).toContain('Tor exit node');
    }
  });

  test('an address outside the anonymiser data falls back to the AS list; documentation addresses are not looked up', async () => {
    const records = [ualSignIn({ user: 'megan.bowen@contoso.com', ip: '159.203.84.17' }), ualSignIn({ user: 'alex.wilber@contoso.com', ip: '203.0.113.10' })];
    const intel = await resolveIpIntel(ipIntel, ['159.203.84.17', '203.0.113.10']);
    expect([...intel.keys()]).toEqual(['159.203.84.17']);
    expect(intel.get('159.203.84.17')?.network).toMatchObject({ asNumber: 14061 });
    const [m, ...rest] = detectRecords(records, { rules: RULES, domains: ['contoso.com'], ipIntel: intel }).filter((x) => x.rule.id === RULE);
    expect(rest).toEqual([]);
    expect(m).toMatchObject({
      severity: 'medium',
      finding: { primary: { key: 'megan.bowen@contoso.com' }, fields: { anonymizer: 'hosting', anonymizerSource: 'as-list', asNumber: 14061 } },
    });
  });
});

test('only the addresses of records a rule using IP intelligence can see are resolved', () => {
  const records = detectionRecords([
    ualSignIn({ user: 'megan.bowen@contoso.com', ip: '159.203.84.17' }),
    ualSignIn({ user: 'alex.wilber@contoso.com', ip: '159.203.84.17' }),
    exchangeCmdlet({
      operation: 'Set-Mailbox',
      clientIp: '104.28.196.63:443',
      parameters: [
        ['Identity', 'megan.bowen'],
        ['ForwardingSmtpAddress', 'smtp:x@fabrikam.com'],
      ],
    }),
  ]);
  expect(addressesForIpIntel(records, prepareRules(RULES, mergeSettings()))).toEqual(['159.203.84.17']);
  // Sign-in addresses are read by the anonymiser rule and the spread-out spray (its network); with both off, none.
  expect(
    addressesForIpIntel(
      records,
      prepareRules(RULES, mergeSettings({ rules: { [RULE]: { enabled: false }, 'M365.AzureAD.DistributedPasswordSpray': { enabled: false } } })),
    ),
  ).toEqual([]);
});
