/**
 * The ConnectWise Manage `conditions` query language, enough of it for list filters:
 * `board/name="Help Desk" and (status/name != "Closed" or closedFlag=false)`,
 * `summary like "%Tenantwatch%"`, `id in (1,2,3)`, `_info/lastUpdated > [2024-01-01T00:00:00Z]`.
 * Operators = != < <= > >= like, not like, contains, in, not in; and/or/not with parentheses;
 * strings in double quotes (backslash escapes a quote); dates in square brackets; bare
 * true/false/null and numbers. Text compares case-insensitively, as Manage's SQL Server does.
 */

type Value = string | number | boolean | null | Date;
type Node =
  { type: 'and' | 'or'; left: Node; right: Node } | { type: 'not'; inner: Node } | { type: 'cmp'; path: string[]; op: string; value: Value | Value[] };

export class ConditionsError extends Error {}

const TOKEN = /\s*(?:("(?:[^"\\]|\\.)*")|(\[[^\]]*\])|(<=|>=|!=|=|<|>|\(|\)|,)|([A-Za-z_][\w/]*)|(-?\d+(?:\.\d+)?))/y;

type Token = { kind: 'str' | 'date' | 'sym' | 'word' | 'num'; text: string; at: number };

function tokenize(input: string): Token[] {
  const out: Token[] = [];
  TOKEN.lastIndex = 0;
  let pos = 0;
  while (pos < input.length) {
    if (/^\s*$/.test(input.slice(pos))) break;
    TOKEN.lastIndex = pos;
    const m = TOKEN.exec(input);
    if (!m) throw new ConditionsError(`Unexpected character at position ${pos}: ${input.slice(pos, pos + 10)}`);
    const at = m.index;
    if (m[1] !== undefined) out.push({ kind: 'str', text: m[1].slice(1, -1).replace(/\\(.)/g, '$1'), at });
    else if (m[2] !== undefined) out.push({ kind: 'date', text: m[2].slice(1, -1), at });
    else if (m[3] !== undefined) out.push({ kind: 'sym', text: m[3], at });
    else if (m[4] !== undefined) out.push({ kind: 'word', text: m[4], at });
    else out.push({ kind: 'num', text: m[5]!, at });
    pos = TOKEN.lastIndex;
  }
  return out;
}

/** Parses a conditions string; throws ConditionsError with the position on bad syntax. */
export function parseConditions(input: string): Node {
  const tokens = tokenize(input);
  let i = 0;
  const peek = () => tokens[i];
  const isWord = (t: Token | undefined, w: string) => t?.kind === 'word' && t.text.toLowerCase() === w;
  const expect = (text: string) => {
    const t = tokens[i++];
    if (!t || t.text !== text) throw new ConditionsError(`Expected "${text}" at position ${t?.at ?? input.length}`);
  };

  const value = (): Value => {
    const t = tokens[i++];
    if (!t) throw new ConditionsError('Expected a value at the end of the conditions');
    if (t.kind === 'str') return t.text;
    if (t.kind === 'num') return Number(t.text);
    if (t.kind === 'date') {
      const d = new Date(t.text);
      if (Number.isNaN(d.getTime())) throw new ConditionsError(`Invalid date [${t.text}] at position ${t.at}`);
      return d;
    }
    if (t.kind === 'word') {
      const w = t.text.toLowerCase();
      if (w === 'true') return true;
      if (w === 'false') return false;
      if (w === 'null') return null;
    }
    throw new ConditionsError(`Expected a value at position ${t.at}, found ${t.text}`);
  };

  const comparison = (): Node => {
    const t = tokens[i++];
    if (!t || t.kind !== 'word') throw new ConditionsError(`Expected a field name at position ${t?.at ?? input.length}`);
    const path = t.text.split('/');
    let op: string;
    const next = peek();
    if (next?.kind === 'sym' && ['=', '!=', '<', '<=', '>', '>='].includes(next.text)) {
      op = next.text;
      i++;
    } else if (isWord(next, 'like') || isWord(next, 'contains') || isWord(next, 'in')) {
      op = next!.text.toLowerCase();
      i++;
    } else if (isWord(next, 'not') && (isWord(tokens[i + 1], 'like') || isWord(tokens[i + 1], 'in') || isWord(tokens[i + 1], 'contains'))) {
      op = `not ${tokens[i + 1]!.text.toLowerCase()}`;
      i += 2;
    } else {
      throw new ConditionsError(`Expected an operator after ${t.text} at position ${next?.at ?? input.length}`);
    }
    if (op === 'in' || op === 'not in') {
      expect('(');
      const values: Value[] = [value()];
      while (peek()?.text === ',') {
        i++;
        values.push(value());
      }
      expect(')');
      return { type: 'cmp', path, op, value: values };
    }
    return { type: 'cmp', path, op, value: value() };
  };

  const unary = (): Node => {
    if (isWord(peek(), 'not')) {
      i++;
      return { type: 'not', inner: unary() };
    }
    if (peek()?.text === '(') {
      i++;
      const inner = or();
      expect(')');
      return inner;
    }
    return comparison();
  };
  const and = (): Node => {
    let left = unary();
    while (isWord(peek(), 'and')) {
      i++;
      left = { type: 'and', left, right: unary() };
    }
    return left;
  };
  const or = (): Node => {
    let left = and();
    while (isWord(peek(), 'or')) {
      i++;
      left = { type: 'or', left, right: and() };
    }
    return left;
  };

  const node = or();
  if (i < tokens.length) throw new ConditionsError(`Unexpected "${tokens[i]!.text}" at position ${tokens[i]!.at}`);
  return node;
}

function resolve(record: unknown, path: string[]): unknown {
  let cur: unknown = record;
  for (const part of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    const entry = Object.entries(cur as Record<string, unknown>).find(([k]) => k.toLowerCase() === part.toLowerCase());
    cur = entry?.[1];
  }
  return cur;
}

function normalise(v: unknown): string | number | boolean | null {
  if (v === undefined || v === null) return null;
  if (v instanceof Date) return v.getTime();
  if (typeof v === 'string') {
    // ISO timestamps compare as instants so `[date]` literals work against stored strings.
    if (/^\d{4}-\d{2}-\d{2}T/.test(v)) {
      const t = Date.parse(v);
      if (!Number.isNaN(t)) return t;
    }
    return v.toLowerCase();
  }
  if (typeof v === 'number' || typeof v === 'boolean') return v;
  return JSON.stringify(v);
}

function likeToRegExp(pattern: string): RegExp {
  const body = pattern
    .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    .replace(/%/g, '.*')
    .replace(/_/g, '.');
  return new RegExp(`^${body}$`, 'is');
}

function compare(actual: unknown, op: string, expected: Value | Value[]): boolean {
  if (op === 'in' || op === 'not in') {
    const a = normalise(actual);
    const hit = (expected as Value[]).some((v) => normalise(v) === a);
    return op === 'in' ? hit : !hit;
  }
  const e = expected as Value;
  if (op === 'like' || op === 'not like' || op === 'contains' || op === 'not contains') {
    const text = actual === null || actual === undefined ? '' : String(actual);
    const pattern = String(e ?? '');
    const hit = op.endsWith('like') ? likeToRegExp(pattern).test(text) : text.toLowerCase().includes(pattern.toLowerCase());
    return op.startsWith('not') ? !hit : hit;
  }
  const a = normalise(actual);
  const b = normalise(e);
  switch (op) {
    case '=':
      return a === b;
    case '!=':
      return a !== b;
    default: {
      if (a === null || b === null) return false;
      if (op === '<') return a < b;
      if (op === '<=') return a <= b;
      if (op === '>') return a > b;
      return a >= b;
    }
  }
}

export function evaluateConditions(node: Node, record: unknown): boolean {
  switch (node.type) {
    case 'and':
      return evaluateConditions(node.left, record) && evaluateConditions(node.right, record);
    case 'or':
      return evaluateConditions(node.left, record) || evaluateConditions(node.right, record);
    case 'not':
      return !evaluateConditions(node.inner, record);
    case 'cmp':
      return compare(resolve(record, node.path), node.op, node.value);
  }
}

/** Filters records with a conditions string (empty or absent: everything). */
export function filterByConditions<T>(records: T[], conditions: string | undefined): T[] {
  if (!conditions || !conditions.trim()) return records;
  const node = parseConditions(conditions);
  return records.filter((r) => evaluateConditions(node, r));
}
