/**
 * CSV for spreadsheets (RFC 4180, CRLF). Attacker-written text (inbox-rule names, user agents)
 * ends up in these cells, so a cell a spreadsheet would read as a formula (starting with `=`,
 * `+`, `-`, `@`, tab or carriage return) is prefixed with `'` and shown as text.
 *
 * The separator is the reader's choice: in many locales it is `;`, and some readers split on tab
 * or `|`, or ignore quotes. So a cell holding any of those is quoted, and a formula character
 * just after one (spaces between allowed) gets the same `'`: `x;=1+1;` stays one text cell, and
 * a reader that splits it anyway finds `'=1+1`, not a formula.
 */
const FORMULA_START = /^[=+\-@\t\r]/;
const FORMULA_AFTER_SEPARATOR = /([,;\t|\r\n] *)([=+\-@])/g;
const NEEDS_QUOTES = /[",;\t|\r\n]/;

export function csvCell(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  if (typeof value === 'string') {
    text = text.replace(FORMULA_AFTER_SEPARATOR, "$1'$2");
    if (FORMULA_START.test(text)) text = `'${text}`;
  }
  return NEEDS_QUOTES.test(text) || text !== text.trim() ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvRow(values: readonly (string | number | boolean | null | undefined)[]): string {
  return `${values.map(csvCell).join(',')}\r\n`;
}
