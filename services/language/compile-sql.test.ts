import { PgDialect } from 'drizzle-orm/pg-core';
import { describe, expect, test } from 'vitest';
import { compileToSql, parseFilter } from './index.ts';

const dialect = new PgDialect();
const render = (text: string) => dialect.sqlToQuery(compileToSql(parseFilter(text), { now: new Date('2026-11-15T12:00:00Z') }));

describe('the SQL compiler', () => {
  test('user values are bound parameters, never SQL text', () => {
    const hostile = "x'); DROP TABLE security_event; --";
    const query = render(`Event.Title = '${hostile.replace(/'/g, "''")}' OR IP.City LIKE '%${"'';--"}%' OR User.Roles CONTAINS 'a\\b'`);
    expect(query.sql).not.toContain('DROP');
    expect(query.sql).not.toContain(';--');
    expect(query.params).toContain(hostile.toLowerCase());
    expect(query.params).toContain("%';--%");
  });

  test('text is compared folded to lower case with the C collation, on both sides of the comparison', () => {
    const query = render("Event.UserName = 'Megan@Contoso.com'");
    expect(query.sql).toBe('(lower(("security_event"."user_name")::text COLLATE "C") = $1::text)');
    expect(query.params).toEqual(['megan@contoso.com']);
  });

  test('ordered enums compile to membership on the column, so its index applies', () => {
    const query = render("Event.Severity >= 'HIGH'");
    expect(query.sql).toBe('("security_event"."severity" IN ($1, $2))');
    expect(query.params).toEqual(['high', 'critical']);
  });

  test('relative times are bound as instants computed from the given clock', () => {
    expect(render('Event.Time > NOW - 7d').params).toEqual(['2026-11-08T12:00:00.000Z']);
  });

  test('numbers are bound as the shortest text of the JavaScript double', () => {
    expect(render('Event.Count < 0.30000000000000001').params).toEqual(['0.3']);
  });

  test('entity fields probe the event\'s own rows (a scalar subquery, never a hashed EXISTS); under NOT, "no known value" counts as well', () => {
    const positive = render("IP.CountryCode = 'NL'").sql;
    expect(positive).not.toMatch(/EXISTS/);
    expect(positive.match(/COALESCE\(\(SELECT true FROM/g)).toHaveLength(1);
    const negative = render("IP.CountryCode <> 'NL'").sql;
    expect(negative).toMatch(/^\(NOT \(\(COALESCE\(\(SELECT true .* LIMIT 1\), false\) OR NOT COALESCE\(\(SELECT true .* LIMIT 1\), false\)\)\)\)$/);
  });
});
