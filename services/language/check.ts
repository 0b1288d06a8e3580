import { FilterTypeError, FilterUnknownFieldError, type FilterError, type Span } from './errors.ts';
import { FIELDS, findField, type FieldDefinition, type FieldType } from './fields.ts';
import { parseIsoInstant } from './datetime.ts';
import { parseLikePattern, type LikePattern } from './like.ts';
import type { ComparisonOperator } from './lexer.ts';
import { OPERATOR_EXPECTED, type FieldName, type Literal, type SyntaxNode } from './syntax.ts';
import { closestMatch } from './text.ts';

/** A point in time: fixed, or relative to when the filter is evaluated (`NOW - 7d`). */
export type TimeValue = { kind: 'instant'; ms: number } | { kind: 'relative'; offsetMs: number };

export type OrderOperator = '<' | '<=' | '>' | '>=';

/** What a condition tests on one value of its field. */
export type Test =
  /** The field has no value (IS NULL). */
  | { kind: 'is-null' }
  /** Equal to one of the strings, ignoring the case of A–Z (`=`, `IN`). */
  | { kind: 'text-in'; values: string[] }
  /** One of a closed set of canonical values (enum fields: `=`, `IN`, and `<`… on ordered ones). */
  | { kind: 'enum-in'; values: string[] }
  | { kind: 'like'; pattern: LikePattern }
  | { kind: 'contains'; needle: string }
  | { kind: 'number-in'; values: number[] }
  | { kind: 'number-order'; operator: OrderOperator; value: number }
  | { kind: 'boolean'; value: boolean }
  | { kind: 'time-equals'; value: TimeValue }
  | { kind: 'time-order'; operator: OrderOperator; value: TimeValue };

/**
 * The checked tree both compilers take. A condition is `test` applied to the field, then negated
 * when `negated` (`<>`, `NOT IN`, `NOT LIKE`, `NOT CONTAINS`, `IS NOT NULL`).
 */
export type FilterNode =
  | { kind: 'and' | 'or'; items: FilterNode[] }
  | { kind: 'not'; operand: FilterNode }
  | { kind: 'condition'; field: FieldDefinition; test: Test; negated: boolean; span: Span };

const FIELD_NAMES = FIELDS.map((f) => f.name);
const ORDER_OPERATORS: ReadonlySet<string> = new Set(['<', '<=', '>', '>=']);

/**
 * Resolves fields and types every literal. Returns the tree, or every error found (unknown
 * fields and type errors are all reported, not just the first).
 */
export function checkSyntax(source: string, root: SyntaxNode): { node: FilterNode } | { errors: FilterError[] } {
  const errors: FilterError[] = [];
  const node = new Checker(source, errors).check(root);
  return errors.length > 0 || !node ? { errors } : { node };
}

class Checker {
  constructor(
    private readonly source: string,
    private readonly errors: FilterError[],
  ) {}

  check(node: SyntaxNode): FilterNode | undefined {
    switch (node.kind) {
      case 'and':
      case 'or': {
        const items = node.items.map((item) => this.check(item));
        return items.every((i): i is FilterNode => i !== undefined) ? { kind: node.kind, items } : undefined;
      }
      case 'not': {
        const operand = this.check(node.operand);
        return operand && { kind: 'not', operand };
      }
      default: {
        const field = this.resolve(node.field);
        if (!field) return undefined;
        const typed = this.condition(node, field);
        return typed && { kind: 'condition', field, span: { offset: node.offset, length: node.length }, ...typed };
      }
    }
  }

  private resolve(name: FieldName): FieldDefinition | undefined {
    const field = findField(name.name);
    if (field) return field;
    const suggestion = closestMatch(name.name, FIELD_NAMES);
    const prefix = name.name.includes('.') ? '' : ' (fields start with Event., User., App. or IP.)';
    const hint = suggestion ? `; did you mean ${suggestion}?` : prefix;
    this.errors.push(
      new FilterUnknownFieldError(`unknown field '${name.name}'${hint}`, this.source, name, {
        expected: suggestion ? [suggestion] : [],
        ...(suggestion ? { suggestion } : {}),
      }),
    );
    return undefined;
  }

  private condition(node: Exclude<SyntaxNode, { kind: 'and' | 'or' | 'not' }>, field: FieldDefinition): { test: Test; negated: boolean } | undefined {
    switch (node.kind) {
      case 'field':
        if (field.type === 'boolean') return { test: { kind: 'boolean', value: true }, negated: false };
        return this.fail(`${field.name} is a ${field.type} field: compare it with an operator, e.g. ${exampleCondition(field)}`, node.field, OPERATOR_EXPECTED);
      case 'is-null':
        return { test: { kind: 'is-null' }, negated: node.negated };
      case 'compare':
        return this.compare(field, node.operator, node.operatorSpan, node.value);
      case 'in': {
        if (!['string', 'string[]', 'number'].includes(field.type)) {
          return this.fail(`IN works on text and number fields; ${field.name} is a ${field.type} field`, node.operatorSpan, allowedOperators(field));
        }
        const values: (string | number)[] = [];
        for (const literal of node.values) {
          const value = field.type === 'number' ? this.numberLiteral(field, literal) : this.textLiteral(field, literal);
          if (value === undefined) return undefined;
          values.push(value);
        }
        return { test: equalityTest(field, values), negated: node.negated };
      }
      case 'like':
      case 'contains': {
        const word = node.kind === 'like' ? 'LIKE' : 'CONTAINS';
        if (field.type !== 'string' && field.type !== 'string[]') {
          return this.fail(`${word} works on text fields; ${field.name} is a ${field.type} field`, node.operatorSpan, allowedOperators(field));
        }
        const text = this.textLiteral(field, node.value, false);
        if (text === undefined) return undefined;
        if (node.kind === 'contains') return { test: { kind: 'contains', needle: text }, negated: node.negated };
        const pattern = parseLikePattern(text);
        if ('danglingEscapeAt' in pattern) {
          return this.fail("a LIKE pattern cannot end with the escape character '\\'; write '\\\\' for a literal backslash", node.value, ['string']);
        }
        return { test: { kind: 'like', pattern }, negated: node.negated };
      }
    }
  }

  private compare(field: FieldDefinition, operator: ComparisonOperator, operatorSpan: Span, literal: Literal): { test: Test; negated: boolean } | undefined {
    if (literal.kind === 'null') {
      return this.fail(`use ${field.name} ${operator === '=' ? 'IS NULL' : 'IS NOT NULL'} to test for a missing value`, literal, ['IS NULL', 'IS NOT NULL']);
    }
    const negated = operator === '<>' || operator === '!=';
    const ordering = ORDER_OPERATORS.has(operator);
    switch (field.type) {
      case 'string':
      case 'string[]': {
        if (ordering && !field.ordered) {
          return this.fail(
            `${operator} compares numbers, dates and ordered fields (like Event.Severity); ${field.name} is a ${field.type} field`,
            operatorSpan,
            allowedOperators(field),
          );
        }
        const text = this.textLiteral(field, literal);
        if (text === undefined) return undefined;
        if (ordering) return { test: { kind: 'enum-in', values: orderedSubset(field, text, operator as OrderOperator) }, negated: false };
        return { test: equalityTest(field, [text]), negated };
      }
      case 'number': {
        const value = this.numberLiteral(field, literal);
        if (value === undefined) return undefined;
        if (ordering) return { test: { kind: 'number-order', operator: operator as OrderOperator, value }, negated: false };
        return { test: { kind: 'number-in', values: [value] }, negated };
      }
      case 'boolean': {
        if (ordering) return this.fail(`${operator} does not compare booleans; use = TRUE or = FALSE`, operatorSpan, ['=', '<>']);
        if (literal.kind !== 'boolean') return this.fail(`${field.name} is a boolean field: compare it with TRUE or FALSE`, literal, ['TRUE', 'FALSE']);
        return { test: { kind: 'boolean', value: literal.value }, negated };
      }
      case 'datetime': {
        const value = this.timeLiteral(field, literal);
        if (value === undefined) return undefined;
        if (ordering) return { test: { kind: 'time-order', operator: operator as OrderOperator, value }, negated: false };
        return { test: { kind: 'time-equals', value }, negated };
      }
    }
  }

  private textLiteral(field: FieldDefinition, literal: Literal, checkValues = true): string | undefined {
    if (literal.kind !== 'string') {
      this.fail(`${field.name} is a ${field.type} field: compare it with a string in single quotes, e.g. '${String(field.examples[0] ?? 'text')}'`, literal, [
        'string',
      ]);
      return undefined;
    }
    if (checkValues && field.values) {
      const value = literal.value.toLowerCase();
      if (!field.values.includes(value)) {
        const suggestion = closestMatch(literal.value, field.values);
        this.fail(
          `'${literal.value}' is not a value of ${field.name}${suggestion ? `; did you mean '${suggestion}'?` : ''} (one of ${field.values.join(', ')})`,
          literal,
          field.values,
          suggestion,
        );
        return undefined;
      }
      return value;
    }
    return literal.value;
  }

  private numberLiteral(field: FieldDefinition, literal: Literal): number | undefined {
    if (literal.kind === 'number') return literal.value;
    this.fail(`${field.name} is a number field: compare it with a number, e.g. ${String(field.examples[0] ?? 1)}`, literal, ['number']);
    return undefined;
  }

  private timeLiteral(field: FieldDefinition, literal: Literal): TimeValue | undefined {
    if (literal.kind === 'now') return { kind: 'relative', offsetMs: literal.offsetMs };
    if (literal.kind === 'string') {
      const ms = parseIsoInstant(literal.value);
      if (ms !== undefined) return { kind: 'instant', ms };
      this.fail(`'${literal.value}' is not an ISO 8601 date; write e.g. '2026-11-01' or '2026-11-01T08:30:00Z' (years 1000-9999)`, literal, ['date']);
      return undefined;
    }
    this.fail(`${field.name} is a datetime field: compare it with a date in quotes ('2026-11-01T00:00:00Z') or NOW - 7d`, literal, ['date', 'NOW']);
    return undefined;
  }

  private fail(reason: string, span: Span, expected: readonly string[], suggestion?: string): undefined {
    this.errors.push(new FilterTypeError(reason, this.source, span, { expected, ...(suggestion ? { suggestion } : {}) }));
    return undefined;
  }
}

/** `=` / `IN`: numbers, the canonical values of an enum field, or text compared without case. */
function equalityTest(field: FieldDefinition, values: (string | number)[]): Test {
  if (field.type === 'number') return { kind: 'number-in', values: values.filter((v): v is number => typeof v === 'number') };
  const texts = values.map(String);
  if (field.values) return { kind: 'enum-in', values: [...new Set(texts.map((v) => v.toLowerCase()))] };
  return { kind: 'text-in', values: texts };
}

/** `Severity >= 'high'` is the set {high, critical}: both compilers then test membership. */
function orderedSubset(field: FieldDefinition, value: string, operator: OrderOperator): string[] {
  const values = field.values ?? [];
  const at = values.indexOf(value);
  return values.filter((_, i) => (operator === '<' ? i < at : operator === '<=' ? i <= at : operator === '>' ? i > at : i >= at));
}

function allowedOperators(field: FieldDefinition): string[] {
  const byType: Record<FieldType, string[]> = {
    string: ['=', '<>', 'LIKE', 'NOT LIKE', 'IN', 'NOT IN', 'CONTAINS', 'NOT CONTAINS', 'IS NULL', 'IS NOT NULL'],
    'string[]': ['=', '<>', 'LIKE', 'NOT LIKE', 'IN', 'NOT IN', 'CONTAINS', 'NOT CONTAINS', 'IS NULL', 'IS NOT NULL'],
    number: ['=', '<>', '<', '<=', '>', '>=', 'IN', 'NOT IN', 'IS NULL', 'IS NOT NULL'],
    boolean: ['=', '<>', 'IS NULL', 'IS NOT NULL'],
    datetime: ['=', '<>', '<', '<=', '>', '>=', 'IS NULL', 'IS NOT NULL'],
  };
  const ops = byType[field.type];
  return field.ordered ? [...ops.slice(0, 2), '<', '<=', '>', '>=', ...ops.slice(2)] : ops;
}

function exampleCondition(field: FieldDefinition): string {
  const example = field.examples[0];
  if (field.type === 'datetime') return `${field.name} >= NOW - 7d`;
  if (typeof example === 'number') return `${field.name} > ${example}`;
  return `${field.name} = '${String(example ?? 'value')}'`;
}
