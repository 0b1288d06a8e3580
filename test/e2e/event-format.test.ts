/**
 * The event page's words (web/src/lib/components/event/format.ts): the runbook as steps, MITRE
 * links, snapshot fields by kind, what counts as changed. The browser test shows them end to end.
 */
import { describe, expect, test } from 'vitest';
import {
  entityFields,
  isChanged,
  mitreLinks,
  parseHowToReact,
  remediationLabel,
  retryAfterSeconds,
  ruleClauses,
  utcTitle,
  valueAt,
  type KindedSnapshot,
  type SnapshotOf,
} from '../../web/src/lib/components/event/format.ts';

/** A snapshot with only the fields a test is about (the rest reads as not recorded). */
const partial = <K extends keyof SnapshotOf>(kind: K, snapshot: Partial<SnapshotOf[K]>) => ({ kind, snapshot }) as unknown as KindedSnapshot;

describe('parseHowToReact', () => {
  test('numbered lines become steps; continuation lines join the step; text before the first number is an introduction', () => {
    expect(parseHowToReact('Act fast.\n1. Call the user.\n2) Check the rule:\n   its name and address.\n\n10. Reset the password.')).toEqual({
      intro: ['Act fast.'],
      steps: ['Call the user.', 'Check the rule: its name and address.', 'Reset the password.'],
    });
  });

  test('markup stays text', () => {
    expect(parseHowToReact('1. <img src=x onerror=alert(1)>').steps).toEqual(['<img src=x onerror=alert(1)>']);
  });
});

describe('mitreLinks', () => {
  test.each([
    [
      ['TA0009:T1114.003'],
      [
        { id: 'TA0009', href: 'https://attack.mitre.org/tactics/TA0009/' },
        { id: 'T1114.003', href: 'https://attack.mitre.org/techniques/T1114/003/' },
      ],
    ],
    [
      ['T1110', 'TA0006:T1110'],
      [
        { id: 'T1110', href: 'https://attack.mitre.org/techniques/T1110/' },
        { id: 'TA0006', href: 'https://attack.mitre.org/tactics/TA0006/' },
      ],
    ],
    [['javascript:alert(1)', 'T12'], []],
  ])('%j', (ids, expected) => expect(mitreLinks(ids)).toEqual(expected));
});

describe('entity fields', () => {
  test('a user: labelled values, missing details as null, lists kept', () => {
    const rows = entityFields(
      partial('user', {
        displayName: 'Megan Bowen',
        status: 'disabled',
        roles: [],
        mfa: {
          registered: true,
          capable: true,
          methods: ['microsoftAuthenticatorPush'],
          defaultMethod: null,
          systemPreferredMethods: [],
          ssprRegistered: false,
          lastUpdatedDateTime: null,
        },
        licenses: [{ skuId: 'x', skuPartNumber: 'SPE_E3', productName: null }],
      }),
    );
    const by = Object.fromEntries(rows.map((r) => [r.label, r.value]));
    expect(by).toMatchObject({
      'Display name': 'Megan Bowen',
      Account: 'Disabled',
      'Admin roles': ['None'],
      'MFA methods': ['microsoftAuthenticatorPush'],
      'Default MFA method': 'None',
      Licences: ['SPE_E3'],
      Department: null,
    });
  });

  test('an IP: location, network and anonymiser in words', () => {
    const rows = entityFields(
      partial('ip', {
        ip: '203.0.113.9',
        range: 'public',
        location: { countryCode: 'NL', countryName: 'Netherlands', city: 'Amsterdam' },
        network: { asNumber: 9009, asOrganization: 'M247' },
        anonymizer: { isAnonymous: true, proxyTypes: ['vpn'] },
      }),
    );
    const by = Object.fromEntries(rows.map((r) => [r.label, r.value]));
    expect(by).toMatchObject({ Country: 'Netherlands (NL)', City: 'Amsterdam', ASN: 'AS9009 M247', Anonymiser: 'Yes: vpn', ISP: null });
  });

  test('rules in plain words keep the rule values apart from our words', () => {
    const description: SnapshotOf['inbox_rule']['description'] = {
      conditions: [{ kind: 'condition', segments: [{ text: 'the subject contains ' }, { value: 'invoice' }] }],
      exceptions: [],
      actions: [{ kind: 'action', segments: [{ text: 'forward to ' }, { value: 'x@evil.example' }] }],
      sentence: '',
    };
    expect(ruleClauses(partial('inbox_rule', { description }))).toEqual({ conditions: description.conditions, exceptions: [], actions: description.actions });
    expect(ruleClauses(partial('user', {}))).toBeNull();
  });
});

test('isChanged matches a field, its parts and its parents', () => {
  expect(isChanged(['status'], 'status')).toBe(true);
  expect(isChanged(['mfa.methods'], 'mfa')).toBe(true);
  expect(isChanged(['location'], 'location.city')).toBe(true);
  expect(isChanged(['statusText'], 'status')).toBe(false);
  expect(isChanged(undefined, 'status')).toBe(false);
});

test('small helpers', () => {
  expect(valueAt<{ a: { b: number } }>({ a: { b: 1 } }, 'a.b')).toBe(1);
  expect(valueAt<{ a: { b: number } | null }>({ a: null }, 'a.b')).toBeUndefined();
  expect(remediationLabel('block-sign-in')).toBe('Block sign-in');
  expect(remediationLabel('quarantine-device')).toBe('Quarantine device');
  expect(utcTitle('2024-05-06T15:41:12.000Z')).toBe('2024-05-06 15:41:12 UTC');
  expect(retryAfterSeconds('17')).toBe(17);
  expect(retryAfterSeconds(new Date(10_000).toUTCString(), 0)).toBe(10);
  expect(retryAfterSeconds(null)).toBeNull();
});
