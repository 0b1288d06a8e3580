import { describe, expect, test } from 'vitest';
import { JsonArrayError, JsonArraySplitter } from './json-array-splitter.ts';

/** Every split of `text` into chunks of `size` characters gives the same elements. */
function split(text: string, size: number) {
  const s = new JsonArraySplitter();
  const out = [];
  for (let i = 0; i < text.length; i += size) out.push(...s.push(text.slice(i, i + size)));
  s.end();
  return out;
}

describe('JsonArraySplitter', () => {
  const records = [{ a: 'x,]}"\\' }, { b: [1, { c: '[' }] }, 'text', 42, null, { d: '\u00e9\u{1F600}' }];
  const pretty = JSON.stringify(records, null, 4).replace(/\n/g, '\r\n');

  test.each([1, 2, 7, 64, 100_000])('splits pretty-printed CRLF text in chunks of %i characters', (size) => {
    const out = split(pretty, size);
    expect(out.map((e) => JSON.parse(e.text) as unknown)).toEqual(records);
    expect(out.map((e) => e.number)).toEqual([1, 2, 3, 4, 5, 6]);
    // Each element begins on the line its first character is on.
    const lines = pretty.split('\n');
    for (const e of out) expect(lines[e.line - 1]!.trim().startsWith(e.text.slice(0, 1))).toBe(true);
  });

  test('compact text, an empty array, and whitespace around it', () => {
    expect(split(JSON.stringify(records), 3).map((e) => JSON.parse(e.text) as unknown)).toEqual(records);
    expect(split('  [ ]  \n', 1)).toEqual([]);
  });

  test('a malformed element is one element: the ones after it still come out', () => {
    const out = split('[{"a":1},\n{"b": tru},\n{"c":3}]', 4);
    expect(out.map((e) => e.text)).toEqual(['{"a":1}', '{"b": tru}', '{"c":3}']);
    expect(out[1]).toMatchObject({ number: 2, line: 2 });
  });

  test.each([
    ['cut inside a record', '[\n{"a":1},\n{"b":"cut', /the file ends inside record 2, which begins on line 3/],
    ['cut between records', '[\n{"a":1},\n', /the file ends on line 3 before the array's closing \]/],
    ['stray text between records', '[{"a":1}\n x {"b":2}]', /expected , or \] after record 1 on line 2, found "x"/],
    ['binary after the array', '[{"a":1}]\u0000\u0001', /text after the array's closing \] on line 1: the character U\+0000/],
    ['two commas', '[{"a":1},,{"b":2}]', /an empty element \(two commas\) after record 1/],
  ])('%s: a JsonArrayError with the place', (_name, text, message) => {
    expect(() => split(text, 5)).toThrow(JsonArrayError);
    expect(() => split(text, 5)).toThrow(message);
  });
});
