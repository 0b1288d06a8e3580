import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { FIELDS, fieldReference } from './fields.ts';
import { README_PATH, withFieldTable } from './reference.ts';
import { checkFilter } from './index.ts';

describe('the field reference', () => {
  test('README.md lists every field as the registry has it (regenerate: npx tsx services/language/reference.ts)', () => {
    const readme = readFileSync(README_PATH, 'utf8');
    expect(readme).toBe(withFieldTable(readme));
  });

  test('names are unique, prefixed, and every example of a closed set is one of its values', () => {
    const names = FIELDS.map((f) => f.name.toLowerCase());
    expect(new Set(names).size).toBe(names.length);
    for (const f of FIELDS) {
      expect(f.name).toMatch(/^(Event|User|App|IP)\.[A-Z][A-Za-z]*$/);
      expect(f.description.length).toBeGreaterThan(3);
      expect(f.examples.length).toBeGreaterThan(0);
      if (f.values) for (const e of f.examples) expect(f.values).toContain(e);
    }
  });

  test('every example value makes a valid condition', () => {
    for (const f of FIELDS) {
      for (const e of f.examples) {
        const literal = typeof e === 'string' ? (e.startsWith('NOW') ? e : `'${e.replace(/'/g, "''")}'`) : String(e).toUpperCase();
        const text = f.type === 'boolean' || f.type === 'number' || f.type === 'datetime' || f.ordered ? `${f.name} = ${literal}` : `${f.name} IN (${literal})`;
        expect(checkFilter(text), text).toEqual({ ok: true, errors: [] });
      }
    }
  });

  test('the API view is plain JSON', () => {
    const reference = fieldReference();
    expect(JSON.parse(JSON.stringify(reference))).toEqual(reference);
    expect(reference.find((f) => f.name === 'IP.CountryCode')).toEqual({
      name: 'IP.CountryCode',
      type: 'string',
      description: 'ISO 3166-1 alpha-2 country code.',
      examples: ['NL', 'US', 'NG'],
      multiValued: true,
      storedIn: "event_entity.snapshot->'location'->'countryCode' (kind 'ip')",
      overActivity: false,
    });
    expect(reference.find((f) => f.name === 'Event.OperationResult')?.overActivity).toBe(true);
  });
});
