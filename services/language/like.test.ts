import { describe, expect, test } from 'vitest';
import { compileLikeMatcher, likePatternToSql, parseLikePattern, type LikePattern } from './like.ts';

function pattern(source: string): LikePattern {
  const parsed = parseLikePattern(source);
  if ('danglingEscapeAt' in parsed) throw new Error('dangling escape');
  return parsed;
}
const like = (subject: string, source: string) => compileLikeMatcher(pattern(source))(subject);

describe('LIKE matching', () => {
  test.each([
    ['abc', 'abc', true],
    ['abc', 'ab', false],
    ['abc', 'a%', true],
    ['abc', '%c', true],
    ['abc', '%b%', true],
    ['abc', '%d%', false],
    ['abc', 'a_c', true],
    ['abc', '_', false],
    ['', '%', true],
    ['', '', true],
    ['', '_', false],
    ['a', '%%', true],
    ['a%b', 'a\\%b', true],
    ['axb', 'a\\%b', false],
    ['a_b', 'a\\_b', true],
    ['axb', 'a\\_b', false],
    ['C:\\Temp', 'C:\\\\%', true],
    ['abab', '%ab', true],
    ['aab', 'a%ab', true],
    ['ab', 'a%ab', false],
    ['mississippi', 'm%iss%ppi', true],
    ['mississippi', 'm%iss%iss%ppi', true],
    ['mississippi', 'm%iss%iss%iss%', false],
    ['mississippi', '%s_s%', true],
    ['😀', '_', true],
    ['😀x', '__', true],
    ['😀x', '_', false],
    ['x😀y', 'x_y', true],
    ['a😀b😀c', '%😀_😀%', true],
    ['abc', '\\a\\b\\c', true],
  ])('%j LIKE %j is %s', (subject, source, expected) => {
    expect(like(subject, source)).toBe(expected);
  });

  test('a trailing escape is reported, not guessed', () => {
    expect(parseLikePattern('abc\\')).toEqual({ danglingEscapeAt: 3 });
  });

  test('the SQL pattern escapes literal %, _ and \\', () => {
    expect(likePatternToSql(pattern('50\\% off_%'))).toBe('50\\% off_%');
    expect(likePatternToSql(pattern('\\a\\\\b'))).toBe('a\\\\b');
    expect(likePatternToSql(pattern('%%x'))).toBe('%x');
  });

  test('patterns that backtrack catastrophically in a regex stay fast', () => {
    const subject = 'a'.repeat(100_000);
    const start = performance.now();
    expect(like(subject, '%a%a%a%a%b')).toBe(false);
    expect(like(subject, '%a%a%a%a%a')).toBe(true);
    expect(like(`${subject}b`, '%a%a%a%a%b')).toBe(true);
    expect(like(subject, '%a_a%a_a%a_a%b%')).toBe(false);
    expect(like(subject, `%${'_'.repeat(50)}%b`)).toBe(false);
    expect(like(subject, '%aab%')).toBe(false);
    expect(performance.now() - start).toBeLessThan(1_000);
  });
});
