/** One cmdlet parameter: its name without the dash, and its value as text. */
export type CmdletParameter = { name: string; value: string };

/**
 * Reads the one-string form of a cmdlet's parameters that Security & Compliance Center records
 * (RecordType 18) carry in `Parameters` and `NonPIIParameters`, e.g.
 * `-Name "q2" -ExchangeLocation "All" -Force -Export:$true`. Exchange admin records (RecordType
 * 1) carry a `[{Name, Value}]` list instead.
 *
 * Values may be double-quoted (`""` or a backtick escapes a quote), single-quoted (`''`
 * escapes), or bare; a list (`"a","b"`) reads as `a,b`. A switch without a value reads as
 * `True`, and `$true` / `$false` read as `True` / `False`, the strings the list form uses.
 * Attacker-written text never throws: what cannot be read is skipped.
 * @example parseCmdletParameters('-Name "q2" -Force') // [{ name: 'Name', value: 'q2' }, { name: 'Force', value: 'True' }]
 */
export function parseCmdletParameters(text: string): CmdletParameter[] {
  const out: CmdletParameter[] = [];
  let i = 0;
  const n = text.length;
  const isSpace = (c: string | undefined) => c !== undefined && /\s/.test(c);
  const skipSpace = () => {
    while (i < n && isSpace(text[i])) i++;
  };

  /** One value item at `i`: quoted or bare. */
  function readItem(): string {
    const quote = text[i];
    if (quote === '"' || quote === "'") {
      i++;
      let value = '';
      while (i < n) {
        const c = text[i]!;
        if (quote === '"' && c === '`' && i + 1 < n) {
          value += text[i + 1];
          i += 2;
        } else if (c === quote) {
          if (text[i + 1] === quote) {
            value += quote;
            i += 2;
          } else {
            i++;
            break;
          }
        } else {
          value += c;
          i++;
        }
      }
      return value;
    }
    const start = i;
    while (i < n && !isSpace(text[i]) && text[i] !== ',') i++;
    return literal(text.slice(start, i));
  }

  /** A value: one item, or several separated by commas. */
  function readValue(): string {
    const items = [readItem()];
    for (;;) {
      const save = i;
      skipSpace();
      if (text[i] !== ',') {
        i = save;
        break;
      }
      i++;
      skipSpace();
      items.push(readItem());
    }
    return items.join(',');
  }

  while (i < n) {
    skipSpace();
    if (i >= n) break;
    if (text[i] !== '-') {
      // Text outside a parameter (a positional value): skip it.
      readValue();
      continue;
    }
    i++;
    const start = i;
    while (i < n && /[A-Za-z0-9_]/.test(text[i]!)) i++;
    const name = text.slice(start, i);
    if (name === '') continue;
    if (text[i] === ':') {
      i++;
      out.push({ name, value: readValue() });
      continue;
    }
    const save = i;
    skipSpace();
    // A next token that starts with a dash and a letter is the next parameter: this one is a switch.
    if (i >= n || (text[i] === '-' && /[A-Za-z]/.test(text[i + 1] ?? ''))) {
      if (i >= n) i = save;
      out.push({ name, value: 'True' });
      continue;
    }
    out.push({ name, value: readValue() });
  }
  return out;
}

/** The value of one parameter in the string form, by name (case-insensitive). */
export function cmdletParameterValue(text: string, name: string): string | null {
  const wanted = name.toLowerCase();
  return parseCmdletParameters(text).find((p) => p.name.toLowerCase() === wanted)?.value ?? null;
}

function literal(token: string): string {
  if (/^\$true$/i.test(token)) return 'True';
  if (/^\$false$/i.test(token)) return 'False';
  return token;
}
