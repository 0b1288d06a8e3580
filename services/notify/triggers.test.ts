import { describe, expect, it } from 'vitest';
import { conditionPredicate, inScope } from './triggers.ts';

describe('trigger matching', () => {
  it('compiles a condition of the filter language', () => {
    const lockout = conditionPredicate("Event.EventType = 'LoginAttempt' AND Event.OperationResult = 'LockedOut'");
    expect(lockout({ eventType: 'LoginAttempt', operationResult: 'LockedOut' })).toBe(true);
    expect(lockout({ eventType: 'LoginAttempt', operationResult: 'Success' })).toBe(false);
  });

  it('a condition that does not parse matches nothing', () => {
    expect(conditionPredicate('Event.Nope = 1')({ eventType: 'LoginAttempt' })).toBe(false);
  });

  it.each([
    { tenantIds: null, tenant: 't1', expected: true },
    { tenantIds: null, tenant: null, expected: true },
    { tenantIds: ['t1'], tenant: 't1', expected: true },
    { tenantIds: ['t1', 't2'], tenant: 't3', expected: false },
    { tenantIds: ['t1'], tenant: null, expected: false },
  ])('scope $tenantIds covers $tenant: $expected', ({ tenantIds, tenant, expected }) => {
    expect(inScope({ tenantIds }, tenant)).toBe(expected);
  });
});
