/**
 * Text helpers shared by both compilers, so the stream and the Report table compare text the
 * same way.
 */

/**
 * Folds ASCII letters A–Z to lower case and leaves every other character alone.
 *
 * Why ASCII only: the SQL side must fold identically on every database. `lower()` follows the
 * database's locale (PGlite and a Postgres server differ, and neither matches JavaScript's
 * `toLowerCase` for letters like İ or final Σ), while `lower(x COLLATE "C")` folds exactly A–Z
 * everywhere. The identifiers people filter on (UPNs, domains, operations, country codes,
 * detection ids) are ASCII, so this is the case-insensitivity they expect.
 *
 * @example foldAscii('Megan@Contoso.COM') // 'megan@contoso.com'; foldAscii('ÄB') // 'Äb'
 */
export function foldAscii(text: string): string {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 65 && c <= 90) return foldFrom(text, i);
  }
  return text;
}

function foldFrom(text: string, start: number): string {
  let out = text.slice(0, start);
  let from = start;
  for (let i = start; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 65 && c <= 90) {
      if (i > from) out += text.slice(from, i);
      out += String.fromCharCode(c + 32);
      from = i + 1;
    }
  }
  return out + text.slice(from);
}

/** Optimal-string-alignment distance (edits, with adjacent swaps counting once), capped for speed. */
export function editDistance(a: string, b: string, cap = 8): number {
  if (Math.abs(a.length - b.length) > cap) return cap + 1;
  const rows = a.length + 1;
  const cols = b.length + 1;
  let prev2 = new Array<number>(cols).fill(0);
  let prev = Array.from({ length: cols }, (_, j) => j);
  for (let i = 1; i < rows; i++) {
    const cur = new Array<number>(cols).fill(0);
    cur[0] = i;
    let best = cur[0];
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, (prev2[j - 2] ?? 0) + 1);
      cur[j] = d;
      if (d < best) best = d;
    }
    if (best > cap) return cap + 1;
    prev2 = prev;
    prev = cur;
  }
  return prev[cols - 1] ?? cap + 1;
}

/**
 * The candidate closest to `word` (case-insensitive), if it is close enough to be a typo.
 * A candidate's part after the last dot also counts, so `Country` suggests `IP.Country`.
 * @example closestMatch('Event.EventTyp', ['Event.EventType', 'Event.Time']) // 'Event.EventType'
 */
export function closestMatch(word: string, candidates: readonly string[]): string | undefined {
  const w = word.toLowerCase();
  // Short words are too easy to reach: one edit for up to five characters, then one per three.
  const limit = Math.max(1, Math.floor(w.length / 3));
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const candidate of candidates) {
    const c = candidate.toLowerCase();
    const tail = c.slice(c.lastIndexOf('.') + 1);
    const d = Math.min(editDistance(w, c, limit), w.includes('.') ? limit + 1 : editDistance(w, tail, limit));
    if (d < bestDistance) {
      bestDistance = d;
      best = candidate;
    }
  }
  return best;
}
