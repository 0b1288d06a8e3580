import { describe, expect, test } from 'vitest';
import { ENRICH_MAX_ATTEMPTS, enrichRetryDelaySeconds, formatUnavailableReason, parseUnavailableReason, TenantSlots } from './stage.ts';

describe('retry schedule', () => {
  test('backs off 30 s, 2 min, 8 min, 32 min and gives up within the hour', () => {
    expect([1, 2, 3, 4].map(enrichRetryDelaySeconds)).toEqual([30, 120, 480, 1920]);
    let total = 0;
    for (let attempt = 1; attempt < ENRICH_MAX_ATTEMPTS; attempt++) total += enrichRetryDelaySeconds(attempt);
    expect(total).toBeLessThan(3600);
    expect(enrichRetryDelaySeconds(20)).toBe(3600);
  });
});

describe('stored reasons', () => {
  test.each([
    ['entity-deleted', 'The user no longer exists in the tenant.'],
    ['permission-missing', 'The app lacks User.Read.All; grant it and give admin consent.'],
    ['no-data', 'No IP intelligence source has data for this address.'],
    ['error', 'Microsoft Graph had a server error (503).\nSecond line: kept.'],
  ] as const)('%s round-trips with its words', (code, message) => {
    expect(parseUnavailableReason(formatUnavailableReason(code, message))).toEqual({ code, message });
  });

  test('a reason in another form is an error with its text; none is null', () => {
    expect(parseUnavailableReason('something broke')).toEqual({ code: 'error', message: 'something broke' });
    expect(parseUnavailableReason('gone-away: text')).toEqual({ code: 'error', message: 'gone-away: text' });
    expect(parseUnavailableReason(null)).toBeNull();
  });
});

describe('per-tenant slots', () => {
  test('at most `limit` at once per tenant; other tenants are not held up; release frees a slot once', () => {
    const slots = new TenantSlots(2);
    const one = slots.tryAcquire('t1');
    const two = slots.tryAcquire('t1');
    expect(one && two).toBeTruthy();
    expect(slots.tryAcquire('t1')).toBeNull();
    expect(slots.tryAcquire('t2')).not.toBeNull();
    one!();
    one!();
    expect(slots.tryAcquire('t1')).not.toBeNull();
    expect(slots.tryAcquire('t1')).toBeNull();
  });
});
