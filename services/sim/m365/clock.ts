/**
 * The simulated clock. Everything time-dependent in the simulator (which records are
 * visible, content expiry, token lifetimes, the 7-day content window) reads this clock,
 * never Date.now(), so tests can move time deterministically instead of sleeping.
 */
export interface SimClock {
  /** Simulated time in epoch milliseconds. */
  now(): number;
  set(epochMs: number): void;
  advance(ms: number): void;
  readonly frozen: boolean;
}

export interface ClockOptions {
  /** Start instant (ISO string or epoch ms). Default: the real current time. */
  start?: string | number;
  /** A frozen clock only moves through set/advance; a running one also follows real time. Default false. */
  frozen?: boolean;
}

export function createClock(options: ClockOptions = {}): SimClock {
  const start = options.start === undefined ? Date.now() : typeof options.start === 'number' ? options.start : Date.parse(options.start);
  if (!Number.isFinite(start)) throw new Error(`invalid clock start: ${String(options.start)}`);
  const frozen = options.frozen ?? false;
  // A running clock is an offset from real time; a frozen one is a fixed instant.
  let base = start;
  let realAtBase = Date.now();
  return {
    frozen,
    now: () => (frozen ? base : base + (Date.now() - realAtBase)),
    set(epochMs) {
      base = epochMs;
      realAtBase = Date.now();
    },
    advance(ms) {
      base = (frozen ? base : base + (Date.now() - realAtBase)) + ms;
      realAtBase = Date.now();
    },
  };
}

/** `2024-02-04T22:49:32` — the Management Activity API's UTC form without a zone designator. */
export function toUalTime(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 19);
}

/** `2024-02-04T22:49:32.123Z` trimmed of zero milliseconds the way Graph prints most dates. */
export function toGraphTime(epochMs: number): string {
  return new Date(epochMs).toISOString().replace('.000Z', 'Z');
}

/** `2024-12-27 14:53:13Z` — the timestamp form of Entra token endpoint errors. */
export function toAadTimestamp(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 19).replace('T', ' ') + 'Z';
}
