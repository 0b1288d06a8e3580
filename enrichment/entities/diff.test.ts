import { describe, expect, it } from 'vitest';
import { diffSnapshots, type Change } from './diff.ts';
import type { JsonValue } from './types.ts';
import { clause, describeRule, quoteValue } from './plain-words.ts';
import { ratePermission } from '../../services/microsoft/permissions.ts';
import { productName } from './skus.ts';

describe('diffSnapshots', () => {
  it.each([
    [{ a: 1 }, { a: 1 }, []],
    [{ a: 1 }, { a: 2 }, [{ path: 'a', recorded: 1, live: 2 }]],
    [{ a: { b: 'x' } }, { a: { b: 'y' } }, [{ path: 'a.b', recorded: 'x', live: 'y' }]],
    [{ roles: ['A', 'B'] }, { roles: ['B', 'A'] }, []],
    [{ roles: ['A'] }, { roles: ['A', 'B'] }, [{ path: 'roles', recorded: ['A'], live: ['A', 'B'] }]],
    [{ a: 1 }, { a: 1, b: true }, [{ path: 'b', recorded: null, live: true }]],
    [{ mfa: null }, { mfa: { registered: true } }, [{ path: 'mfa', recorded: null, live: { registered: true } }]],
  ] as [JsonValue, JsonValue, Change[]][])('%j → %j', (a, b, expected) => {
    expect(diffSnapshots(a, b)).toEqual(expected);
  });

  it('ignores listed paths and what is below them', () => {
    expect(diffSnapshots({ lastSignIn: { at: 1 }, s: 1 }, { lastSignIn: { at: 2 }, s: 2 }, ['lastSignIn'])).toEqual([{ path: 's', recorded: 1, live: 2 }]);
  });
});

describe('plain words', () => {
  it('quotes values and escapes what could forge a line or reorder text', () => {
    expect(quoteValue('a"b\nc\u202ed')).toBe('"a\\"b\\nc\\u202ed"');
    const d = describeRule([clause('condition', 'the subject contains ', { values: ['<b>', 'x'], joiner: 'or' })], [], [clause('action', 'delete')]);
    expect(d.sentence).toBe('If the subject contains "<b>" or "x": delete.');
  });
});

describe('tables', () => {
  it('rates known permissions by grant type and unknown ones by name', () => {
    expect(ratePermission('Mail.ReadWrite', 'delegated')).toMatchObject({ risk: 'high', rating: 'table' });
    expect(ratePermission('Directory.ReadWrite.All', 'application').risk).toBe('critical');
    expect(ratePermission('User.Read', 'delegated').risk).toBe('low');
    expect(ratePermission('Widgets.ReadWrite.All', 'delegated', 'Change widgets.')).toMatchObject({
      risk: 'high',
      rating: 'name',
      description: 'Change widgets.',
    });
    expect(productName('SPB')).toBe('Microsoft 365 Business Premium');
    expect(productName('O365_BUSINESS_PREMIUM')).toBe('Microsoft 365 Business Standard');
    expect(productName('NEW_SKU')).toBe('NEW_SKU');
  });
});
