import { FilterSyntaxError, lineAndColumn, type Span } from './errors.ts';
import { COMPARISON_OPERATORS, DURATION_UNITS, describeToken, tokenize, type ComparisonOperator, type Keyword, type Token } from './lexer.ts';

/** Limits that keep hostile or accidental input cheap to parse and to run. */
export const LIMITS = {
  /** Characters in one expression. */
  maxLength: 10_000,
  /** Nested parentheses and NOTs. */
  maxDepth: 32,
  /** Values in one IN (...) list. */
  maxInList: 1_000,
} as const;

/** A literal as written, before the checker gives it the field's type. */
export type Literal =
  | ({ kind: 'string'; value: string } & Span)
  | ({ kind: 'number'; value: number } & Span)
  | ({ kind: 'boolean'; value: boolean } & Span)
  | ({ kind: 'null' } & Span)
  /** `NOW`, `NOW - 7d`: milliseconds relative to the evaluation time. */
  | ({ kind: 'now'; offsetMs: number } & Span);

export type FieldName = { name: string } & Span;

/** The syntax tree: fields are still names, literals still untyped. */
export type SyntaxNode =
  | ({ kind: 'and' | 'or'; items: SyntaxNode[] } & Span)
  | ({ kind: 'not'; operand: SyntaxNode } & Span)
  | ({ kind: 'compare'; field: FieldName; operator: ComparisonOperator; operatorSpan: Span; value: Literal } & Span)
  | ({ kind: 'in'; field: FieldName; negated: boolean; operatorSpan: Span; values: Literal[] } & Span)
  | ({ kind: 'like' | 'contains'; field: FieldName; negated: boolean; operatorSpan: Span; value: Literal } & Span)
  | ({ kind: 'is-null'; field: FieldName; negated: boolean; operatorSpan: Span } & Span)
  /** A field on its own: only valid for boolean fields (`User.IsAdmin AND ...`). */
  | ({ kind: 'field'; field: FieldName } & Span);

const OPERATOR_EXPECTED = [...COMPARISON_OPERATORS, 'LIKE', 'NOT LIKE', 'IN', 'NOT IN', 'CONTAINS', 'NOT CONTAINS', 'IS NULL', 'IS NOT NULL'];
const VALUE_EXPECTED = ['string', 'number', 'TRUE', 'FALSE', 'NOW'];
const AFTER_CONDITION = ['AND', 'OR', ')', 'end of expression'];

/** Longest relative time accepted: a century keeps every date within what Postgres and JS both hold. */
const MAX_RELATIVE_MS = 100 * 366 * DURATION_UNITS.d;

/**
 * Parses the text into a syntax tree. Throws `FilterSyntaxError` with the position and the
 * tokens that would have been accepted.
 */
export function parseSyntax(source: string): SyntaxNode {
  if (source.length > LIMITS.maxLength) {
    throw new FilterSyntaxError(
      `the expression is longer than ${LIMITS.maxLength} characters`,
      source,
      { offset: LIMITS.maxLength, length: source.length - LIMITS.maxLength },
      { code: 'limit' },
    );
  }
  return new Parser(source, tokenize(source)).parseAll();
}

class Parser {
  private pos = 0;
  private depth = 0;

  constructor(
    private readonly source: string,
    private readonly tokens: Token[],
  ) {}

  parseAll(): SyntaxNode {
    if (this.peek().kind === 'eof') {
      throw this.error("the expression is empty: expected a condition, e.g. Event.EventType = 'LoginAttempt'", this.peek(), ['field', 'NOT', '(']);
    }
    const node = this.parseOr();
    const next = this.peek();
    if (next.kind !== 'eof') {
      const expected = next.kind === ')' ? ['AND', 'OR', 'end of expression'] : AFTER_CONDITION;
      const reason = next.kind === ')' ? "unmatched ')'" : `expected AND, OR or the end of the expression, found ${describeToken(next, this.source)}`;
      throw this.error(reason, next, expected);
    }
    return node;
  }

  private parseOr(): SyntaxNode {
    const first = this.parseAnd();
    if (!this.isKeyword('OR')) return first;
    const items = [first];
    while (this.isKeyword('OR')) {
      this.pos++;
      items.push(this.parseAnd());
    }
    return { kind: 'or', items, ...spanOf(first, items.at(-1) ?? first) };
  }

  private parseAnd(): SyntaxNode {
    const first = this.parseUnary();
    if (!this.isKeyword('AND')) return first;
    const items = [first];
    while (this.isKeyword('AND')) {
      this.pos++;
      items.push(this.parseUnary());
    }
    return { kind: 'and', items, ...spanOf(first, items.at(-1) ?? first) };
  }

  private parseUnary(): SyntaxNode {
    const token = this.peek();
    if (token.kind === 'keyword' && token.keyword === 'NOT') {
      this.pos++;
      this.enter(token);
      const operand = this.parseUnary();
      this.depth--;
      return { kind: 'not', operand, ...spanOf(token, operand) };
    }
    if (token.kind === '(') {
      this.pos++;
      this.enter(token);
      const inner = this.parseOr();
      this.depth--;
      const close = this.peek();
      if (close.kind !== ')') {
        throw this.error(`expected ')' to close the '(' at ${this.positionOf(token)}, found ${describeToken(close, this.source)}`, close, [')', 'AND', 'OR']);
      }
      this.pos++;
      return { ...inner, ...spanOf(token, close) };
    }
    if (token.kind === 'field') {
      this.pos++;
      return this.parseCondition({ name: token.name, offset: token.offset, length: token.length });
    }
    const previous = this.tokens[this.pos - 1];
    const after = previous ? ` after ${describeToken(previous, this.source)}` : '';
    throw this.error(`expected a condition${after}, found ${describeToken(token, this.source)}`, token, ['field', 'NOT', '(']);
  }

  private parseCondition(field: FieldName): SyntaxNode {
    const token = this.peek();
    if (token.kind === 'operator') {
      this.pos++;
      const value = this.parseValue(token);
      return { kind: 'compare', field, operator: token.operator, operatorSpan: token, value, ...spanOf(field, value) };
    }
    const bare = (): SyntaxNode => {
      // A field alone ends where a condition may end; anything else means an operator is missing.
      if (token.kind === 'eof' || token.kind === ')' || (token.kind === 'keyword' && (token.keyword === 'AND' || token.keyword === 'OR'))) {
        return { kind: 'field', field, offset: field.offset, length: field.length };
      }
      throw this.error(`expected an operator after '${field.name}', found ${describeToken(token, this.source)}`, token, OPERATOR_EXPECTED);
    };
    if (token.kind !== 'keyword') return bare();
    switch (token.keyword) {
      case 'IS': {
        this.pos++;
        const negated = this.acceptKeyword('NOT');
        const nullToken = this.peek();
        if (!(nullToken.kind === 'keyword' && nullToken.keyword === 'NULL')) {
          throw this.error(`expected NULL after '${negated ? 'IS NOT' : 'IS'}', found ${describeToken(nullToken, this.source)}`, nullToken, ['NULL']);
        }
        this.pos++;
        return { kind: 'is-null', field, negated, operatorSpan: spanOf(token, nullToken), ...spanOf(field, nullToken) };
      }
      case 'NOT': {
        const next = this.tokens[this.pos + 1];
        if (!next || next.kind !== 'keyword' || !['LIKE', 'IN', 'CONTAINS'].includes(next.keyword)) {
          throw this.error(`expected LIKE, IN or CONTAINS after 'NOT' (or an operator after ${field.name})`, next ?? token, ['LIKE', 'IN', 'CONTAINS']);
        }
        this.pos++;
        return this.parseKeywordOperator(field, next.keyword, true, token);
      }
      case 'LIKE':
      case 'IN':
      case 'CONTAINS':
        return this.parseKeywordOperator(field, token.keyword, false, token);
      default:
        return bare();
    }
  }

  private parseKeywordOperator(field: FieldName, keyword: Keyword, negated: boolean, first: Token): SyntaxNode {
    const operatorToken = this.peek();
    this.pos++;
    const operatorSpan = spanOf(first, operatorToken);
    const written = this.source.slice(operatorSpan.offset, operatorSpan.offset + operatorSpan.length).replace(/\s+/g, ' ');
    if (keyword === 'IN') {
      const open = this.peek();
      if (open.kind !== '(') throw this.error(`expected '(' after '${written}'`, open, ['(']);
      this.pos++;
      const values: Literal[] = [];
      for (;;) {
        const value = this.parseValue(values.length === 0 ? open : (this.tokens[this.pos - 1] as Token));
        values.push(value);
        if (values.length > LIMITS.maxInList) {
          throw new FilterSyntaxError(`an IN list holds at most ${LIMITS.maxInList} values`, this.source, value, { code: 'limit' });
        }
        const sep = this.peek();
        if (sep.kind === ',') {
          this.pos++;
          continue;
        }
        if (sep.kind === ')') {
          this.pos++;
          return { kind: 'in', field, negated, operatorSpan, values, ...spanOf(field, sep) };
        }
        throw this.error(`expected ',' or ')' in the IN list, found ${describeToken(sep, this.source)}`, sep, [',', ')']);
      }
    }
    const value = this.parseValue(operatorToken);
    return { kind: keyword === 'LIKE' ? 'like' : 'contains', field, negated, operatorSpan, value, ...spanOf(field, value) };
  }

  /** A literal; `after` names the token it follows, for the message. */
  private parseValue(after: Token): Literal {
    const token = this.peek();
    const expectedMessage = () => `expected a value after ${describeToken(after, this.source)}, found ${describeToken(token, this.source)}`;
    switch (token.kind) {
      case 'string':
        this.pos++;
        return { kind: 'string', value: token.value, offset: token.offset, length: token.length };
      case 'number':
        this.pos++;
        return { kind: 'number', value: token.value, offset: token.offset, length: token.length };
      case '-': {
        const next = this.tokens[this.pos + 1];
        if (next?.kind === 'number' && next.offset === token.offset + 1) {
          this.pos += 2;
          // `0 - 0` would give -0; keep 0 so both compilers see the same value.
          return { kind: 'number', value: next.value === 0 ? 0 : -next.value, ...spanOf(token, next) };
        }
        throw this.error(expectedMessage(), token, VALUE_EXPECTED);
      }
      case 'keyword':
        if (token.keyword === 'TRUE' || token.keyword === 'FALSE') {
          this.pos++;
          return { kind: 'boolean', value: token.keyword === 'TRUE', offset: token.offset, length: token.length };
        }
        if (token.keyword === 'NULL') {
          this.pos++;
          return { kind: 'null', offset: token.offset, length: token.length };
        }
        if (token.keyword === 'NOW') return this.parseNow(token);
        throw this.error(expectedMessage(), token, VALUE_EXPECTED);
      default:
        throw this.error(expectedMessage(), token, VALUE_EXPECTED);
    }
  }

  private parseNow(now: Token): Literal {
    this.pos++;
    const sign = this.peek();
    if (sign.kind !== '+' && sign.kind !== '-') return { kind: 'now', offsetMs: 0, offset: now.offset, length: now.length };
    this.pos++;
    const amount = this.peek();
    if (amount.kind !== 'duration') {
      throw this.error(`expected a duration after 'NOW ${sign.kind}', e.g. 7d, 12h, 30m (units s, m, h, d, w)`, amount, ['duration']);
    }
    this.pos++;
    const ms = amount.amount * DURATION_UNITS[amount.unit];
    if (ms > MAX_RELATIVE_MS) {
      throw new FilterSyntaxError('a relative time can reach at most 100 years', this.source, amount, { code: 'limit' });
    }
    return { kind: 'now', offsetMs: sign.kind === '-' ? -ms : ms, ...spanOf(now, amount) };
  }

  private enter(token: Token): void {
    this.depth++;
    if (this.depth > LIMITS.maxDepth) {
      throw new FilterSyntaxError(`parentheses and NOT are nested more than ${LIMITS.maxDepth} deep`, this.source, token, { code: 'limit' });
    }
  }

  private peek(): Token {
    // The token list always ends with `eof`, and the parser never moves past it.
    return this.tokens[Math.min(this.pos, this.tokens.length - 1)] as Token;
  }

  private isKeyword(keyword: Keyword): boolean {
    const token = this.peek();
    return token.kind === 'keyword' && token.keyword === keyword;
  }

  private acceptKeyword(keyword: Keyword): boolean {
    if (!this.isKeyword(keyword)) return false;
    this.pos++;
    return true;
  }

  private positionOf(span: Span): string {
    const { line, column } = lineAndColumn(this.source, span.offset);
    return `${line}:${column}`;
  }

  private error(reason: string, at: Token, expected: readonly string[]): FilterSyntaxError {
    return new FilterSyntaxError(reason, this.source, at, { expected });
  }
}

function spanOf(first: Span, last: Span): Span {
  return { offset: first.offset, length: last.offset + last.length - first.offset };
}

export { OPERATOR_EXPECTED };
