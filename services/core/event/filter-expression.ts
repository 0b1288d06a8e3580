import { checkFilter, parseFilter, type FilterErrorInfo, type ParsedFilter } from '../../language/index.ts';
import { ValidationError } from '../../errors.ts';

/** One problem in a filter expression, as `POST /language/check` reports it, plus where in the input it was. */
export type FilterProblem = FilterErrorInfo & { path: string };

/**
 * Parses a filter-language expression from user input, or throws a 400 whose details carry each
 * error's line, column, caret excerpt and what was expected there (the editor's inline errors).
 * @example parseFilterInput("Event.Severity >= 'high'", 'filter')
 */
export function parseFilterInput(expression: string, path: string): ParsedFilter {
  const checked = checkFilter(expression);
  if (!checked.ok) {
    const details: FilterProblem[] = checked.errors.map((e) => ({ path, ...e }));
    throw new ValidationError(`The ${path} expression is not valid: ${checked.errors[0]!.message}.`, details);
  }
  return parseFilter(expression);
}
