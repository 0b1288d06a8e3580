import { readFileSync, writeFileSync } from 'node:fs';
import { FIELDS, describeSource, isMultiValued, type FieldDefinition } from './fields.ts';

/**
 * The field table of README.md, generated from the registry so the docs cannot drift from the
 * code (a test compares them). Regenerate with `npx tsx services/language/reference.ts`.
 */

export const README_PATH = new URL('./README.md', import.meta.url);
const START = '<!-- fields:start (generated from fields.ts by reference.ts; do not edit by hand) -->';
const END = '<!-- fields:end -->';

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function examples(field: FieldDefinition): string {
  const literal = (e: string | number | boolean) =>
    typeof e === 'boolean' ? String(e).toUpperCase() : typeof e === 'string' && !e.startsWith('NOW') ? `'${e}'` : String(e);
  return field.examples.map((e) => `\`${literal(e)}\``).join(', ');
}

/** The markdown table of every field, grouped by prefix. */
export function renderFieldTable(): string {
  const groups = new Map<string, FieldDefinition[]>();
  for (const field of FIELDS) {
    const prefix = field.name.split('.')[0] ?? '';
    groups.set(prefix, [...(groups.get(prefix) ?? []), field]);
  }
  const out: string[] = [];
  for (const [prefix, fields] of groups) {
    out.push(`### ${prefix}.*`, '', '| field | type | description | examples | stored in |', '| --- | --- | --- | --- | --- |');
    for (const f of fields) {
      const type = `${f.type}${f.values ? ` (${f.ordered ? 'ordered: ' : 'one of: '}${f.values.join(f.ordered ? ' < ' : ', ')})` : ''}${isMultiValued(f) && f.type !== 'string[]' ? ', several per event' : ''}`;
      out.push(`| \`${f.name}\` | ${cell(type)} | ${cell(f.description)} | ${cell(examples(f))} | ${cell(describeSource(f.source))} |`);
    }
    out.push('');
  }
  return out.join('\n').trimEnd();
}

/** The README with its field table replaced by the current one. */
export function withFieldTable(readme: string): string {
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) throw new Error('README.md lacks the fields markers');
  return `${readme.slice(0, start + START.length)}\n\n${renderFieldTable()}\n\n${readme.slice(end)}`;
}

export { START as FIELDS_START_MARKER, END as FIELDS_END_MARKER };

if (import.meta.url === `file://${process.argv[1]}`) {
  writeFileSync(README_PATH, withFieldTable(readFileSync(README_PATH, 'utf8')));
}
