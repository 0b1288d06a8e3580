/**
 * The subset of OData v4 query options a collector uses against Graph: `$filter` with
 * comparisons (eq ne gt ge lt le), and/or/not, parentheses, startswith/endswith; `$select`;
 * `$top`; `$orderby` on one field. Unsupported input is rejected the way Graph rejects it
 * (400), never silently ignored, so a collector's malformed query fails here as in production.
 */

export type FieldType = 'datetime' | 'string' | 'number' | 'boolean' | 'guid';

export type FilterNode =
  | { kind: 'and' | 'or'; left: FilterNode; right: FilterNode }
  | { kind: 'not'; operand: FilterNode }
  | { kind: 'cmp'; op: 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le'; path: string; value: Literal }
  | { kind: 'fn'; name: 'startswith' | 'endswith'; path: string; value: string };

export type Literal =
  | { type: 'string'; value: string }
  | { type: 'datetime'; value: number; text: string }
  | { type: 'number'; value: number }
  | { type: 'boolean'; value: boolean }
  | { type: 'null' }
  | { type: 'guid'; value: string };

export class ODataError extends Error {}

type Token = { t: 'lp' | 'rp' | 'comma' } | { t: 'word'; v: string } | { t: 'lit'; v: Literal };

const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?(Z|[+-]\d{2}:\d{2})$/;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const ch = input[i] ?? '';
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    if (ch === '(') {
      tokens.push({ t: 'lp' });
      i++;
      continue;
    }
    if (ch === ')') {
      tokens.push({ t: 'rp' });
      i++;
      continue;
    }
    if (ch === ',') {
      tokens.push({ t: 'comma' });
      i++;
      continue;
    }
    if (ch === "'") {
      let value = '';
      i++;
      for (;;) {
        if (i >= input.length) throw new ODataError('Unterminated string literal in $filter.');
        if (input[i] === "'") {
          if (input[i + 1] === "'") {
            value += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += input[i];
        i++;
      }
      tokens.push({ t: 'lit', v: { type: 'string', value } });
      continue;
    }
    const match = /^[^\s(),']+/.exec(input.slice(i));
    if (!match) throw new ODataError(`Syntax error at position ${i} in '${input}'.`);
    const word = match[0];
    i += word.length;
    if (DATETIME.test(word)) tokens.push({ t: 'lit', v: { type: 'datetime', value: Date.parse(word), text: word } });
    else if (GUID.test(word)) tokens.push({ t: 'lit', v: { type: 'guid', value: word.toLowerCase() } });
    else if (/^-?\d+(\.\d+)?$/.test(word)) tokens.push({ t: 'lit', v: { type: 'number', value: Number(word) } });
    else if (word === 'true' || word === 'false') tokens.push({ t: 'lit', v: { type: 'boolean', value: word === 'true' } });
    else if (word === 'null') tokens.push({ t: 'lit', v: { type: 'null' } });
    else tokens.push({ t: 'word', v: word });
  }
  return tokens;
}

export function parseFilter(input: string): FilterNode {
  const tokens = tokenize(input);
  let pos = 0;
  const peek = (): Token | undefined => tokens[pos];
  const isWord = (tok: Token | undefined, word: string): boolean => tok?.t === 'word' && tok.v.toLowerCase() === word;

  const parseOr = (): FilterNode => {
    let left = parseAnd();
    while (isWord(peek(), 'or')) {
      pos++;
      left = { kind: 'or', left, right: parseAnd() };
    }
    return left;
  };
  const parseAnd = (): FilterNode => {
    let left = parseUnary();
    while (isWord(peek(), 'and')) {
      pos++;
      left = { kind: 'and', left, right: parseUnary() };
    }
    return left;
  };
  const parseUnary = (): FilterNode => {
    if (isWord(peek(), 'not')) {
      pos++;
      return { kind: 'not', operand: parseUnary() };
    }
    const tok = peek();
    if (tok?.t === 'lp') {
      pos++;
      const inner = parseOr();
      if (peek()?.t !== 'rp') throw new ODataError(`')' expected in '${input}'.`);
      pos++;
      return inner;
    }
    if (tok?.t !== 'word') throw new ODataError(`Syntax error: expression expected at position ${pos} in '${input}'.`);
    pos++;
    const name = tok.v;
    if ((name === 'startswith' || name === 'endswith') && peek()?.t === 'lp') {
      pos++;
      const pathTok = tokens[pos++];
      if (pathTok?.t !== 'word' || tokens[pos++]?.t !== 'comma') throw new ODataError(`Invalid arguments to ${name} in '${input}'.`);
      const lit = tokens[pos++];
      if (lit?.t !== 'lit' || lit.v.type !== 'string' || tokens[pos++]?.t !== 'rp') throw new ODataError(`Invalid arguments to ${name} in '${input}'.`);
      return { kind: 'fn', name, path: pathTok.v, value: lit.v.value };
    }
    const opTok = tokens[pos++];
    const op = opTok?.t === 'word' ? opTok.v.toLowerCase() : '';
    if (!['eq', 'ne', 'gt', 'ge', 'lt', 'le'].includes(op)) throw new ODataError(`Syntax error: comparison operator expected after '${name}' in '${input}'.`);
    const lit = tokens[pos++];
    if (lit?.t !== 'lit') throw new ODataError(`Syntax error: literal expected after '${name} ${op}' in '${input}'.`);
    return { kind: 'cmp', op: op as 'eq', path: name, value: lit.v };
  };

  const node = parseOr();
  if (pos !== tokens.length) throw new ODataError(`Syntax error at position ${pos} in '${input}'.`);
  return node;
}

/** Fields a filter refers to, for checking them against what the resource supports. */
export function filterFields(node: FilterNode): string[] {
  switch (node.kind) {
    case 'and':
    case 'or':
      return [...filterFields(node.left), ...filterFields(node.right)];
    case 'not':
      return filterFields(node.operand);
    default:
      return [node.path];
  }
}

export function readPath(record: Record<string, unknown>, path: string): unknown {
  let current: unknown = record;
  for (const part of path.split('/')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

function compare(a: number | string, b: number | string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Builds a predicate for a parsed filter; `types` says how to compare each field. */
export function compileFilter(node: FilterNode, types: Record<string, FieldType>): (record: Record<string, unknown>) => boolean {
  switch (node.kind) {
    case 'and': {
      const l = compileFilter(node.left, types);
      const r = compileFilter(node.right, types);
      return (rec) => l(rec) && r(rec);
    }
    case 'or': {
      const l = compileFilter(node.left, types);
      const r = compileFilter(node.right, types);
      return (rec) => l(rec) || r(rec);
    }
    case 'not': {
      const inner = compileFilter(node.operand, types);
      return (rec) => !inner(rec);
    }
    case 'fn': {
      const needle = node.value.toLowerCase();
      return (rec) => {
        const v = readPath(rec, node.path);
        if (typeof v !== 'string') return false;
        return node.name === 'startswith' ? v.toLowerCase().startsWith(needle) : v.toLowerCase().endsWith(needle);
      };
    }
    case 'cmp': {
      const type = types[node.path];
      const lit = node.value;
      let target: number | string | boolean | null;
      if (lit.type === 'null') target = null;
      else if (type === 'datetime') {
        // Graph accepts datetimes unquoted; some resources (alerts_v2) also take them quoted.
        const ms = lit.type === 'datetime' ? lit.value : lit.type === 'string' ? Date.parse(lit.value) : NaN;
        if (!Number.isFinite(ms))
          throw new ODataError(
            `The DateTimeOffset text '${lit.type === 'string' ? lit.value : ''}' should be in format 'yyyy-mm-ddThh:mm:ss('.'s+)?(zzzzzz)?' and each field value is within valid range.`,
          );
        target = ms;
      } else if (type === 'number') {
        if (lit.type !== 'number')
          throw new ODataError(
            `A binary operator with incompatible types was detected. Found operand types 'Edm.Int32' and '${lit.type}' for property '${node.path}'.`,
          );
        target = lit.value;
      } else if (type === 'boolean') {
        if (lit.type !== 'boolean') throw new ODataError(`A binary operator with incompatible types was detected for property '${node.path}'.`);
        target = lit.value;
      } else {
        if (lit.type !== 'string' && lit.type !== 'guid')
          throw new ODataError(
            `A binary operator with incompatible types was detected. Found operand types 'Edm.String' and '${lit.type}' for property '${node.path}'.`,
          );
        target = lit.value.toLowerCase();
      }
      const op = node.op;
      return (rec) => {
        const raw = readPath(rec, node.path);
        if (target === null || raw === null || raw === undefined) {
          const isNull = raw === null || raw === undefined;
          return op === 'eq' ? isNull && target === null : op === 'ne' ? !(isNull && target === null) : false;
        }
        let value: number | string | boolean;
        if (type === 'datetime') {
          if (typeof raw !== 'string') return false;
          value = Date.parse(raw);
        } else if (typeof raw === 'string') value = raw.toLowerCase();
        else if (typeof raw === 'number' || typeof raw === 'boolean') value = raw;
        else return false;
        if (typeof value === 'boolean' || typeof target === 'boolean') {
          return op === 'eq' ? value === target : op === 'ne' ? value !== target : false;
        }
        const c = compare(value, target);
        switch (op) {
          case 'eq':
            return c === 0;
          case 'ne':
            return c !== 0;
          case 'gt':
            return c > 0;
          case 'ge':
            return c >= 0;
          case 'lt':
            return c < 0;
          case 'le':
            return c <= 0;
        }
      };
    }
  }
}
