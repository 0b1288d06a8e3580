/**
 * IP-range → AS number tables from ip-location-db's CSV files, kept as sorted typed arrays
 * and searched by bisection. 400k IPv4 ranges as objects would cost ~60 MB and seconds of
 * GC; as four Uint32Arrays they cost ~6.5 MB plus the deduplicated organisation names.
 * IPv6 bounds are four 32-bit words each (plain number compares, no BigInt on the hot path).
 */
import { readFileSync } from 'node:fs';

export interface AsnEntry {
  asNumber: number;
  asOrganization: string | undefined;
}

export class AsnTable {
  /** Overlapping rows found in the file and clipped at load (see `normalise`). */
  overlapsClipped = 0;

  private constructor(
    /** Range starts: 1 word per IPv4 range, 4 per IPv6 range; sorted ascending. */
    private readonly starts: Uint32Array,
    private readonly ends: Uint32Array,
    private readonly asns: Uint32Array,
    private readonly orgIndex: Uint32Array,
    private readonly orgs: string[],
    readonly words: 1 | 4,
  ) {}

  /** Number of ranges. */
  get size(): number {
    return this.asns.length;
  }

  /** Approximate bytes held (typed arrays plus organisation strings). */
  get bytes(): number {
    let strings = 0;
    for (const o of this.orgs) strings += 40 + o.length * 2;
    return this.starts.byteLength + this.ends.byteLength + this.asns.byteLength + this.orgIndex.byteLength + strings;
  }

  /**
   * Parses `start,end,asn,organisation` lines: numeric IPv4 bounds (`asn-ipv4-num.csv`) or
   * textual IPv6 bounds (`asn-ipv6.csv`). Organisation may be double-quoted with `""` escapes.
   * @throws Error naming the file and line of the first malformed row.
   */
  static fromCsv(path: string, family: 4 | 6): AsnTable {
    // Parsed as bytes: decoding 20 MB to a JS string and slicing it would keep the whole
    // text alive through every sliced organisation name.
    const buf = readFileSync(path);
    const words = family === 4 ? 1 : 4;
    let capacity = 1;
    for (let i = buf.indexOf(10); i !== -1; i = buf.indexOf(10, i + 1)) capacity++;
    const starts = new Uint32Array(capacity * words);
    const ends = new Uint32Array(capacity * words);
    const asns = new Uint32Array(capacity);
    const orgIndex = new Uint32Array(capacity);
    const orgs: string[] = [];
    const orgIds = new Map<string, number>();
    let n = 0;
    let lineNo = 0;
    let pos = 0;
    let prevOrgStart = 0;
    let prevOrgEnd = -1;
    const len = buf.length;
    while (pos < len) {
      let eol = buf.indexOf(10, pos);
      if (eol === -1) eol = len;
      lineNo++;
      const lineEnd = buf[eol - 1] === 13 ? eol - 1 : eol;
      if (lineEnd > pos) {
        const c1 = buf.indexOf(44, pos);
        const c2 = c1 === -1 ? -1 : buf.indexOf(44, c1 + 1);
        const c3 = c2 === -1 ? -1 : buf.indexOf(44, c2 + 1);
        if (c3 === -1 || c3 > lineEnd) throw new Error(`${path}:${lineNo}: expected start,end,asn,organisation`);
        const asn = parseDecimal(buf, c2 + 1, c3);
        if (asn < 0 || asn > 0xffffffff) throw new Error(`${path}:${lineNo}: invalid AS number`);
        if (family === 4) {
          const s = parseDecimal(buf, pos, c1);
          const e = parseDecimal(buf, c1 + 1, c2);
          if (!(s >= 0 && e >= s && e <= 0xffffffff)) throw new Error(`${path}:${lineNo}: invalid IPv4 range (expected the numeric -num.csv file)`);
          starts[n] = s;
          ends[n] = e;
        } else if (!parseV6Words(buf, pos, c1, starts, n * 4) || !parseV6Words(buf, c1 + 1, c2, ends, n * 4)) {
          throw new Error(`${path}:${lineNo}: invalid IPv6 range`);
        }
        let id: number | undefined;
        // Neighbouring rows often share a name: compare bytes before hashing a new string.
        if (prevOrgEnd - prevOrgStart === lineEnd - c3 - 1 && buf.compare(buf, prevOrgStart, prevOrgEnd, c3 + 1, lineEnd) === 0) {
          id = orgIndex[n - 1]!;
        } else {
          // Keyed by the raw bytes as latin1 (a cheap one-byte copy); decoded as UTF-8 once per name.
          const key = buf.toString('latin1', c3 + 1, lineEnd);
          id = orgIds.get(key);
          if (id === undefined) {
            id = orgs.length;
            const quoted = buf[c3 + 1] === 34;
            const org = buf.toString('utf8', quoted ? c3 + 2 : c3 + 1, quoted ? lineEnd - 1 : lineEnd);
            orgs.push(quoted ? org.replaceAll('""', '"') : org);
            orgIds.set(key, id);
          }
        }
        prevOrgStart = c3 + 1;
        prevOrgEnd = lineEnd;
        asns[n] = asn;
        orgIndex[n] = id;
        n++;
      }
      pos = eol + 1;
    }
    const table = new AsnTable(starts.slice(0, n * words), ends.slice(0, n * words), asns.slice(0, n), orgIndex.slice(0, n), orgs, words);
    table.overlapsClipped = table.normalise(path);
    return table;
  }

  /** The range holding an IPv4 address given as an unsigned 32-bit number. */
  lookupV4(ip: number): AsnEntry | undefined {
    const i = this.lastStartAtOrBelowV4(ip);
    if (i < 0 || this.ends[i]! < ip) return undefined;
    return this.entry(i);
  }

  /** The range holding an IPv6 address given as its eight 16-bit parts. */
  lookupV6(parts: readonly number[]): AsnEntry | undefined {
    return this.lookupV6At(
      ((parts[0]! << 16) | parts[1]!) >>> 0,
      ((parts[2]! << 16) | parts[3]!) >>> 0,
      ((parts[4]! << 16) | parts[5]!) >>> 0,
      ((parts[6]! << 16) | parts[7]!) >>> 0,
    );
  }

  /** The range holding an IPv6 address given as four 32-bit words, most significant first. */
  lookupV6Words(w: Uint32Array): AsnEntry | undefined {
    return this.lookupV6At(w[0]!, w[1]!, w[2]!, w[3]!);
  }

  private lookupV6At(w0: number, w1: number, w2: number, w3: number): AsnEntry | undefined {
    let lo = 0;
    let hi = this.asns.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (compare4(this.starts, mid * 4, w0, w1, w2, w3) <= 0) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    if (found < 0 || compare4(this.ends, found * 4, w0, w1, w2, w3) < 0) return undefined;
    return this.entry(found);
  }

  private lastStartAtOrBelowV4(ip: number): number {
    const starts = this.starts;
    let lo = 0;
    let hi = starts.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (starts[mid]! <= ip) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }

  private entry(i: number): AsnEntry {
    const org = this.orgs[this.orgIndex[i]!];
    return { asNumber: this.asns[i]!, asOrganization: org === '' ? undefined : org };
  }

  /**
   * Bisection needs sorted starts and disjoint ranges. Unsorted input is refused; an overlap
   * (the published data has a few) is resolved by ending the earlier range just before the
   * later one starts, the later row being the more specific announcement.
   * @returns how many ranges were clipped.
   */
  private normalise(path: string): number {
    const w = this.words;
    let clipped = 0;
    for (let i = 1; i < this.asns.length; i++) {
      const prevStart = this.starts.subarray((i - 1) * w, i * w);
      const prevEnd = this.ends.subarray((i - 1) * w, i * w);
      const start = this.starts.subarray(i * w, (i + 1) * w);
      if (compareWords(prevStart, start) >= 0) throw new Error(`${path}: ranges are not sorted by start at row ${i + 1}`);
      if (compareWords(prevEnd, start) >= 0) {
        prevEnd.set(start);
        decrementWords(prevEnd);
        clipped++;
      }
    }
    return clipped;
  }
}

/** Sign of (words at `o`) − (w0..w3). */
function compare4(a: Uint32Array, o: number, w0: number, w1: number, w2: number, w3: number): number {
  return a[o]! - w0 || a[o + 1]! - w1 || a[o + 2]! - w2 || a[o + 3]! - w3;
}

function compareWords(a: Uint32Array, b: Uint32Array): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

/** Subtracts one from a big-endian multi-word number (never called on zero: a start > a previous start). */
function decrementWords(a: Uint32Array): void {
  for (let i = a.length - 1; i >= 0; i--) {
    if (a[i] !== 0) {
      a[i] = a[i]! - 1;
      return;
    }
    a[i] = 0xffffffff;
  }
}

/** Unsigned decimal in buf[from, to); -1 when not one. */
function parseDecimal(buf: Buffer, from: number, to: number): number {
  if (to <= from || to - from > 10) return -1;
  let v = 0;
  for (let i = from; i < to; i++) {
    const d = buf[i]! - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

/**
 * Parses textual IPv6 (hex groups, one optional `::`, no embedded IPv4: the CSV never has it)
 * in buf[from, to) into four 32-bit words at `into[at]`.
 */
function parseV6Words(buf: Buffer, from: number, to: number, into: Uint32Array, at: number): boolean {
  const groups = [0, 0, 0, 0, 0, 0, 0, 0];
  let count = 0;
  let gap = -1; // index in `groups` where `::` sits
  let i = from;
  if (buf[i] === 58 && buf[i + 1] === 58) {
    gap = 0;
    i += 2;
  }
  while (i < to) {
    let v = 0;
    let digits = 0;
    while (i < to && digits <= 4) {
      const c = buf[i]!;
      const d = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;
      if (d < 0) break;
      v = v * 16 + d;
      digits++;
      i++;
    }
    if (digits === 0 || digits > 4 || count === 8) return false;
    groups[count++] = v;
    if (i === to) break;
    if (buf[i] !== 58) return false;
    i++;
    if (buf[i] === 58) {
      if (gap !== -1) return false;
      gap = count;
      i++;
      if (i === to) break;
    }
  }
  if (gap === -1) {
    if (count !== 8) return false;
  } else {
    if (count > 7) return false;
    // Move the groups after `::` to the end.
    const tail = groups.slice(gap, count);
    for (let k = gap; k < 8; k++) groups[k] = 0;
    for (let k = 0; k < tail.length; k++) groups[8 - tail.length + k] = tail[k]!;
  }
  for (let k = 0; k < 4; k++) into[at + k] = ((groups[2 * k]! << 16) | groups[2 * k + 1]!) >>> 0;
  return true;
}
