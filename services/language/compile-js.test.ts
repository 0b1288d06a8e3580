import { describe, expect, test } from 'vitest';
import { compileToPredicate, describeFilter, parseFilter, type FilterableEvent } from './index.ts';

const matches = (text: string, event: FilterableEvent, now?: number) =>
  compileToPredicate(parseFilter(text), now === undefined ? {} : { now: () => now })(event);

const lockout: FilterableEvent = {
  eventType: 'LoginAttempt',
  operationResult: 'LockedOut',
  userName: 'megan@contoso.com',
  severity: 'high',
  status: 'open',
  count: 3,
  mitre: ['TA0006:T1110'],
  lastSeenAt: new Date('2026-11-15T10:00:00Z'),
  tenantName: 'Contoso',
  fields: { userSource: 'EntraID', clientApp: 42 },
  entities: {
    ip: [
      { key: '203.0.113.7', snapshot: { location: { countryCode: 'NL' }, network: { asNumber: 8075 }, anonymizer: { isAnonymous: false, proxyTypes: [] } } },
      { key: '198.51.100.23', snapshot: { location: { countryCode: 'NG' }, anonymizer: { isAnonymous: true, proxyTypes: ['vpn'] } } },
    ],
    user: [{ key: 'megan@contoso.com', snapshot: null }],
  },
};

describe('the JS predicate', () => {
  test.each([
    ["Event.EventType = 'LoginAttempt' AND Event.OperationResult = 'LockedOut'", true],
    ["Event.EventType = 'loginattempt'", true],
    ["Event.UserName = 'MEGAN@CONTOSO.COM'", true],
    ["Event.UserName LIKE 'MEGAN@%'", true],
    ["Event.UserName CONTAINS 'Contoso'", true],
    ["Event.Severity >= 'high'", true],
    ["Event.Severity > 'high'", false],
    ["Event.Tenant = 'contoso'", true],
    ['Event.Count BETWEEN', 'error'],
    ["Event.Mitre LIKE 'TA0006%'", true],
    ["Event.Mitre = 'TA0009'", false],
    ["Event.UserSource = 'entraid'", true],
    // A value of the wrong type reads as missing.
    ['Event.ClientApp IS NULL', true],
    ["IP.CountryCode = 'NG'", true],
    ["IP.CountryCode = 'NL' AND IP.CountryCode = 'NG'", true],
    ["IP.CountryCode <> 'NL'", false],
    ["IP.CountryCode NOT IN ('US', 'DE')", true],
    ['IP.IsAnonymous', true],
    ['NOT IP.IsAnonymous', false],
    ['IP.ASN = 8075', true],
    ["IP.Address = '198.51.100.23'", true],
    // The user's snapshot is not recorded yet: unknown either way.
    ["User.Department = 'Finance'", false],
    ["User.Department <> 'Finance'", false],
    ['User.Department IS NULL', true],
    ['App.Name IS NULL', true],
    ["App.Name <> 'x'", false],
  ])('%s → %s', (text, expected) => {
    if (expected === 'error') expect(() => matches(text, lockout)).toThrow();
    else expect(matches(text, lockout)).toBe(expected);
  });

  test('NULL follows SQL: a comparison with a missing value is unknown, and NOT unknown is unknown', () => {
    const noUser: FilterableEvent = { eventType: 'LoginAttempt' };
    expect(matches("Event.UserName = 'a'", noUser)).toBe(false);
    expect(matches("Event.UserName <> 'a'", noUser)).toBe(false);
    expect(matches("NOT (Event.UserName = 'a')", noUser)).toBe(false);
    expect(matches("NOT (Event.UserName = 'a') OR Event.EventType = 'LoginAttempt'", noUser)).toBe(true);
    expect(matches("NOT (Event.UserName = 'a' AND Event.EventType = 'Other')", noUser)).toBe(true);
    expect(matches('Event.UserName IS NULL', noUser)).toBe(true);
    expect(matches('NOT (Event.UserName IS NOT NULL)', noUser)).toBe(true);
  });

  test('case folding covers A–Z only, the same in SQL', () => {
    const event: FilterableEvent = { title: 'ZÜRICH İstanbul' };
    expect(matches("Event.Title = 'zÜrich İstanbul'", event)).toBe(true);
    expect(matches("Event.Title = 'zürich istanbul'", event)).toBe(false);
  });

  test('relative times read the clock at evaluation', () => {
    const now = Date.parse('2026-11-20T00:00:00Z');
    expect(matches('Event.Time > NOW - 7d', lockout, now)).toBe(true);
    expect(matches('Event.Time > NOW - 4d', lockout, now)).toBe(false);
    expect(matches("Event.Time >= '2026-11-15' AND Event.Time < '2026-11-16'", lockout)).toBe(true);
    expect(matches("Event.Time = '2026-11-15T11:00:00+01:00'", lockout)).toBe(true);
  });

  test('describeFilter puts a filter in plain words', () => {
    expect(describeFilter(parseFilter("Event.Severity >= 'high' AND NOT IP.IsAnonymous"))).toBe(
      "severity is one of 'high', 'critical' and not (an IP's anonymous is true)",
    );
    expect(describeFilter(parseFilter("Event.Time > NOW - 7d OR Event.UserName LIKE '%@contoso.com'"))).toBe(
      "time after 7 day(s) ago or user name matches '%@contoso.com'",
    );
  });
});
