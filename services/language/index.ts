/**
 * The filter language: one syntax for trigger conditions, whitelist rules, custom detections and
 * the Report table's filter box, compiled to a JavaScript predicate (the stream) and to
 * parameterised SQL (the Report table). README.md beside this file is the reference.
 */
import type { SQL } from 'drizzle-orm';
import { checkSyntax, type FilterNode } from './check.ts';
import { compileNodeToPredicate, type PredicateOptions } from './compile-js.ts';
import { compileNodeToSql, type SqlOptions } from './compile-sql.ts';
import { describeNode } from './describe.ts';
import { FilterError, type FilterErrorInfo } from './errors.ts';
import type { FilterableEvent } from './fields.ts';
import { parseSyntax } from './syntax.ts';

export { FilterError, FilterSyntaxError, FilterTypeError, FilterUnknownFieldError, type FilterErrorCode, type FilterErrorInfo } from './errors.ts';
export {
  FIELDS,
  fieldReference,
  findField,
  type EntitySnapshot,
  type FieldDefinition,
  type FieldReference,
  type FieldType,
  type FilterableEvent,
} from './fields.ts';
export { LIMITS } from './syntax.ts';
export type { FilterNode, Test, TimeValue } from './check.ts';
export type { PredicateOptions } from './compile-js.ts';
export type { SqlOptions } from './compile-sql.ts';

/** A parsed, type-checked filter: what both compilers take. */
export type ParsedFilter = {
  /** The expression as written. */
  source: string;
  root: FilterNode;
};

/**
 * Parses and type-checks an expression. Throws the first `FilterError` (syntax, unknown field,
 * type, or a size limit); use `checkFilter` to get every error.
 * @example const filter = parseFilter("Event.EventType = 'LoginAttempt' AND Event.OperationResult = 'LockedOut'");
 */
export function parseFilter(text: string): ParsedFilter {
  const checked = checkSyntax(text, parseSyntax(text));
  if ('errors' in checked) throw checked.errors[0] as FilterError;
  return { source: text, root: checked.node };
}

/**
 * Checks an expression for `POST /language/check`: never throws for bad input, reports every
 * unknown field and type error (a syntax error stops at the first).
 * @example checkFilter("Event.Severty = 'high'")
 * // { ok: false, errors: [{ code: 'unknown_field', message: "unknown field 'Event.Severty'; did you mean Event.Severity? at 1:1", suggestion: 'Event.Severity', ... }] }
 */
export function checkFilter(text: string): { ok: true; errors: [] } | { ok: false; errors: FilterErrorInfo[] } {
  try {
    const checked = checkSyntax(text, parseSyntax(text));
    if ('errors' in checked) return { ok: false, errors: checked.errors.map((e) => e.toJSON()) };
    return { ok: true, errors: [] };
  } catch (error) {
    if (error instanceof FilterError) return { ok: false, errors: [error.toJSON()] };
    throw error;
  }
}

/**
 * Compiles a filter to a predicate for the event stream. Build it once per filter and reuse it.
 * @example
 * const isLockout = compileToPredicate(parseFilter("Event.OperationResult = 'lockedout'"));
 * isLockout({ operationResult: 'LockedOut' }); // true: text compares without case
 */
export function compileToPredicate(filter: ParsedFilter, options?: PredicateOptions): (event: FilterableEvent) => boolean {
  return compileNodeToPredicate(filter.root, options);
}

/**
 * Compiles a filter to a parameterised WHERE fragment over `security_event`.
 * @example
 * const where = compileToSql(parseFilter("Event.Severity >= 'high' AND IP.CountryCode <> 'NL'"));
 * const rows = await db.select().from(securityEvent).where(and(eq(securityEvent.mspId, mspId), where));
 */
export function compileToSql(filter: ParsedFilter, options?: SqlOptions): SQL {
  return compileNodeToSql(filter.root, options);
}

/**
 * The filter in plain words.
 * @example describeFilter(parseFilter("Event.Count > 10")) // 'count > 10'
 */
export function describeFilter(filter: ParsedFilter): string {
  return describeNode(filter.root);
}
