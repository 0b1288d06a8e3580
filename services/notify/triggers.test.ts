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
    { tenantIds: null, groups: null, members: [], tenant: 't1', expected: true },
    { tenantIds: null, groups: null, members: [], tenant: null, expected: true },
    { tenantIds: ['t1'], groups: null, members: [], tenant: 't1', expected: true },
    { tenantIds: ['t1', 't2'], groups: null, members: [], tenant: 't3', expected: false },
    { tenantIds: ['t1'], groups: null, members: [], tenant: null, expected: false },
    { tenantIds: null, groups: ['g1'], members: ['t2'], tenant: 't2', expected: true },
    { tenantIds: null, groups: ['g1'], members: ['t2'], tenant: 't3', expected: false },
    // A group left empty covers nothing, not every tenant.
    { tenantIds: null, groups: ['g1'], members: [], tenant: 't1', expected: false },
    { tenantIds: null, groups: ['g1'], members: ['t2'], tenant: null, expected: false },
    { tenantIds: ['t1'], groups: ['g1'], members: ['t2'], tenant: 't1', expected: true },
  ])('scope $tenantIds / groups $groups ($members) covers $tenant: $expected', ({ tenantIds, groups, members, tenant, expected }) => {
    expect(inScope({ tenantIds, tenantGroupIds: groups, groupTenantIds: new Set(members) }, tenant)).toBe(expected);
  });
});
