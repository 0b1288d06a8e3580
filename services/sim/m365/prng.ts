/**
 * Seeded pseudo-random numbers so that scenarios and fault decisions are reproducible:
 * the same seed and the same sequence of calls give the same values on every run.
 * sfc32 seeded through xmur3 (both public-domain, small and fast; not cryptographic).
 */
export interface Prng {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [min, max] (both inclusive). */
  int(min: number, max: number): number;
  /** True with probability p. */
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
  /** Picks by weight: `weighted([['a', 3], ['b', 1]])` returns 'a' three times as often. */
  weighted<T>(entries: readonly (readonly [T, number])[]): T;
  shuffle<T>(items: readonly T[]): T[];
  /** A GUID in the 8-4-4-4-12 form, version 4 bits set, drawn from this stream. */
  guid(): string;
  hex(length: number): string;
  /** An independent stream derived from this one's seed and a label, so adding draws to one part of a scenario does not shift another. */
  fork(label: string): Prng;
}

function xmur3(text: string): () => number {
  let h = 1779033703 ^ text.length;
  for (let i = 0; i < text.length; i++) {
    h = Math.imul(h ^ text.charCodeAt(i), 3432918353);
    h = (h << 13) | (h >>> 19);
  }
  return () => {
    h = Math.imul(h ^ (h >>> 16), 2246822507);
    h = Math.imul(h ^ (h >>> 13), 3266489909);
    h ^= h >>> 16;
    return h >>> 0;
  };
}

export function createPrng(seed: string | number): Prng {
  const seedText = String(seed);
  const hash = xmur3(seedText);
  let a = hash();
  let b = hash();
  let c = hash();
  let d = hash();
  const nextUint = (): number => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    let t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    t = (t + d) | 0;
    c = (c + t) | 0;
    return t >>> 0;
  };
  // Warm up so that similar seeds diverge.
  for (let i = 0; i < 12; i++) nextUint();

  const prng: Prng = {
    next: () => nextUint() / 4294967296,
    int: (min, max) => min + Math.floor(prng.next() * (max - min + 1)),
    chance: (p) => p > 0 && prng.next() < p,
    pick: (items) => {
      if (items.length === 0) throw new Error('pick from an empty list');
      return items[Math.floor(prng.next() * items.length)] as (typeof items)[number];
    },
    weighted: (entries) => {
      const total = entries.reduce((sum, [, w]) => sum + w, 0);
      let roll = prng.next() * total;
      for (const [value, weight] of entries) {
        roll -= weight;
        if (roll < 0) return value;
      }
      const last = entries[entries.length - 1];
      if (!last) throw new Error('weighted pick from an empty list');
      return last[0];
    },
    shuffle: (items) => {
      const out = [...items];
      for (let i = out.length - 1; i > 0; i--) {
        const j = Math.floor(prng.next() * (i + 1));
        [out[i], out[j]] = [out[j] as (typeof out)[number], out[i] as (typeof out)[number]];
      }
      return out;
    },
    hex: (length) => {
      let out = '';
      while (out.length < length) out += nextUint().toString(16).padStart(8, '0');
      return out.slice(0, length);
    },
    guid: () => {
      const h = prng.hex(32).split('');
      h[12] = '4';
      h[16] = ((parseInt(h[16] ?? '0', 16) & 0x3) | 0x8).toString(16);
      const s = h.join('');
      return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20, 32)}`;
    },
    fork: (label) => createPrng(`${seedText}/${label}`),
  };
  return prng;
}
