/**
 * `{Event.Field}` message templates: alert subjects and bodies, web request bodies and headers,
 * Slack and Teams messages.
 *
 * Syntax:
 * - `{Event.Title}` is a placeholder; the names are the filter language's fields
 *   (services/language/fields.ts) and, like there, case-insensitive.
 * - Any other brace is literal, so a JSON body needs no escaping: `{"title": "{Event.Title}"}`.
 * - `{{Event.Title}}` writes the placeholder's text itself: `{Event.Title}`.
 * - `{Event.Title` without its closing brace is an error for `checkTemplate` and literal text
 *   for `renderTemplate`, which never throws.
 *
 * Values are attacker-written (inbox rule names, display names, user agents). They are rendered
 * once: a value holding `{Event.X}` comes out as that text, never expanded again. Each context
 * escapes them for its output; see `TemplateContext`.
 */

export type TemplateContext = 'text' | 'html' | 'json' | 'header' | 'slack' | 'teams' | 'form';

/**
 * How values are escaped, per output:
 * - `text`: plain text (an email's text part); control characters other than tab and newline are
 *   dropped.
 * - `html`: `& < > " '` become entities.
 * - `json`: the template is a JSON document. Inside a string literal a value is JSON-string
 *   escaped (also `<`, `>`, `&`, U+2028 and U+2029, so the body is safe to embed in a page);
 *   outside a string literal the placeholder becomes a whole JSON value: a quoted string, a
 *   number, `true`/`false`, an array for list fields, `null` when missing.
 * - `header`: a mail subject or HTTP header value: every control character (CR and LF above all)
 *   of the whole result becomes a space, and the result is cut at `HEADER_MAX_LENGTH`.
 * - `slack`: Slack mrkdwn: `& < >` become `&amp; &lt; &gt;`, which also disarms `<!channel>`,
 *   `<@U123>` and `<https://evil|click>`; line breaks in a value become spaces.
 * - `form`: an `application/x-www-form-urlencoded` body or a query string: values are
 *   percent-encoded, so a value cannot add a field (`&admin=1`).
 * - `teams`: Adaptive Card TextBlock markdown: links (`[text](url)`, `<https://…>`) and
 *   line-start markup (`#`, `>`, `-`, `1.`) are broken with a zero-width space, since Teams
 *   clients do not agree on backslash escapes; line breaks in a value become spaces.
 *
 * In every context the Unicode direction overrides and isolates (U+202A–U+202E, U+2066–U+2069),
 * which can make `exe.pdf` read as `fdp.exe`, are shown as `[U+202E]` instead of acting.
 */
export const TEMPLATE_CONTEXTS = ['text', 'html', 'json', 'header', 'slack', 'teams', 'form'] as const satisfies readonly TemplateContext[];

/** Mail subjects and HTTP header values longer than this are cut (with an ellipsis). */
export const HEADER_MAX_LENGTH = 900;

/** Templates longer than this are refused by `checkTemplate` (and cut by `renderTemplate`). */
export const TEMPLATE_MAX_LENGTH = 100_000;

/** One piece of a parsed template. `position` is the 0-based UTF-16 offset in the template. */
export type TemplatePart = { kind: 'literal'; text: string } | { kind: 'field'; field: string; position: number };

export type TemplateError = { message: string; position: number };

const NAME = String.raw`[A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z][A-Za-z0-9_]*)+`;
// Alternatives, tried at each brace: an escaped placeholder `{{X.Y}}`, a placeholder `{X.Y}`,
// and an opened one `{X.Y` (no closing brace) which the checker reports.
const TOKEN = new RegExp(String.raw`\{\{(${NAME})\}\}|\{(${NAME})(\}?)`, 'g');

/** Splits a template into literal text and placeholders. Never throws. */
export function parseTemplate(template: string): { parts: TemplatePart[]; unclosed: TemplateError[] } {
  const parts: TemplatePart[] = [];
  const unclosed: TemplateError[] = [];
  let literal = '';
  let last = 0;
  TOKEN.lastIndex = 0;
  for (let m = TOKEN.exec(template); m !== null; m = TOKEN.exec(template)) {
    literal += template.slice(last, m.index);
    last = m.index + m[0].length;
    if (m[1] !== undefined) {
      literal += `{${m[1]}}`;
    } else if (m[3] === '}') {
      if (literal) parts.push({ kind: 'literal', text: literal });
      literal = '';
      parts.push({ kind: 'field', field: m[2]!, position: m.index });
    } else {
      literal += m[0];
      unclosed.push({ message: `The placeholder '{${m[2]}' has no closing '}'`, position: m.index });
    }
  }
  literal += template.slice(last);
  if (literal) parts.push({ kind: 'literal', text: literal });
  return { parts, unclosed };
}

/**
 * Checks a template before it is saved: every placeholder names a known field and is closed.
 * `fields` lists the placeholders used, in order of first use, as written.
 *
 * @example checkTemplate('{Event.Titel}', (f) => findField(f) !== undefined)
 *   // { ok: false, errors: [{ message: "Unknown field 'Event.Titel' in '{Event.Titel}'", position: 0 }] }
 */
export function checkTemplate(
  template: string,
  isKnownField: (field: string) => boolean,
): { ok: true; fields: string[] } | { ok: false; errors: TemplateError[] } {
  if (template.length > TEMPLATE_MAX_LENGTH) {
    return {
      ok: false,
      errors: [{ message: `The template is longer than ${TEMPLATE_MAX_LENGTH.toLocaleString('en-US')} characters`, position: TEMPLATE_MAX_LENGTH }],
    };
  }
  const { parts, unclosed } = parseTemplate(template);
  const errors: TemplateError[] = [...unclosed];
  const fields: string[] = [];
  const seen = new Set<string>();
  for (const part of parts) {
    if (part.kind !== 'field') continue;
    if (!isKnownField(part.field)) {
      errors.push({ message: `Unknown field '${part.field}' in '{${part.field}}'`, position: part.position });
    } else if (!seen.has(part.field)) {
      seen.add(part.field);
      fields.push(part.field);
    }
  }
  errors.sort((a, b) => a.position - b.position);
  return errors.length ? { ok: false, errors } : { ok: true, fields };
}

/**
 * Renders a template once for one output. `lookup` receives each placeholder's field name as
 * written (case as typed) and returns its value: strings, numbers, booleans, dates (rendered as
 * ISO 8601), arrays (joined with ", "), or null/undefined (rendered empty). Unknown fields should
 * answer undefined. Never throws.
 *
 * @example renderTemplate('<b>{Event.Title}</b>', lookup, 'html') // '<b>Rule &lt;script&gt;</b>'
 */
export function renderTemplate(template: string, lookup: (field: string) => unknown, context: TemplateContext): string {
  const { parts } = parseTemplate(template.length > TEMPLATE_MAX_LENGTH ? template.slice(0, TEMPLATE_MAX_LENGTH) : template);
  const read = (field: string): unknown => {
    try {
      return lookup(field);
    } catch {
      return undefined;
    }
  };
  if (context === 'json') return renderJson(parts, read);
  let out = '';
  for (const part of parts) {
    out += part.kind === 'literal' ? part.text : escapeValue(valueToText(read(part.field)), context);
  }
  return context === 'header' ? toHeaderValue(out) : out;
}

/** The text of one value, before escaping: dates as ISO, lists joined, missing as empty. */
export function valueToText(value: unknown, depth = 0): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  if (typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? '' : value.toISOString();
  if (Array.isArray(value)) {
    if (depth > 3) return '';
    return value
      .map((v) => valueToText(v, depth + 1))
      .filter((v) => v !== '')
      .join(', ');
  }
  if (typeof value === 'object') {
    try {
      return JSON.stringify(value) ?? '';
    } catch {
      return '';
    }
  }
  return '';
}

/** Escapes one value's text for a context (the header cap applies to the whole result). */
export function escapeValue(text: string, context: TemplateContext): string {
  const clean = neutraliseDirection(toWellFormed(text));
  switch (context) {
    case 'text':
      return stripControls(clean, true);
    case 'html':
      return escapeHtml(stripControls(clean, true));
    case 'json':
      return escapeJsonString(clean);
    case 'header':
      return toHeaderValue(clean);
    case 'slack':
      return escapeSlack(singleLine(clean));
    case 'teams':
      return escapeTeams(singleLine(clean));
    case 'form':
      return encodeURIComponent(clean);
  }
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Replaces lone surrogates (which no encoder can write) with U+FFFD. */
function toWellFormed(text: string): string {
  return text.replace(LONE_SURROGATE, '\uFFFD');
}

const DIRECTION_CONTROLS = /[\u202A-\u202E\u2066-\u2069]/g;

/** Shows direction overrides and isolates as `[U+202E]` so they cannot reorder the text. */
export function neutraliseDirection(text: string): string {
  return text.replace(DIRECTION_CONTROLS, (c) => `[U+${c.charCodeAt(0).toString(16).toUpperCase()}]`);
}

// C0 (except tab, LF, CR), DEL and C1 controls: invisible, and some terminals act on them.
// eslint-disable-next-line no-control-regex
const CONTROLS_KEEP_LINES = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/g;
// Every control character plus the Unicode line and paragraph separators.
// eslint-disable-next-line no-control-regex
const CONTROLS_ALL = /[\u0000-\u001F\u007F-\u009F\u2028\u2029]+/g;

function stripControls(text: string, keepLines: boolean): string {
  return keepLines ? text.replace(CONTROLS_KEEP_LINES, '') : text.replace(CONTROLS_ALL, ' ');
}

function singleLine(text: string): string {
  return stripControls(text, false);
}

const HTML_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ENTITIES[c]!);
}

/** The inside of a JSON string literal; also safe where the JSON ends up inside HTML. */
export function escapeJsonString(text: string): string {
  return JSON.stringify(text)
    .slice(1, -1)
    .replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** One line, no control characters, at most `HEADER_MAX_LENGTH` characters. */
export function toHeaderValue(text: string): string {
  const line = neutraliseDirection(toWellFormed(text)).replace(CONTROLS_ALL, ' ');
  if (line.length <= HEADER_MAX_LENGTH) return line;
  // Cut on a code point boundary so no lone surrogate is left.
  const cut = Array.from(line.slice(0, HEADER_MAX_LENGTH)).slice(0, -1).join('');
  return `${cut}…`;
}

export function escapeSlack(text: string): string {
  return text.replace(/[&<>]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : '&gt;'));
}

const ZWSP = '\u200B';

/**
 * Adaptive Card markdown: breaks inline links (`](`), autolinks (`<https://…>`) and line-start
 * block markup with a zero-width space; the text reads the same.
 */
export function escapeTeams(text: string): string {
  // Every `]` and `<` is followed by the space, and a leading `(` preceded by it, so no link
  // forms inside a value nor where two values meet (`{A}{B}` with A ending `]`, B starting `(`).
  return text
    .replace(/[\]<]/g, (c) => `${c}${ZWSP}`)
    .replace(/^\(/, `${ZWSP}(`)
    .replace(/^(\s*)([#>+\-*]|\d+[.)])/u, `$1${ZWSP}$2`);
}

/**
 * A JSON template: literal text as written; each placeholder escaped for a string literal when
 * it stands inside one, or rendered as a whole JSON value when it stands outside.
 */
function renderJson(parts: TemplatePart[], read: (field: string) => unknown): string {
  let out = '';
  let inString = false;
  let escaped = false;
  for (const part of parts) {
    if (part.kind === 'literal') {
      out += part.text;
      for (const c of part.text) {
        if (escaped) escaped = false;
        else if (inString && c === '\\') escaped = true;
        else if (c === '"') inString = !inString;
      }
    } else {
      const value = read(part.field);
      out += inString ? escapeValue(valueToText(value), 'json') : toJsonValue(value, 0);
    }
  }
  return out;
}

function toJsonValue(value: unknown, depth: number): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'null';
  if (typeof value === 'boolean') return String(value);
  if (Array.isArray(value) && depth < 3) return `[${value.map((v) => toJsonValue(v, depth + 1)).join(',')}]`;
  return `"${escapeValue(valueToText(value), 'json')}"`;
}
