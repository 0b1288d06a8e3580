/**
 * Autocomplete for the filter-language box: what fits at the caret, from the text before it.
 * Field names anywhere a condition can start, operators after a field, values of closed sets
 * (and examples) inside a quote after `=`, and AND / OR after a complete condition.
 */

export type FieldInfo = {
  name: string;
  type: string;
  description: string;
  examples: (string | number | boolean)[];
  values?: string[] | undefined;
  ordered?: boolean | undefined;
};
export type Suggestion = { label: string; insert: string; detail: string; kind: 'field' | 'operator' | 'value' | 'keyword' };
export type Suggestions = { from: number; to: number; items: Suggestion[] };

const MAX = 12;
const TEXT_OPERATORS = ['=', '<>', 'LIKE', 'NOT LIKE', 'IN (', 'NOT IN (', 'CONTAINS', 'NOT CONTAINS', 'IS NULL', 'IS NOT NULL'];
const ORDER_OPERATORS = ['<', '<=', '>', '>='];
const NUMBER_OPERATORS = ['=', '<>', ...ORDER_OPERATORS, 'IN (', 'NOT IN (', 'IS NULL', 'IS NOT NULL'];
const BOOLEAN_OPERATORS = ['= TRUE', '= FALSE', 'IS NULL', 'IS NOT NULL'];
const OPERATOR_HELP: Record<string, string> = {
  '=': 'equals (text ignores A–Z case)',
  '<>': 'does not equal',
  '<': 'less than',
  '<=': 'at most',
  '>': 'more than',
  '>=': 'at least',
  LIKE: "pattern: % any text, _ one character, e.g. '%@contoso.com'",
  'NOT LIKE': 'does not match the pattern',
  'IN (': "one of a list: IN ('a', 'b')",
  'NOT IN (': 'none of a list',
  CONTAINS: 'has this text in it',
  'NOT CONTAINS': 'does not have this text in it',
  'IS NULL': 'has no value',
  'IS NOT NULL': 'has a value',
  '= TRUE': 'is true',
  '= FALSE': 'is false',
};

function operatorsFor(field: FieldInfo): string[] {
  const type = field.type.toLowerCase();
  if (type.startsWith('boolean')) return BOOLEAN_OPERATORS;
  if (type.startsWith('number') || type.startsWith('datetime')) return NUMBER_OPERATORS;
  return field.ordered ? [...TEXT_OPERATORS.slice(0, 2), ...ORDER_OPERATORS, ...TEXT_OPERATORS.slice(2)] : TEXT_OPERATORS;
}

const quote = (value: string) => `'${value.replaceAll("'", "''")}'`;

/** Suggestions for the caret position `caret` in `text`; `explicit` when the user asked (Ctrl+Space, Arrow Down). */
export function suggest(text: string, caret: number, fields: readonly FieldInfo[], explicit = false): Suggestions | null {
  const before = text.slice(0, caret);
  const byName = new Map(fields.map((f) => [f.name.toLowerCase(), f]));

  // Inside a string after a comparison: the field's values.
  const inValue = /([A-Za-z][\w.]*)\s*(?:<=|>=|<>|!=|=|<|>|LIKE|NOT\s+LIKE|CONTAINS|IN\s*\((?:\s*'(?:[^']|'')*'\s*,)*)\s*'((?:[^']|'')*)$/i.exec(before);
  if (inValue) {
    const field = byName.get(inValue[1]!.toLowerCase());
    if (!field) return null;
    const typed = inValue[2]!.replaceAll("''", "'").toLowerCase();
    const values = field.values ?? field.examples.filter((e): e is string => typeof e === 'string').map((e) => e.replace(/^'(.*)'$/, '$1'));
    const items = values
      .filter((v) => v.toLowerCase().startsWith(typed))
      .slice(0, MAX)
      .map((v) => ({ label: quote(v), insert: `${quote(v)} `, detail: field.values ? `one of ${field.name}'s values` : 'example', kind: 'value' as const }));
    return items.length ? { from: caret - inValue[2]!.length - 1, to: caret, items } : null;
  }

  const wordMatch = /[A-Za-z_][\w.]*$/.exec(before);
  const word = wordMatch?.[0] ?? '';
  const from = caret - word.length;
  const head = before.slice(0, from);
  if (!word && !explicit && !/\s$/.test(before)) return null;

  // After a field name: its operators.
  const afterField = /([A-Za-z][\w.]*)\s+$/.exec(head);
  const field = afterField ? byName.get(afterField[1]!.toLowerCase()) : undefined;
  if (field && !/\b(AND|OR|NOT)\s+$/i.test(head)) {
    const items = operatorsFor(field)
      .filter((op) => op.toLowerCase().startsWith(word.toLowerCase()))
      .map((op) => ({ label: op, insert: op.endsWith('(') ? `${op}'` : `${op} `, detail: OPERATOR_HELP[op] ?? '', kind: 'operator' as const }));
    return items.length && (word || explicit || /\s$/.test(before)) ? { from, to: caret, items } : null;
  }

  // After a complete condition: join it to the next.
  if (/('(?:[^']|'')*'|\b\d+(?:\.\d+)?[smhdw]?|\bTRUE|\bFALSE|\bNULL|\))\s+$/i.test(head)) {
    const items = ['AND', 'OR', 'AND NOT']
      .filter((k) => k.toLowerCase().startsWith(word.toLowerCase()))
      .map((k) => ({ label: k, insert: `${k} `, detail: 'combine with another condition', kind: 'keyword' as const }));
    return items.length && (word || explicit || /\s$/.test(before)) ? { from, to: caret, items } : null;
  }

  // Where a condition starts: field names, those starting with the word first.
  if (!word && !explicit && head.trim() !== '' && !/(\(|\bAND|\bOR|\bNOT)\s*$/i.test(head)) return null;
  if (!word && !explicit) return null;
  const lower = word.toLowerCase();
  const starts = fields.filter((f) => f.name.toLowerCase().startsWith(lower));
  const contains = lower ? fields.filter((f) => !f.name.toLowerCase().startsWith(lower) && f.name.toLowerCase().includes(lower.replace(/^.*\./, ''))) : [];
  const items = [...starts, ...contains].slice(0, MAX).map((f) => ({ label: f.name, insert: `${f.name} `, detail: f.description, kind: 'field' as const }));
  if (items.length === 1 && items[0]!.label.toLowerCase() === lower) return null;
  return items.length ? { from, to: caret, items } : null;
}
