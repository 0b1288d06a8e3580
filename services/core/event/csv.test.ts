import { expect, test } from 'vitest';
import { csvCell, csvRow } from './csv.ts';

test.each([
  ['=HYPERLINK("http://x")', `"'=HYPERLINK(""http://x"")"`],
  ['+1', "'+1"],
  ['-2+3', "'-2+3"],
  ['@SUM(A1)', "'@SUM(A1)"],
  ['\tcmd', `"'\tcmd"`],
  ['\rcmd', `"'\rcmd"`],
  ['plain', 'plain'],
  ['a,b', '"a,b"'],
  ['say "hi"', '"say ""hi"""'],
  ['two\nlines', '"two\nlines"'],
  [' padded ', '" padded "'],
  ['', ''],
  // `;`-separated locales, tab- or pipe-splitting readers: one quoted cell, no formula after a separator.
  ['x;=1+1;', `"x;'=1+1;"`],
  ['x; =1+1', `"x; '=1+1"`],
  ['a\t+SUM(1)', `"a\t'+SUM(1)"`],
  ['a|@x', `"a|'@x"`],
  ['a,-2', `"a,'-2"`],
  ['line\n=cmd', `"line\n'=cmd"`],
  ['=a;=b', `"'=a;'=b"`],
  ['a - b', 'a - b'],
])('csvCell(%j) is %j', (input, expected) => {
  expect(csvCell(input)).toBe(expected);
});

test('numbers stay numbers, missing values are empty, rows end with CRLF', () => {
  expect(csvCell(-5)).toBe('-5');
  expect(csvCell(null)).toBe('');
  expect(csvRow(['a', 1, null, '=1'])).toBe("a,1,,'=1\r\n");
});
