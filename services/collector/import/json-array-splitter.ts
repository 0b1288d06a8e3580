/** One element of a JSON array, as text: its number (from 1) and the line it begins on. */
export type ArrayElement = { text: string; number: number; line: number };

/** The text is not a JSON array past some point (a cut file, stray bytes); `line` says where. */
export class JsonArrayError extends Error {
  override name = 'JsonArrayError';
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
  }
}

const QUOTE = 34;
const COMMA = 44;
const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;
const OPEN_BRACKET = 91;
const CLOSE_BRACKET = 93;
const NEWLINE = 10;
/** The rest of a string after its opening quote, through the closing quote (escapes skipped). */
const STRING_REST = /[^"\\]*(?:\\[\s\S][^"\\]*)*"/y;
const isSpace = (c: number) => c === 32 || c === NEWLINE || c === 13 || c === 9;

/**
 * Splits the text of a JSON array, arriving in chunks of any size, into the texts of its
 * elements, for `JSON.parse` one by one: several times faster than a token-by-token streaming
 * parser, and memory stays at one element plus one chunk however long the array. It follows
 * strings (with their escapes) and nesting only; each element's own syntax is left to
 * `JSON.parse`, so a malformed element is one bad element and the next ones still come out.
 * What breaks the array itself (text where a `,` or `]` belongs, a file that ends before the
 * closing `]`) throws JsonArrayError with the line.
 * @example const s = new JsonArraySplitter(); s.push('[{"a":1},'); s.push('{"b":2}]'); s.end()
 */
export class JsonArraySplitter {
  /** The unfinished element's text, carried into the next chunk. */
  private pending = '';
  private phase: 'start' | 'value' | 'element' | 'after' | 'done' = 'start';
  private depth = 0;
  private inString = false;
  private stringAt = 0;
  private line = 1;
  private count = 0;
  private elementLine = 1;

  /** What broke the array, thrown once the elements before it are out. */
  private failure: JsonArrayError | null = null;

  /** The elements this chunk completes; throws when the array broke (in this chunk, after its elements, or before). */
  push(chunk: string): ArrayElement[] {
    if (this.failure) throw this.failure;
    const out: ArrayElement[] = [];
    try {
      this.scan(chunk, out);
    } catch (err) {
      if (!(err instanceof JsonArrayError) || out.length === 0) throw err;
      this.failure = err;
    }
    return out;
  }

  private scan(chunk: string, out: ArrayElement[]): void {
    const s = this.pending + chunk;
    let start = this.phase === 'element' ? 0 : -1;
    // The state in locals while scanning (the hot loop), back in the fields at the end.
    let { depth, inString, line } = this;
    // Where the open string's text begins in `s`.
    let stringAt = this.stringAt;
    const emit = (end: number) => {
      out.push({ text: s.slice(start, end), number: this.count, line: this.elementLine });
      start = -1;
    };
    let i = inString ? stringAt : this.pending.length;
    while (i < s.length) {
      if (this.phase === 'element') {
        if (inString) {
          // Straight past the string's closing quote: an element's text is mostly strings.
          STRING_REST.lastIndex = i;
          if (STRING_REST.test(s)) {
            i = STRING_REST.lastIndex;
            inString = false;
            continue;
          }
          // The string goes on in the next chunk: read it again from its start then.
          break;
        }
        const c = s.charCodeAt(i);
        i += 1;
        if (c === QUOTE) {
          inString = true;
          stringAt = i;
        } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
          depth += 1;
        } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
          if (depth === 0 && c === CLOSE_BRACKET) {
            // A number, string or literal ended by the array's end.
            emit(i - 1);
            this.phase = 'done';
          } else {
            depth -= 1;
            if (depth <= 0) {
              depth = 0;
              emit(i);
              this.phase = 'after';
            }
          }
        } else if (c === NEWLINE) {
          line += 1;
          if (depth === 0) {
            emit(i - 1);
            this.phase = 'after';
          }
        } else if (depth === 0 && (c === COMMA || isSpace(c))) {
          emit(i - 1);
          this.phase = c === COMMA ? 'value' : 'after';
        }
        continue;
      }
      const c = s.charCodeAt(i);
      i += 1;
      if (c === NEWLINE) line += 1;
      if (isSpace(c)) continue;
      switch (this.phase) {
        case 'start':
          if (c !== OPEN_BRACKET) throw new JsonArrayError(`expected [ on line ${line}, found ${show(c)}`, line);
          this.phase = 'value';
          break;
        case 'value':
        case 'after':
          if (c === CLOSE_BRACKET) {
            this.phase = 'done';
          } else if (c === COMMA) {
            if (this.phase === 'value') throw new JsonArrayError(`an empty element (two commas) after record ${this.count}, line ${line}`, line);
            this.phase = 'value';
          } else if (this.phase === 'after') {
            throw new JsonArrayError(`expected , or ] after record ${this.count} on line ${line}, found ${show(c)}`, line);
          } else {
            this.count += 1;
            this.elementLine = line;
            this.phase = 'element';
            start = i - 1;
            // This character is the element's first: take it through the element's rules.
            i -= 1;
          }
          break;
        case 'done':
          throw new JsonArrayError(`text after the array's closing ] on line ${line}: ${show(c)}`, line);
      }
    }
    Object.assign(this, { depth, inString, line });
    this.pending = start >= 0 ? s.slice(start) : '';
    this.stringAt = inString ? stringAt - start : 0;
  }

  /** The text has ended: throws unless the array was closed. */
  end(): void {
    if (this.failure) throw this.failure;
    if (this.phase === 'done') return;
    if (this.phase === 'element') {
      throw new JsonArrayError(`the file ends inside record ${this.count}, which begins on line ${this.elementLine}`, this.line);
    }
    throw new JsonArrayError(`the file ends on line ${this.line} before the array's closing ]`, this.line);
  }
}

function show(c: number): string {
  return c >= 32 && c < 127 ? `"${String.fromCharCode(c)}"` : `the character U+${c.toString(16).toUpperCase().padStart(4, '0')}`;
}
