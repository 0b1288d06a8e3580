/**
 * CSV for spreadsheets (RFC 4180, CRLF). Attacker-written text (inbox-rule names, user agents)
 * ends up in these cells, so a cell a spreadsheet would read as a formula (starting with `=`,
 * `+`, `-`, `@`, tab or carriage return) is prefixed with `'` and shown as text.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

export function csvCell(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  if (typeof value === 'string' && FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) || text !== text.trim() ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvRow(values: readonly (string | number | boolean | null | undefined)[]): string {
  return `${values.map(csvCell).join(',')}\r\n`;
}
