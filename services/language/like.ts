/**
 * LIKE patterns: `%` any run of characters, `_` exactly one character, `\` makes the next
 * character literal (`'50\%'`, `'a\_b'`, `'C:\\Temp'`). Matching is done by hand, never with a
 * RegExp built from user text, and in time linear in the subject per `%` segment, so
 * `%a%a%a%a%b` against a long string stays fast.
 */

/** A pattern piece: literal text, `_`, or `%`. */
export type LikePart = { kind: 'text'; text: string } | { kind: 'one' } | { kind: 'any' };

export type LikePattern = {
  /** The pattern as the user wrote it (the string literal's value). */
  source: string;
  parts: LikePart[];
};

/** Parses a pattern; returns the offset of a trailing lone `\` instead when there is one. */
export function parseLikePattern(source: string): LikePattern | { danglingEscapeAt: number } {
  const parts: LikePart[] = [];
  let text = '';
  const flush = () => {
    if (text) parts.push({ kind: 'text', text });
    text = '';
  };
  for (let i = 0; i < source.length; i++) {
    const c = source[i] as string;
    if (c === '\\') {
      if (i + 1 >= source.length) return { danglingEscapeAt: i };
      // Keep a surrogate pair together after an escape.
      const code = source.charCodeAt(i + 1);
      const width = code >= 0xd800 && code <= 0xdbff && i + 2 < source.length ? 2 : 1;
      text += source.slice(i + 1, i + 1 + width);
      i += width;
    } else if (c === '%') {
      flush();
      // `%%` means the same as `%`; one part keeps the matcher simple.
      if (parts.at(-1)?.kind !== 'any') parts.push({ kind: 'any' });
    } else if (c === '_') {
      flush();
      parts.push({ kind: 'one' });
    } else {
      text += c;
    }
  }
  flush();
  return { source, parts };
}

/** Applies `map` to literal text (for case folding), keeping wildcards. */
export function mapLikeText(pattern: LikePattern, map: (text: string) => string): LikePattern {
  return { source: pattern.source, parts: pattern.parts.map((p) => (p.kind === 'text' ? { kind: 'text', text: map(p.text) } : p)) };
}

/** The pattern for SQL `LIKE ... ESCAPE '\'`, with literal `\`, `%`, `_` escaped. */
export function likePatternToSql(pattern: LikePattern): string {
  return pattern.parts.map((p) => (p.kind === 'any' ? '%' : p.kind === 'one' ? '_' : p.text.replace(/[\\%_]/g, (c) => `\\${c}`))).join('');
}

/** A group: what lies between two `%`; literal text and `_`, a fixed number of characters. */
type Group = { items: LikePart[]; literal: string | undefined };

/**
 * Compiles a pattern to a matcher over the whole subject (like SQL LIKE, anchored at both ends).
 * `_` matches one code point, as Postgres matches one character, so a surrogate pair counts once.
 * @example compileLikeMatcher(parseLike('%forward%'))('auto-forward rule') // true
 */
export function compileLikeMatcher(pattern: LikePattern): (subject: string) => boolean {
  const groups: Group[] = [{ items: [], literal: undefined }];
  for (const part of pattern.parts) {
    if (part.kind === 'any') groups.push({ items: [], literal: undefined });
    else (groups.at(-1) as Group).items.push(part);
  }
  for (const g of groups) {
    g.literal = g.items.every((i) => i.kind === 'text') ? g.items.map((i) => (i.kind === 'text' ? i.text : '')).join('') : undefined;
  }
  const first = groups[0] as Group;
  if (groups.length === 1) {
    if (first.literal !== undefined) {
      const literal = first.literal;
      return (s) => s === literal;
    }
    return (s) => matchForward(s, 0, first.items) === s.length;
  }
  const last = groups.at(-1) as Group;
  const middle = groups.slice(1, -1).filter((g) => g.items.length > 0);
  return (s) => {
    const start = matchForward(s, 0, first.items);
    if (start < 0) return false;
    const end = matchBackward(s, s.length, last.items);
    if (end < start) return false;
    let pos = start;
    for (const g of middle) {
      const next = findLeftmost(s, pos, end, g);
      if (next < 0) return false;
      pos = next;
    }
    return true;
  };
}

/** Leftmost placement of a group at or after `from` that ends by `limit`; returns its end, or -1. */
function findLeftmost(s: string, from: number, limit: number, group: Group): number {
  if (group.literal !== undefined) {
    const at = s.indexOf(group.literal, from);
    return at < 0 || at + group.literal.length > limit ? -1 : at + group.literal.length;
  }
  for (let p = from; p <= limit; p = nextCodePoint(s, p)) {
    const end = matchForward(s, p, group.items);
    // Later starts only end later, so the first placement past the limit ends the search.
    if (end >= 0) return end <= limit ? end : -1;
    if (p >= s.length) break;
  }
  return -1;
}

function matchForward(s: string, pos: number, items: readonly LikePart[]): number {
  for (const item of items) {
    if (item.kind === 'text') {
      if (!s.startsWith(item.text, pos)) return -1;
      pos += item.text.length;
    } else {
      if (pos >= s.length) return -1;
      pos = nextCodePoint(s, pos);
    }
  }
  return pos;
}

function matchBackward(s: string, end: number, items: readonly LikePart[]): number {
  for (let k = items.length - 1; k >= 0; k--) {
    const item = items[k] as LikePart;
    if (item.kind === 'text') {
      const start = end - item.text.length;
      if (start < 0 || !s.startsWith(item.text, start)) return -1;
      end = start;
    } else {
      if (end <= 0) return -1;
      end = previousCodePoint(s, end);
    }
  }
  return end;
}

function nextCodePoint(s: string, p: number): number {
  const c = s.charCodeAt(p);
  if (c >= 0xd800 && c <= 0xdbff) {
    const d = s.charCodeAt(p + 1);
    if (d >= 0xdc00 && d <= 0xdfff) return p + 2;
  }
  return p + 1;
}

function previousCodePoint(s: string, p: number): number {
  const c = s.charCodeAt(p - 1);
  if (c >= 0xdc00 && c <= 0xdfff && p >= 2) {
    const h = s.charCodeAt(p - 2);
    if (h >= 0xd800 && h <= 0xdbff) return p - 2;
  }
  return p - 1;
}
