import { FilterSyntaxError, type Span } from './errors.ts';

/** Words with a meaning of their own; matched case-insensitively, never field names. */
export const KEYWORDS = ['AND', 'OR', 'NOT', 'LIKE', 'IN', 'IS', 'NULL', 'CONTAINS', 'TRUE', 'FALSE', 'NOW'] as const;
export type Keyword = (typeof KEYWORDS)[number];

export const COMPARISON_OPERATORS = ['=', '<>', '!=', '<', '<=', '>', '>='] as const;
export type ComparisonOperator = (typeof COMPARISON_OPERATORS)[number];

/** Units of a relative time (`NOW - 7d`). Months and years are left out: their length varies. */
export const DURATION_UNITS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
export type DurationUnit = keyof typeof DURATION_UNITS;

export type Token =
  | ({ kind: 'keyword'; keyword: Keyword } & Span)
  | ({ kind: 'field'; name: string } & Span)
  | ({ kind: 'string'; value: string } & Span)
  | ({ kind: 'number'; value: number; text: string } & Span)
  | ({ kind: 'duration'; amount: number; unit: DurationUnit } & Span)
  | ({ kind: 'operator'; operator: ComparisonOperator } & Span)
  | ({ kind: '(' | ')' | ',' | '+' | '-' | 'eof' } & Span);

const KEYWORD_SET: ReadonlySet<string> = new Set(KEYWORDS);

/** Splits the source into tokens; throws `FilterSyntaxError` on the first character it cannot read. */
export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  const n = source.length;
  let i = 0;
  while (i < n) {
    const c = source.charCodeAt(i);
    if (c === 32 || c === 9 || c === 10 || c === 13) {
      i++;
      continue;
    }
    const start = i;
    if (isIdentStart(c)) {
      i = readWord(source, i);
      // A dotted path is one token, so `Event.Status` never reads as a keyword.
      while (source.charCodeAt(i) === 46 /* . */ && isIdentStart(source.charCodeAt(i + 1))) i = readWord(source, i + 1);
      if (source.charCodeAt(i) === 46) {
        throw new FilterSyntaxError(
          `expected a field name after '${source.slice(start, i + 1)}'`,
          source,
          { offset: i + 1, length: 1 },
          { expected: ['field name'] },
        );
      }
      const word = source.slice(start, i);
      const upper = word.toUpperCase();
      if (!word.includes('.') && KEYWORD_SET.has(upper)) tokens.push({ kind: 'keyword', keyword: upper as Keyword, offset: start, length: i - start });
      else tokens.push({ kind: 'field', name: word, offset: start, length: i - start });
      continue;
    }
    if (isDigit(c) || (c === 46 && isDigit(source.charCodeAt(i + 1)))) {
      tokens.push(readNumber(source, i));
      i = start + (tokens.at(-1) as Token).length;
      continue;
    }
    if (c === 39 /* ' */) {
      const token = readString(source, i);
      tokens.push(token);
      i += token.length;
      continue;
    }
    const two = source.slice(i, i + 2);
    if (two === '<>' || two === '!=' || two === '<=' || two === '>=') {
      tokens.push({ kind: 'operator', operator: two, offset: i, length: 2 });
      i += 2;
      continue;
    }
    if (c === 61 || c === 60 || c === 62) {
      tokens.push({ kind: 'operator', operator: source[i] as '=' | '<' | '>', offset: i, length: 1 });
      i++;
      continue;
    }
    if (c === 40 || c === 41 || c === 44 || c === 43 || c === 45) {
      tokens.push({ kind: source[i] as '(' | ')' | ',' | '+' | '-', offset: i, length: 1 });
      i++;
      continue;
    }
    throw unexpectedCharacter(source, i);
  }
  tokens.push({ kind: 'eof', offset: n, length: 0 });
  return tokens;
}

function unexpectedCharacter(source: string, i: number): FilterSyntaxError {
  const c = source.charCodeAt(i);
  const isHigh = c >= 0xd800 && c <= 0xdbff;
  const isLow = c >= 0xdc00 && c <= 0xdfff;
  const next = source.charCodeAt(i + 1);
  if (isLow || (isHigh && !(next >= 0xdc00 && next <= 0xdfff))) {
    return new FilterSyntaxError('invalid character (a lone UTF-16 surrogate)', source, { offset: i, length: 1 });
  }
  if (c === 34 /* " */) {
    return new FilterSyntaxError("strings are written in single quotes, e.g. 'LoginAttempt'", source, { offset: i, length: 1 }, { expected: ['string'] });
  }
  const length = isHigh ? 2 : 1;
  const shown = c < 32 || c === 127 ? `U+${c.toString(16).toUpperCase().padStart(4, '0')}` : `'${source.slice(i, i + length)}'`;
  return new FilterSyntaxError(`unexpected character ${shown}`, source, { offset: i, length }, { expected: ['field', 'operator', 'value', '(', ')'] });
}

function isIdentStart(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}
function isIdentPart(c: number): boolean {
  return isIdentStart(c) || isDigit(c);
}
function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
function readWord(source: string, i: number): number {
  while (i < source.length && isIdentPart(source.charCodeAt(i))) i++;
  return i;
}

function readNumber(source: string, start: number): Token {
  let i = start;
  while (isDigit(source.charCodeAt(i))) i++;
  const integerEnd = i;
  if (source.charCodeAt(i) === 46 && isDigit(source.charCodeAt(i + 1))) {
    i++;
    while (isDigit(source.charCodeAt(i))) i++;
  }
  const e = source.charCodeAt(i);
  if (e === 101 || e === 69) {
    let j = i + 1;
    const sign = source.charCodeAt(j);
    if (sign === 43 || sign === 45) j++;
    if (isDigit(source.charCodeAt(j))) {
      while (isDigit(source.charCodeAt(j))) j++;
      i = j;
    }
  }
  const unit = source[i];
  // `7d`: a whole number directly followed by a unit letter and nothing else is a duration.
  if (i === integerEnd && unit !== undefined && unit in DURATION_UNITS && !isIdentPart(source.charCodeAt(i + 1))) {
    return { kind: 'duration', amount: Number(source.slice(start, i)), unit: unit as DurationUnit, offset: start, length: i + 1 - start };
  }
  if (isIdentPart(source.charCodeAt(i)) || source.charCodeAt(i) === 46) {
    let j = i;
    while (isIdentPart(source.charCodeAt(j)) || source.charCodeAt(j) === 46) j++;
    throw new FilterSyntaxError(
      `'${source.slice(start, j)}' is not a number or a duration (durations are a whole number and one of s, m, h, d, w, e.g. 7d)`,
      source,
      { offset: start, length: j - start },
      { expected: ['number', 'duration'] },
    );
  }
  const text = source.slice(start, i);
  const value = Number(text);
  if (!Number.isFinite(value)) {
    throw new FilterSyntaxError(`number ${text} is too large`, source, { offset: start, length: i - start }, { expected: ['number'] });
  }
  return { kind: 'number', value, text, offset: start, length: i - start };
}

function readString(source: string, start: number): Token {
  // Parts are collected and joined once: quadratic concatenation would make long strings slow.
  const parts: string[] = [];
  let i = start + 1;
  let from = i;
  for (;;) {
    const q = source.indexOf("'", i);
    if (q < 0) {
      throw new FilterSyntaxError("unterminated string: add a closing '", source, { offset: start, length: source.length - start }, { expected: ["'"] });
    }
    if (source.charCodeAt(q + 1) === 39) {
      parts.push(source.slice(from, q + 1));
      i = q + 2;
      from = i;
      continue;
    }
    parts.push(source.slice(from, q));
    const value = parts.join('');
    checkStringCharacters(source, start + 1, q);
    return { kind: 'string', value, offset: start, length: q + 1 - start };
  }
}

/** Postgres text cannot hold U+0000, and lone surrogates would be changed on the way to UTF-8. */
function checkStringCharacters(source: string, from: number, to: number): void {
  for (let i = from; i < to; i++) {
    const c = source.charCodeAt(i);
    if (c === 0) throw new FilterSyntaxError('strings cannot contain the character U+0000', source, { offset: i, length: 1 });
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = source.charCodeAt(i + 1);
      if (i + 1 < to && next >= 0xdc00 && next <= 0xdfff) {
        i++;
        continue;
      }
      throw new FilterSyntaxError('invalid character (a lone UTF-16 surrogate)', source, { offset: i, length: 1 });
    }
    if (c >= 0xdc00 && c <= 0xdfff) throw new FilterSyntaxError('invalid character (a lone UTF-16 surrogate)', source, { offset: i, length: 1 });
  }
}

/** How a token reads in an error message. */
export function describeToken(token: Token, source: string): string {
  switch (token.kind) {
    case 'eof':
      return 'the end of the expression';
    case 'string':
      return 'a string';
    case 'number':
      return `'${token.text}'`;
    default: {
      const text = source.slice(token.offset, token.offset + Math.min(token.length, 40));
      return `'${text}${token.length > 40 ? '…' : ''}'`;
    }
  }
}
