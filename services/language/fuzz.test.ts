import fc from 'fast-check';
import { afterAll, describe, expect, test } from 'vitest';
import { FilterError, LIMITS, checkFilter, compileToPredicate, compileToSql, parseFilter } from './index.ts';
import { NOW_MS, eventArbitrary, expressionArbitrary } from '../../test/helpers/filter-arbitraries.ts';
import { fuzzTally } from '../../test/helpers/fuzz.ts';

/**
 * Whatever the text, the parser either returns a filter or throws its own error (never a
 * TypeError, RangeError or a stack overflow), quickly; and what it accepts compiles and runs.
 */

const SAMPLE_EVENTS = fc.sample(eventArbitrary, { numRuns: 20, seed: 42 });
const tally = fuzzTally('language');
afterAll(() => tally.save());

function parseOrOwnError(text: string): void {
  let filter;
  try {
    filter = parseFilter(text);
  } catch (error) {
    if (!(error instanceof FilterError)) throw new Error(`not a FilterError for ${JSON.stringify(text)}: ${String(error)}`, { cause: error });
    expect(error.line).toBeGreaterThanOrEqual(1);
    expect(error.column).toBeGreaterThanOrEqual(1);
    expect(error.offset).toBeGreaterThanOrEqual(0);
    expect(error.offset).toBeLessThanOrEqual(text.length);
    expect(error.excerpt).toContain('^');
    const checked = checkFilter(text);
    expect(checked.ok).toBe(false);
    return;
  }
  expect(checkFilter(text)).toEqual({ ok: true, errors: [] });
  const predicate = compileToPredicate(filter, { now: () => NOW_MS });
  for (const event of SAMPLE_EVENTS) expect(typeof predicate(event)).toBe('boolean');
  compileToSql(filter);
}

/** Pieces of the language, so random soups get past the lexer and into the parser and checker. */
const TOKENS = [
  'Event.EventType',
  'Event.Count',
  'Event.Severity',
  'Event.Time',
  'IP.CountryCode',
  'User.IsAdmin',
  'User.Roles',
  'App.Name',
  'Event.',
  'Foo.Bar',
  'AND',
  'OR',
  'NOT',
  'LIKE',
  'IN',
  'IS',
  'NULL',
  'CONTAINS',
  'TRUE',
  'FALSE',
  'NOW',
  '=',
  '<>',
  '!=',
  '<',
  '<=',
  '>',
  '>=',
  '(',
  ')',
  ',',
  '-',
  '+',
  "'a'",
  "''",
  "'",
  "'high'",
  "'2026-11-01'",
  "'%\\'",
  '7d',
  '1e999',
  '3',
  '-2.5',
  '.5',
  '"x"',
  '\\',
  '\n',
  ' ',
  '😀',
  '\ud800',
  '\u0000',
];
const tokenSoup = fc.array(fc.constantFrom(...TOKENS), { maxLength: 30 }).map((parts) => parts.join(' '));

/** A valid expression with a few random edits: characters inserted, deleted or replaced. */
const mutated = fc
  .tuple(
    expressionArbitrary,
    fc.array(fc.tuple(fc.nat(), fc.constantFrom('insert', 'delete', 'replace'), fc.string({ unit: 'binary', maxLength: 2 })), { minLength: 1, maxLength: 4 }),
  )
  .map(([text, edits]) => {
    let out = text;
    for (const [at, kind, chars] of edits) {
      const i = out.length === 0 ? 0 : at % out.length;
      if (kind === 'insert') out = out.slice(0, i) + chars + out.slice(i);
      else if (kind === 'delete') out = out.slice(0, i) + out.slice(i + 1);
      else out = out.slice(0, i) + chars + out.slice(i + 1);
    }
    return out;
  });

describe('the parser only ever throws its own errors', () => {
  test('random strings', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'binary', maxLength: 60 }),
          fc.string({ unit: 'grapheme-ascii', maxLength: 60 }),
          fc.string({ unit: fc.constantFrom(..."()'=<>!,-+. %_\\"), maxLength: 60 }),
        ),
        (text) => {
          parseOrOwnError(text);
        },
      ),
      { numRuns: tally.runs(3_000) },
    );
  });

  test('soups of language tokens', () => {
    fc.assert(
      fc.property(tokenSoup, (text) => parseOrOwnError(text)),
      { numRuns: tally.runs(3_000) },
    );
  });

  test('mutations of valid expressions', () => {
    fc.assert(
      fc.property(mutated, (text) => parseOrOwnError(text)),
      { numRuns: tally.runs(2_000) },
    );
  });

  test('valid expressions parse and run', () => {
    fc.assert(
      fc.property(expressionArbitrary, (text) => {
        expect(() => parseFilter(text)).not.toThrow();
        parseOrOwnError(text);
      }),
      { numRuns: tally.runs(1_000) },
    );
  });

  test.each([
    ['deep parentheses', '('.repeat(LIMITS.maxLength)],
    ['deep NOTs', 'NOT '.repeat(LIMITS.maxLength / 4)],
    ['a long unterminated string', `Event.Title = '${"''".repeat(4_990)}`],
    ['a long IN list', `Event.Count IN (${'1,'.repeat(4_990)}1)`],
    [
      'many ORs',
      Array.from({ length: 1_000 }, () => 'User.IsAdmin')
        .join(' OR ')
        .slice(0, LIMITS.maxLength),
    ],
    ['many quotes', "'".repeat(LIMITS.maxLength)],
    ['a huge input', 'x'.repeat(1_000_000)],
  ])('hostile input stays fast: %s', (_, text) => {
    const start = performance.now();
    parseOrOwnError(text);
    expect(performance.now() - start).toBeLessThan(500);
  });
});

/**
 * Parsing, checking and compiling grow linearly with the input: the time for an input twice as
 * long stays well under four times (what quadratic work would take). The best CPU time of
 * several tries is compared, so another process on the machine does not decide the outcome.
 */
describe('no super-linear time on long or deep input', () => {
  const work = (text: string) => {
    try {
      const filter = parseFilter(text);
      compileToPredicate(filter, { now: () => NOW_MS })(SAMPLE_EVENTS[0]!);
      compileToSql(filter);
    } catch (error) {
      if (!(error instanceof FilterError)) throw error;
    }
    checkFilter(text);
  };
  /** The best of several tries of each, taken in turns so that a busy spell slows both alike. */
  const bestOfBoth = (small: string, large: string) => {
    const best = [Infinity, Infinity];
    for (let i = 0; i < 7; i++) {
      [small, large].forEach((text, k) => {
        // CPU time, not wall time: another process taking the CPU does not count against us.
        const start = process.cpuUsage();
        for (let j = 0; j < 5; j++) work(text);
        const used = process.cpuUsage(start);
        best[k] = Math.min(best[k]!, (used.user + used.system) / 1000);
      });
    }
    return best as [number, number];
  };
  const n = LIMITS.maxLength / 2;
  test.each([
    ['nested parentheses', (len: number) => `${'('.repeat(len / 2)}`],
    ['chained ORs', (len: number) => Array.from({ length: Math.floor(len / 16) }, () => 'User.IsAdmin').join(' OR ')],
    ['an IN list', (len: number) => `Event.Count IN (${'1,'.repeat(len / 2 - 10)}1)`],
    ['a long string', (len: number) => `Event.Title = '${'a'.repeat(len - 20)}'`],
    ['escaped quotes', (len: number) => `Event.Title = '${"''".repeat(len / 2 - 10)}'`],
    ['a LIKE pattern', (len: number) => `Event.Title LIKE '${'%a'.repeat(len / 2 - 12)}'`],
    ['an unterminated string', (len: number) => `Event.Title = '${'a'.repeat(len - 20)}`],
    ['token soup', (len: number) => '= ( , NOT '.repeat(len / 10)],
    ['over the length limit', (len: number) => 'x'.repeat(len * 100)],
  ])('%s', (_, make) => {
    const [small, large] = bestOfBoth(make(n), make(2 * n));
    tally.add('scalingChecks');
    // A floor keeps timer noise on sub-millisecond figures out of the ratio.
    expect(large, `${small.toFixed(2)} ms for n, ${large.toFixed(2)} ms for 2n`).toBeLessThan(Math.max(3 * small, 20));
  });
});
