import { describe, expect, test } from 'vitest';
import type { FilterNode, Test } from './check.ts';
import { FilterSyntaxError, FilterTypeError, FilterUnknownFieldError, LIMITS, checkFilter, parseFilter, type FilterError } from './index.ts';

/** A compact, readable form of the checked tree, for table tests. */
function show(node: FilterNode): string {
  switch (node.kind) {
    case 'and':
    case 'or':
      return `(${node.kind} ${node.items.map(show).join(' ')})`;
    case 'not':
      return `(not ${show(node.operand)})`;
    case 'condition':
      return `${node.negated ? '!' : ''}${node.field.name}${showTest(node.test)}`;
  }
}

function showTest(test: Test): string {
  switch (test.kind) {
    case 'is-null':
      return ' is null';
    case 'text-in':
    case 'enum-in':
    case 'number-in':
      return ` ${test.kind === 'enum-in' ? 'enum' : 'in'}[${test.values.map((v) => JSON.stringify(v)).join(',')}]`;
    case 'like':
      return ` like ${JSON.stringify(test.pattern.source)}`;
    case 'contains':
      return ` contains ${JSON.stringify(test.needle)}`;
    case 'number-order':
      return ` ${test.operator} ${test.value}`;
    case 'boolean':
      return ` is ${test.value}`;
    case 'time-equals':
    case 'time-order': {
      const op = test.kind === 'time-equals' ? '=' : test.operator;
      const v = test.value.kind === 'instant' ? new Date(test.value.ms).toISOString() : `now${test.value.offsetMs >= 0 ? '+' : ''}${test.value.offsetMs}ms`;
      return ` ${op} ${v}`;
    }
  }
}

const parse = (text: string) => show(parseFilter(text).root);

describe('precedence: NOT binds tighter than AND, AND tighter than OR', () => {
  test.each([
    ["Event.EventType = 'a' OR Event.EventType = 'b' AND Event.Count = 1", '(or Event.EventType in["a"] (and Event.EventType in["b"] Event.Count in[1]))'],
    ["Event.EventType = 'a' AND Event.EventType = 'b' OR Event.Count = 1", '(or (and Event.EventType in["a"] Event.EventType in["b"]) Event.Count in[1])'],
    ["NOT Event.EventType = 'a' AND Event.Count = 1", '(and (not Event.EventType in["a"]) Event.Count in[1])'],
    ["NOT (Event.EventType = 'a' AND Event.Count = 1)", '(not (and Event.EventType in["a"] Event.Count in[1]))'],
    ["(Event.EventType = 'a' OR Event.EventType = 'b') AND Event.Count = 1", '(and (or Event.EventType in["a"] Event.EventType in["b"]) Event.Count in[1])'],
    ['NOT NOT User.IsAdmin', '(not (not User.IsAdmin is true))'],
    ['Event.Count = 1 AND Event.Count = 2 AND Event.Count = 3', '(and Event.Count in[1] Event.Count in[2] Event.Count in[3])'],
    ['((((Event.Count = 1))))', 'Event.Count in[1]'],
  ])('%s', (text, expected) => {
    expect(parse(text)).toBe(expected);
  });
});

describe('every operator', () => {
  test.each([
    ["Event.UserName = 'x'", 'Event.UserName in["x"]'],
    ["Event.UserName <> 'x'", '!Event.UserName in["x"]'],
    ["Event.UserName != 'x'", '!Event.UserName in["x"]'],
    ['Event.Count < 3', 'Event.Count < 3'],
    ['Event.Count <= 3', 'Event.Count <= 3'],
    ['Event.Count > 3', 'Event.Count > 3'],
    ['Event.Count >= 3', 'Event.Count >= 3'],
    ["Event.Severity >= 'high'", 'Event.Severity enum["high","critical"]'],
    ["Event.Severity < 'Medium'", 'Event.Severity enum["informational","low"]'],
    ["Event.Severity > 'critical'", 'Event.Severity enum[]'],
    ["Event.Severity = 'HIGH'", 'Event.Severity enum["high"]'],
    ["Event.Status IN ('open', 'Ignored')", 'Event.Status enum["open","ignored"]'],
    ["Event.UserName LIKE '%@contoso.com'", 'Event.UserName like "%@contoso.com"'],
    ["Event.UserName NOT LIKE 'admin_%'", '!Event.UserName like "admin_%"'],
    ["IP.CountryCode IN ('NL', 'BE')", 'IP.CountryCode in["NL","BE"]'],
    ["IP.CountryCode NOT IN ('NL')", '!IP.CountryCode in["NL"]'],
    ['IP.ASN IN (8075, 16509)', 'IP.ASN in[8075,16509]'],
    ["Event.Title CONTAINS 'forward'", 'Event.Title contains "forward"'],
    ["Event.Title NOT CONTAINS 'forward'", '!Event.Title contains "forward"'],
    ['Event.Workload IS NULL', 'Event.Workload is null'],
    ['Event.Workload IS NOT NULL', '!Event.Workload is null'],
    ['User.IsAdmin', 'User.IsAdmin is true'],
    ['User.IsAdmin = FALSE', 'User.IsAdmin is false'],
    ['App.VerifiedPublisher <> true', '!App.VerifiedPublisher is true'],
    ["User.Roles = 'Global Administrator'", 'User.Roles in["Global Administrator"]'],
    ["Event.Time >= '2026-11-01T00:00:00Z'", 'Event.Time >= 2026-11-01T00:00:00.000Z'],
    ["Event.Time = '2026-11-01'", 'Event.Time = 2026-11-01T00:00:00.000Z'],
  ])('%s', (text, expected) => {
    expect(parse(text)).toBe(expected);
  });
});

describe('keywords and field names are case-insensitive', () => {
  test.each([
    [
      "event.eventtype = 'a' and not event.count in (1) or ip.countrycode like 'n%'",
      '(or (and Event.EventType in["a"] (not Event.Count in[1])) IP.CountryCode like "n%")',
    ],
    ['EVENT.WORKLOAD is not null', '!Event.Workload is null'],
    ["Event.Title Not Contains 'x'", '!Event.Title contains "x"'],
    ['user.isadmin = True', 'User.IsAdmin is true'],
    ['Event.Time > now - 7D', 'Event.Time > now-604800000ms'],
  ])('%s', (text, expected) => {
    expect(parse(text.replace('7D', '7d'))).toBe(expected);
  });
});

describe('literals and escaping', () => {
  test.each([
    ["Event.UserName = 'O''Brien'", 'Event.UserName in["O\'Brien"]'],
    ["Event.UserName = ''''", 'Event.UserName in["\'"]'],
    ["Event.UserName = ''", 'Event.UserName in[""]'],
    ["Event.Title = 'line\nbreak'", 'Event.Title in["line\\nbreak"]'],
    ["Event.Title = 'Zürich 😀'", 'Event.Title in["Zürich 😀"]'],
    ["Event.Detection LIKE '50\\%'", 'Event.Detection like "50\\\\%"'],
    ['Event.Count = -5', 'Event.Count in[-5]'],
    ['Event.Count = 2.5', 'Event.Count in[2.5]'],
    ['Event.Count = .5', 'Event.Count in[0.5]'],
    ['Event.Count = 1e3', 'Event.Count in[1000]'],
    ['Event.Count = 1.5E-2', 'Event.Count in[0.015]'],
    ['Event.Count = -0', 'Event.Count in[0]'],
    ["Event.Time < '2026-11-01T08:30:00+01:00'", 'Event.Time < 2026-11-01T07:30:00.000Z'],
    ["Event.Time < '2026-11-01T08:30'", 'Event.Time < 2026-11-01T08:30:00.000Z'],
    ["Event.Time < '2026-11-01 08:30:15.123456Z'", 'Event.Time < 2026-11-01T08:30:15.123Z'],
    ['Event.Time > NOW', 'Event.Time > now+0ms'],
    ['Event.Time > NOW - 12h', 'Event.Time > now-43200000ms'],
    ['Event.Time < NOW + 30m', 'Event.Time < now+1800000ms'],
    ['Event.Time > NOW-1w', 'Event.Time > now-604800000ms'],
    ['Event.Time > NOW - 45s', 'Event.Time > now-45000ms'],
    ['  Event.Count\t=\r\n1  ', 'Event.Count in[1]'],
  ])('%s', (text, expected) => {
    expect(parse(text)).toBe(expected);
  });
});

type ErrorCase = [text: string, type: new (...args: never[]) => FilterError, message: string, line: number, column: number, expected?: string[]];

describe('errors say where and what was expected', () => {
  test.each<ErrorCase>([
    [
      "Event.EventType = 'LoginAttempt' AND Event.OperationResult =",
      FilterSyntaxError,
      "expected a value after '=', found the end of the expression at 1:61",
      1,
      61,
      ['string', 'number', 'TRUE', 'FALSE', 'NOW'],
    ],
    ['Event.EventType = AND', FilterSyntaxError, "expected a value after '=', found 'AND' at 1:19", 1, 19, ['string', 'number', 'TRUE', 'FALSE', 'NOW']],
    ['', FilterSyntaxError, "the expression is empty: expected a condition, e.g. Event.EventType = 'LoginAttempt' at 1:1", 1, 1, ['field', 'NOT', '(']],
    ["Event.EventType = 'a' AND", FilterSyntaxError, "expected a condition after 'AND', found the end of the expression at 1:26", 1, 26, ['field', 'NOT', '(']],
    ["(Event.EventType = 'a'", FilterSyntaxError, "expected ')' to close the '(' at 1:1, found the end of the expression at 1:23", 1, 23, [')', 'AND', 'OR']],
    ["Event.EventType = 'a')", FilterSyntaxError, "unmatched ')' at 1:22", 1, 22],
    ["Event.EventType = 'a' Event.Count = 1", FilterSyntaxError, "expected AND, OR or the end of the expression, found 'Event.Count' at 1:23", 1, 23],
    ["Event.EventType 'a'", FilterSyntaxError, "expected an operator after 'Event.EventType', found a string at 1:17", 1, 17],
    ["Event.EventType = 'abc", FilterSyntaxError, "unterminated string: add a closing ' at 1:19", 1, 19, ["'"]],
    ['Event.EventType = "abc"', FilterSyntaxError, "strings are written in single quotes, e.g. 'LoginAttempt' at 1:19", 1, 19],
    ["Event.EventType == 'a'", FilterSyntaxError, "expected a value after '=', found '=' at 1:18", 1, 18],
    ["Event.EventType IS 'a'", FilterSyntaxError, "expected NULL after 'IS', found a string at 1:20", 1, 20, ['NULL']],
    ["Event.EventType NOT = 'a'", FilterSyntaxError, "expected LIKE, IN or CONTAINS after 'NOT' (or an operator after Event.EventType) at 1:21", 1, 21],
    ["Event.EventType IN 'a'", FilterSyntaxError, "expected '(' after 'IN' at 1:20", 1, 20, ['(']],
    ["Event.EventType IN ('a' 'b')", FilterSyntaxError, "expected ',' or ')' in the IN list, found a string at 1:25", 1, 25, [',', ')']],
    ['Event.EventType IN ()', FilterSyntaxError, "expected a value after '(', found ')' at 1:21", 1, 21],
    ['Event.Time > NOW - 7', FilterSyntaxError, "expected a duration after 'NOW -', e.g. 7d, 12h, 30m (units s, m, h, d, w) at 1:20", 1, 20, ['duration']],
    [
      'Event.Count = 7x',
      FilterSyntaxError,
      "'7x' is not a number or a duration (durations are a whole number and one of s, m, h, d, w, e.g. 7d) at 1:15",
      1,
      15,
    ],
    ["Event. = 'a'", FilterSyntaxError, "expected a field name after 'Event.' at 1:7", 1, 7],
    ["Event.EventType = 'a' &", FilterSyntaxError, "unexpected character '&' at 1:23", 1, 23],
    [
      "Event.EventType = 'a'\nAND Event.Count = 'x'",
      FilterTypeError,
      'Event.Count is a number field: compare it with a number, e.g. 1 at 2:19',
      2,
      19,
      ['number'],
    ],
    ["Event.EventTyp = 'a'", FilterUnknownFieldError, "unknown field 'Event.EventTyp'; did you mean Event.EventType? at 1:1", 1, 1, ['Event.EventType']],
    ["CountryCode = 'NL'", FilterUnknownFieldError, "unknown field 'CountryCode'; did you mean IP.CountryCode? at 1:1", 1, 1],
    ["Foo.Bar = 'NL'", FilterUnknownFieldError, "unknown field 'Foo.Bar' at 1:1", 1, 1],
    ["Event.Count LIKE '1%'", FilterTypeError, 'LIKE works on text fields; Event.Count is a number field at 1:13', 1, 13],
    [
      "Event.UserName > 'a'",
      FilterTypeError,
      '> compares numbers, dates and ordered fields (like Event.Severity); Event.UserName is a string field at 1:16',
      1,
      16,
    ],
    [
      "Event.Severity = 'hgh'",
      FilterTypeError,
      "'hgh' is not a value of Event.Severity; did you mean 'high'? (one of informational, low, medium, high, critical) at 1:18",
      1,
      18,
    ],
    ['Event.UserName = NULL', FilterTypeError, 'use Event.UserName IS NULL to test for a missing value at 1:18', 1, 18, ['IS NULL', 'IS NOT NULL']],
    ["User.IsAdmin = 'yes'", FilterTypeError, 'User.IsAdmin is a boolean field: compare it with TRUE or FALSE at 1:16', 1, 16, ['TRUE', 'FALSE']],
    [
      'Event.UserName AND User.IsAdmin',
      FilterTypeError,
      "Event.UserName is a string field: compare it with an operator, e.g. Event.UserName = 'megan@contoso.com' at 1:1",
      1,
      1,
    ],
    [
      "Event.Time > '2026-02-30'",
      FilterTypeError,
      "'2026-02-30' is not an ISO 8601 date; write e.g. '2026-11-01' or '2026-11-01T08:30:00Z' (years 1000-9999) at 1:14",
      1,
      14,
      ['date'],
    ],
    ['Event.Time > 5', FilterTypeError, "Event.Time is a datetime field: compare it with a date in quotes ('2026-11-01T00:00:00Z') or NOW - 7d at 1:14", 1, 14],
    ['Event.Time IN (NOW)', FilterTypeError, 'IN works on text and number fields; Event.Time is a datetime field at 1:12', 1, 12],
    [
      "Event.Title LIKE 'abc\\'",
      FilterTypeError,
      "a LIKE pattern cannot end with the escape character '\\'; write '\\\\' for a literal backslash at 1:18",
      1,
      18,
    ],
    ['Event.Time > NOW - 40000d', FilterSyntaxError, 'a relative time can reach at most 100 years at 1:20', 1, 20],
    ['Event.Count = 1e999', FilterSyntaxError, 'number 1e999 is too large at 1:15', 1, 15],
    ["Event.Title = 'a\u0000'", FilterSyntaxError, 'strings cannot contain the character U+0000 at 1:17', 1, 17],
    ["Event.Title = 'a\ud800'", FilterSyntaxError, 'invalid character (a lone UTF-16 surrogate) at 1:17', 1, 17],
    ["Event.Title = '😀' AND x = 1", FilterUnknownFieldError, "unknown field 'x' (fields start with Event., User., App. or IP.) at 1:23", 1, 23],
  ])('%s', (text, type, message, line, column, expected) => {
    let caught: unknown;
    try {
      parseFilter(text);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(type);
    const error = caught as FilterError;
    expect(error.message).toBe(message);
    expect([error.line, error.column]).toEqual([line, column]);
    if (expected) expect(error.expected).toEqual(expected);
  });

  test('the excerpt puts a caret under the offending text', () => {
    const [error] = checkFilter("Event.EventType = 'LoginAttempt' AND\n  Event.OperationResult = LockedOut").errors;
    expect(error).toMatchObject({ code: 'syntax', line: 2, column: 27, offset: 63, length: 9 });
    expect(error?.excerpt).toBe('  Event.OperationResult = LockedOut\n                          ^^^^^^^^^');
  });

  test('checkFilter reports every unknown field and type error, with suggestions', () => {
    const result = checkFilter("Event.Severty = 'high' AND IP.Contry = 'NL' AND Event.Count = 'x'");
    expect(result.ok).toBe(false);
    expect(result.errors.map((e) => [e.code, e.column, e.suggestion])).toEqual([
      ['unknown_field', 1, 'Event.Severity'],
      ['unknown_field', 28, 'IP.Country'],
      ['type', 63, undefined],
    ]);
    expect(checkFilter("Event.Severity = 'high'")).toEqual({ ok: true, errors: [] });
  });

  test('errors serialise to the API shape', () => {
    const [error] = checkFilter('Event.Count = ').errors;
    expect(JSON.parse(JSON.stringify(error))).toEqual({
      code: 'syntax',
      message: "expected a value after '=', found the end of the expression at 1:15",
      line: 1,
      column: 15,
      offset: 14,
      length: 1,
      expected: ['string', 'number', 'TRUE', 'FALSE', 'NOW'],
      excerpt: 'Event.Count = \n              ^',
    });
  });
});

describe('limits for hostile input', () => {
  test('expression length', () => {
    const text = `Event.Title = '${'a'.repeat(LIMITS.maxLength)}'`;
    expect(() => parseFilter(text)).toThrow(/longer than 10000 characters/);
    expect(checkFilter(text).errors[0]?.code).toBe('limit');
  });

  test('nesting depth', () => {
    const ok = `${'('.repeat(LIMITS.maxDepth)}Event.Count = 1${')'.repeat(LIMITS.maxDepth)}`;
    expect(() => parseFilter(ok)).not.toThrow();
    const deep = `${'('.repeat(LIMITS.maxDepth + 1)}Event.Count = 1${')'.repeat(LIMITS.maxDepth + 1)}`;
    expect(() => parseFilter(deep)).toThrow(/nested more than 32 deep at 1:33/);
    expect(() => parseFilter(`${'NOT '.repeat(2000)}User.IsAdmin`)).toThrow(FilterSyntaxError);
  });

  test('IN list size', () => {
    const list = (n: number) => `Event.Count IN (${Array.from({ length: n }, (_, i) => i).join(',')})`;
    expect(() => parseFilter(list(LIMITS.maxInList))).not.toThrow();
    expect(() => parseFilter(list(LIMITS.maxInList + 1))).toThrow(/at most 1000 values/);
  });

  test('a long flat chain of conditions does not recurse', () => {
    const text = Array.from({ length: 400 }, (_, i) => `Event.Count = ${i}`).join(' OR ');
    expect(text.length).toBeLessThan(LIMITS.maxLength);
    expect(parseFilter(text).root.kind).toBe('or');
  });
});
