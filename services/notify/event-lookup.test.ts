import { describe, expect, test } from 'vitest';
import type { FilterableEvent } from '../language/index.ts';
import { eventLookup, isTemplateField, withEventUrl } from './event-lookup.ts';
import { renderTemplate } from './template.ts';

const event: FilterableEvent = {
  id: '0b6f4c0e-7d43-4d8e-9e7a-3c1b2a9f8e11',
  title: 'Sign-in from an anonymous IP',
  userName: 'megan@contoso.com',
  severity: 'high',
  count: 2,
  mitre: ['TA0001:T1078'],
  lastSeenAt: new Date('2026-11-01T08:30:00Z'),
  tenantName: 'Contoso',
  fields: { userSource: 'EntraID', userAgent: 'Mozilla/5.0' },
  entities: {
    user: [{ key: 'u1', snapshot: { displayName: 'Megan Bowen', roles: ['Global Administrator', 'Exchange Administrator'] } }],
    ip: [
      { key: '203.0.113.7', snapshot: { location: { countryCode: 'NL' } } },
      { key: '198.51.100.4', snapshot: { location: { countryCode: 'NL' } } },
      { key: '192.0.2.1', snapshot: null },
    ],
  },
};

describe('eventLookup', () => {
  test('reads the same places as the filter language, case-insensitively', () => {
    const lookup = eventLookup(event);
    expect(lookup('Event.Title')).toBe('Sign-in from an anonymous IP');
    expect(lookup('event.username')).toBe('megan@contoso.com');
    expect(lookup('Event.UserSource')).toBe('EntraID');
    expect(lookup('Event.Tenant')).toBe('Contoso');
    expect(lookup('Event.Time')).toEqual(new Date('2026-11-01T08:30:00Z'));
    expect(lookup('User.DisplayName')).toEqual(['Megan Bowen']);
    expect(lookup('User.Roles')).toEqual(['Global Administrator', 'Exchange Administrator']);
    expect(lookup('IP.Address')).toEqual(['203.0.113.7', '198.51.100.4', '192.0.2.1']);
    expect(lookup('IP.CountryCode')).toEqual(['NL']);
    expect(lookup('App.Name')).toBeUndefined();
    expect(lookup('Event.ClientApp')).toBeUndefined();
    expect(lookup('Event.Nope')).toBeUndefined();
  });

  test('renders a security-trigger body', () => {
    const lookup = withEventUrl(eventLookup(event), 'https://tw.example.com/events/0b6f4c0e');
    expect(renderTemplate('{Event.UserName} ({User.DisplayName}) from {IP.Address} [{IP.CountryCode}] at {Event.Time}: {Event.Url}', lookup, 'text')).toBe(
      'megan@contoso.com (Megan Bowen) from 203.0.113.7, 198.51.100.4, 192.0.2.1 [NL] at 2026-11-01T08:30:00.000Z: https://tw.example.com/events/0b6f4c0e',
    );
  });

  test('knows the language fields and the message-only Event.Url', () => {
    expect(isTemplateField('Event.Url')).toBe(true);
    expect(isTemplateField('ip.countrycode')).toBe(true);
    expect(isTemplateField('Event.Titel')).toBe(false);
  });
});
