/**
 * Errors of the filter language. Every error carries where it is (1-based line and column, the
 * 0-based offset and length of the offending text) so the editors can underline it, and what
 * would have been accepted there (`expected`), so they can offer completions.
 */

export type FilterErrorCode = 'syntax' | 'type' | 'unknown_field' | 'limit';

/** The JSON shape the API returns for one error (`POST /language/check`). */
export type FilterErrorInfo = {
  code: FilterErrorCode;
  message: string;
  line: number;
  column: number;
  offset: number;
  length: number;
  expected: string[];
  /** The closest known field or value, when the error is a near miss. */
  suggestion?: string;
  /** The source line and a caret line under the offending text. */
  excerpt: string;
};

/** Where a piece of source text is: 0-based offset and length in UTF-16 code units. */
export type Span = { offset: number; length: number };

/** Base class: the parser and checker only ever throw subclasses of this. */
export class FilterError extends Error {
  readonly code: FilterErrorCode;
  readonly line: number;
  readonly column: number;
  readonly offset: number;
  readonly length: number;
  readonly expected: string[];
  readonly suggestion: string | undefined;
  readonly excerpt: string;
  /** The message without the position, e.g. `expected a value after '='`. */
  readonly reason: string;

  constructor(code: FilterErrorCode, reason: string, source: string, span: Span, options: { expected?: readonly string[]; suggestion?: string } = {}) {
    const { line, column } = lineAndColumn(source, span.offset);
    super(`${reason} at ${line}:${column}`);
    this.name = new.target.name;
    this.code = code;
    this.reason = reason;
    this.line = line;
    this.column = column;
    this.offset = span.offset;
    this.length = Math.max(1, span.length);
    this.expected = [...(options.expected ?? [])];
    this.suggestion = options.suggestion;
    this.excerpt = caretExcerpt(source, span.offset, this.length);
  }

  /** Plain data for JSON responses. */
  toJSON(): FilterErrorInfo {
    const info: FilterErrorInfo = {
      code: this.code,
      message: this.message,
      line: this.line,
      column: this.column,
      offset: this.offset,
      length: this.length,
      expected: this.expected,
      excerpt: this.excerpt,
    };
    if (this.suggestion !== undefined) info.suggestion = this.suggestion;
    return info;
  }
}

/** The text is not a well-formed expression (or breaks a size limit). */
export class FilterSyntaxError extends FilterError {
  constructor(reason: string, source: string, span: Span, options: { expected?: readonly string[]; code?: 'syntax' | 'limit' } = {}) {
    super(options.code ?? 'syntax', reason, source, span, options);
  }
}

/** Well-formed, but an operator or value does not fit the field's type. */
export class FilterTypeError extends FilterError {
  constructor(reason: string, source: string, span: Span, options: { expected?: readonly string[]; suggestion?: string } = {}) {
    super('type', reason, source, span, options);
  }
}

/** A field name that is not in the registry; `suggestion` holds the closest known name. */
export class FilterUnknownFieldError extends FilterError {
  constructor(reason: string, source: string, span: Span, options: { expected?: readonly string[]; suggestion?: string } = {}) {
    super('unknown_field', reason, source, span, options);
  }
}

/** 1-based line and column of an offset; columns count code points so astral characters count once. */
export function lineAndColumn(source: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(offset, source.length);
  for (let i = 0; i < end; i++) {
    if (source.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: codePointLength(source, lineStart, end) + 1 };
}

function codePointLength(text: string, start: number, end: number): number {
  let n = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    // Count a surrogate pair once: skip the low half that follows a high half.
    if (c >= 0xdc00 && c <= 0xdfff && i > start) {
      const prev = text.charCodeAt(i - 1);
      if (prev >= 0xd800 && prev <= 0xdbff) continue;
    }
    n++;
  }
  return n;
}

/** Excerpts stay readable for huge one-line inputs: at most this many characters around the error. */
const EXCERPT_WINDOW = 60;

/**
 * The offending line and a caret line under the span, e.g.
 * ```
 * Event.EventType = AND
 *                   ^^^
 * ```
 */
export function caretExcerpt(source: string, offset: number, length: number): string {
  const lineStart = source.lastIndexOf('\n', offset - 1) + 1;
  let lineEnd = source.indexOf('\n', offset);
  if (lineEnd < 0) lineEnd = source.length;
  let from = lineStart;
  let to = lineEnd;
  let prefix = '';
  let suffix = '';
  if (offset - from > EXCERPT_WINDOW) {
    from = offset - EXCERPT_WINDOW;
    prefix = '…';
  }
  if (to - offset > EXCERPT_WINDOW) {
    to = offset + EXCERPT_WINDOW;
    suffix = '…';
  }
  // Tabs are shown as one space so the caret stays under the right character.
  const text = (prefix + source.slice(from, to) + suffix).replace(/[\t\r]/g, ' ');
  const pad = prefix.length + codePointLength(source, from, offset);
  const width = Math.max(1, Math.min(codePointLength(source, offset, Math.min(offset + length, to)), EXCERPT_WINDOW));
  return `${text}\n${' '.repeat(pad)}${'^'.repeat(width)}`;
}
