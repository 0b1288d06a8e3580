import { describe, expect, it } from 'vitest';
import { renderTemplate } from './template.ts';
import { eventValues, valuesLookup } from './event-values.ts';

describe('frozen event values', () => {
  const at = new Date('2026-11-30T08:15:00Z');
  const values = eventValues({
    eventType: 'LoginAttempt',
    operationResult: 'PasswordInvalid',
    userName: 'megan@contoso.com',
    lastSeenAt: at,
    fields: { userSource: 'Local' },
    entities: { ip: [{ key: '203.0.113.7' }, { key: '198.51.100.2' }] },
  });

  it('survives JSON (what the outbox row stores) and reads case-insensitively', () => {
    const lookup = valuesLookup(JSON.parse(JSON.stringify(values)) as Record<string, unknown>);
    expect(renderTemplate('{event.username} / {Event.UserSource} / {Event.Time} / {IP.Address}', lookup, 'text')).toBe(
      'megan@contoso.com / Local / 2026-11-30T08:15:00.000Z / 203.0.113.7, 198.51.100.2',
    );
  });

  it('leaves missing fields out', () => {
    expect(values['Event.Tenant']).toBeUndefined();
    expect(valuesLookup(values)('Event.Nope')).toBeUndefined();
  });
});
