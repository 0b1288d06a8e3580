/**
 * One MaxMind DB file on disk, checked at load and reloaded when it changes. geoipupdate
 * writes a temporary file and renames it over the old one, so a change shows up as a new
 * inode (or size / mtime): we watch the directory (a watch on the file itself would follow the
 * old, unlinked inode) and also poll, because directory watches miss events on network
 * filesystems. A new file that fails the checks never replaces a good one.
 */
import { watch, type FSWatcher } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { readFileSync, statSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { Reader, type Response } from 'maxmind';
import { formatIpv6Words } from './classify.ts';
import { verifyMmdb } from './mmdb-verify.ts';

/** A file that cannot be used, with the path and the reason in the message. */
export class MmdbLoadError extends Error {
  override name = 'MmdbLoadError';
  constructor(
    readonly path: string,
    readonly why: string,
  ) {
    super(`${path}: ${why}`);
  }
}

export interface MmdbExpectation {
  /** Human description of acceptable types, e.g. `GeoIP2-City or GeoLite2-City`. */
  expected: string;
  accepts(databaseType: string): boolean;
}

/** The part of the `maxmind` reader we use, typed by the record shape the file holds. */
export interface MmdbReader<T> {
  readonly metadata: Reader<Response>['metadata'];
  get(ip: string): T | null;
  getWithPrefixLength(ip: string): [T | null, number];
}

export interface LoadedMmdb<T = Response> {
  reader: MmdbReader<T>;
  databaseType: string;
  buildEpoch: Date;
  ipVersion: 4 | 6;
  /**
   * The record for an address given as words (as `classifyIpInto` leaves them; `ip` is the same
   * address as text), passed through `map` and memoised per record: many networks share one
   * record, so most lookups are a walk of the search tree and a map read. Pass the same `map`
   * every time for one file; its results are shared, never mutate them. Null when the file has
   * no record for the address (or, for an IPv4-only file, the address is IPv6).
   * @example db.lookup(words, 4, '81.2.69.160', (r) => r.country?.iso_code ?? null)
   */
  lookup<R>(words: Uint32Array, version: 4 | 6, ip: string, map: (record: T) => R): R | null;
}

/**
 * Reads, type-checks and verifies a MaxMind DB buffer.
 * @throws MmdbLoadError e.g. `/data/GeoIP2-City.mmdb: invalid double: 5 bytes instead of 8 at data section offset 367`.
 */
export function openMmdbBuffer<T = Response>(path: string, buf: Buffer, expect?: MmdbExpectation, verify = true, recordCacheEntries = 0): LoadedMmdb<T> {
  if (buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) throw new MmdbLoadError(path, 'is gzip-compressed; point to the extracted .mmdb file');
  let reader: MmdbReader<T>;
  try {
    reader = new Reader<Response>(buf, recordCacheEntries > 0 ? { cache: new RecordCache(recordCacheEntries) } : {}) as unknown as MmdbReader<T>;
  } catch (err) {
    throw new MmdbLoadError(path, `not a readable MaxMind DB file (${(err as Error).message})`);
  }
  const meta = reader.metadata;
  if (expect && !expect.accepts(meta.databaseType)) {
    throw new MmdbLoadError(path, `is a ${meta.databaseType} database, expected ${expect.expected}`);
  }
  if (verify) {
    try {
      verifyMmdb(buf, meta);
    } catch (err) {
      throw new MmdbLoadError(path, `corrupt ${meta.databaseType} database: ${(err as Error).message}`);
    }
  }
  const tree = new SearchTree(buf, meta.nodeCount, meta.recordSize, meta.ipVersion === 4 ? 4 : 6);
  const recordAt = recordDecoder<T>(reader, tree);
  const memo = recordCacheEntries > 0 ? new RecordCache(recordCacheEntries) : undefined;
  return {
    reader,
    databaseType: meta.databaseType,
    buildEpoch: meta.buildEpoch,
    ipVersion: meta.ipVersion === 4 ? 4 : 6,
    lookup<R>(words: Uint32Array, version: 4 | 6, ip: string, map: (record: T) => R): R | null {
      const offset = tree.offsetOf(words, version);
      if (offset < 0) return null;
      if (memo === undefined) return map(recordAt(offset, ip));
      const hit = memo.get(offset);
      if (hit !== undefined) return hit as R;
      const mapped = map(recordAt(offset, ip));
      memo.set(offset, mapped);
      return mapped;
    },
  };
}

/**
 * The search tree read straight from the buffer with the address as numbers. The `maxmind`
 * reader takes text and parses it on every call (split, parseInt, an array of bytes) before
 * walking the same tree through a function per node; with the address parsed once by the
 * classifier that is most of a lookup's cost.
 */
class SearchTree {
  private readonly nodeBytes: number;
  private readonly treeBytes: number;
  /** Node where IPv4 addresses start in an IPv6 tree (after 96 zero bits). */
  private readonly ipv4Start: number;

  constructor(
    private readonly buf: Buffer,
    private readonly nodeCount: number,
    private readonly recordSize: number,
    private readonly ipVersion: 4 | 6,
  ) {
    this.nodeBytes = recordSize / 4;
    this.treeBytes = nodeCount * this.nodeBytes;
    let node = 0;
    if (ipVersion === 6) for (let i = 0; i < 96 && node < nodeCount; i++) node = this.record(node, 0);
    this.ipv4Start = node;
  }

  /** Offset in the file of the address's record, or -1 when there is none. */
  offsetOf(words: Uint32Array, version: 4 | 6): number {
    let node: number;
    let bits: number;
    if (version === 4) {
      node = this.ipv4Start;
      bits = 32;
    } else {
      // An IPv4-only tree would answer an IPv6 query from its first 32 bits: wrong data.
      if (this.ipVersion === 4) return -1;
      node = 0;
      bits = 128;
    }
    const count = this.nodeCount;
    for (let i = 0; i < bits && node < count; i++) node = this.record(node, (words[i >>> 5]! >>> (31 - (i & 31))) & 1);
    // Equal to the node count: no data; beyond it: a pointer into the data section.
    return node > count ? node - count + this.treeBytes : -1;
  }

  /**
   * An address with data, found by walking down the tree (left first), as words and text; null
   * when the walk finds none. For checking the decoder against the reader at load.
   */
  firstAddressWithData(version: 4 | 6): { words: Uint32Array; ip: string } | null {
    if (version === 6 && this.ipVersion === 4) return null;
    const words = new Uint32Array(4);
    const bits = version === 4 ? 32 : 128;
    let node = version === 4 ? this.ipv4Start : 0;
    for (let i = 0; i < bits && node < this.nodeCount; i++) {
      const left = this.record(node, 0);
      const bit = left === this.nodeCount ? 1 : 0;
      if (bit === 1) words[i >>> 5] = (words[i >>> 5]! | (1 << (31 - (i & 31)))) >>> 0;
      node = bit === 1 ? this.record(node, 1) : left;
    }
    if (node <= this.nodeCount) return null;
    const w0 = words[0]!;
    const ip = version === 4 ? `${w0 >>> 24}.${(w0 >>> 16) & 255}.${(w0 >>> 8) & 255}.${w0 & 255}` : formatIpv6Words(words);
    return { words, ip };
  }

  private record(node: number, bit: number): number {
    const b = this.buf;
    const o = node * this.nodeBytes;
    switch (this.recordSize) {
      case 24: {
        const p = o + bit * 3;
        return (b[p]! << 16) | (b[p + 1]! << 8) | b[p + 2]!;
      }
      case 28:
        return bit === 0
          ? ((b[o + 3]! & 0xf0) << 20) | (b[o]! << 16) | (b[o + 1]! << 8) | b[o + 2]!
          : ((b[o + 3]! & 0x0f) << 24) | (b[o + 4]! << 16) | (b[o + 5]! << 8) | b[o + 6]!;
      default:
        return b.readUInt32BE(o + bit * 4);
    }
  }
}

interface MmdbDecoder {
  decode(offset: number): { value: unknown };
}

/**
 * Decodes the record at a file offset with the reader's own decoder (so nested pointers share
 * its decoded-record cache). The decoder is not part of the `maxmind` package's typed API: it
 * is used only after it answered a few sample addresses exactly as `reader.get` does; otherwise
 * (a future version changed it) the record is read through `reader.get` with the text form.
 */
function recordDecoder<T>(reader: MmdbReader<T>, tree: SearchTree): (offset: number, ip: string) => T {
  const viaText = (_offset: number, ip: string) => reader.get(ip) as T;
  const decoder = (reader as unknown as { decoder?: Partial<MmdbDecoder> }).decoder;
  if (typeof decoder?.decode !== 'function') return viaText;
  const d = decoder as MmdbDecoder;
  const direct = (offset: number) => d.decode(offset).value as T;
  try {
    for (const version of [4, 6] as const) {
      const sample = tree.firstAddressWithData(version);
      if (sample === null) continue;
      const offset = tree.offsetOf(sample.words, version);
      if (offset < 0 || !isDeepStrictEqual(direct(offset), reader.get(sample.ip))) return viaText;
    }
  } catch {
    return viaText;
  }
  return direct;
}

/** Synchronous open, for boot. @throws MmdbLoadError */
export function openMmdbFile<T = Response>(path: string, expect?: MmdbExpectation, verify = true, recordCacheEntries = 0): LoadedMmdb<T> {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (err) {
    throw new MmdbLoadError(path, describeFsError(err));
  }
  return openMmdbBuffer<T>(path, buf, expect, verify, recordCacheEntries);
}

/**
 * Values by record offset: decoded records for the `maxmind` reader, and records mapped to our
 * contract for `lookup`. Many networks share one record (every address of a city points at the
 * same bytes), so decoding and mapping each once saves most of a lookup. Bounded by clearing
 * when full: no per-hit bookkeeping on the hot path, and the working set refills in a moment.
 * Cached values are shared: never mutate them.
 */
class RecordCache {
  private readonly map = new Map<number, unknown>();
  constructor(private readonly max: number) {}
  get(key: number): unknown {
    return this.map.get(key);
  }
  set(key: number, value: unknown): void {
    if (this.map.size >= this.max) this.map.clear();
    this.map.set(key, value);
  }
}

export interface WatchedMmdbOptions {
  expect?: MmdbExpectation;
  verify?: boolean;
  /** Records kept per file, decoded and mapped (see RecordCache); 0 = decode on every lookup. */
  recordCacheEntries?: number;
  /** Poll interval for changes; 0 disables polling and watching (tests call `checkForUpdates`). */
  pollIntervalMs?: number;
  /** Called after a new file replaced the old one (caches built on the old data are stale). */
  onReload?: (db: LoadedMmdb<unknown>) => void;
  /** Called when a changed file was rejected; the previous file keeps serving. */
  onError?: (err: MmdbLoadError) => void;
}

/**
 * A database slot that always serves the last good file. `current` is null only when no good
 * file was ever loaded; `error` holds the latest rejection.
 */
export class WatchedMmdb<T = Response> {
  current: LoadedMmdb<T> | null = null;
  error: MmdbLoadError | null = null;
  private signature = '';
  private timer: NodeJS.Timeout | undefined;
  private watcher: FSWatcher | undefined;
  private checking: Promise<boolean> | undefined;
  private debounce: NodeJS.Timeout | undefined;

  constructor(
    readonly path: string,
    private readonly opts: WatchedMmdbOptions = {},
  ) {
    try {
      this.signature = signatureOf(statSync(this.path));
      this.current = openMmdbFile<T>(path, opts.expect, opts.verify ?? true, opts.recordCacheEntries ?? 0);
    } catch (err) {
      this.error = err instanceof MmdbLoadError ? err : new MmdbLoadError(path, describeFsError(err));
    }
    const every = opts.pollIntervalMs ?? 60_000;
    if (every > 0) {
      this.timer = setInterval(() => void this.checkForUpdates(), every);
      this.timer.unref();
      try {
        this.watcher = watch(dirname(path), { persistent: false }, (_event, file) => {
          if (file !== null && file !== basename(path)) return;
          // geoipupdate's write + rename arrive as a burst of events: check once it settles.
          clearTimeout(this.debounce);
          this.debounce = setTimeout(() => void this.checkForUpdates(), 100);
          this.debounce.unref();
        });
        this.watcher.on('error', () => this.watcher?.close());
      } catch {
        // Directory missing or not watchable: polling still covers it.
      }
    }
  }

  /**
   * Reloads when the file's inode, size or mtime changed. Resolves true when a new file was
   * loaded. Concurrent calls share one check.
   */
  checkForUpdates(): Promise<boolean> {
    this.checking ??= this.check().finally(() => (this.checking = undefined));
    return this.checking;
  }

  private async check(): Promise<boolean> {
    let sig: string;
    let buf: Buffer;
    try {
      sig = signatureOf(await stat(this.path));
      if (sig === this.signature) return false;
      buf = await readFile(this.path);
    } catch (err) {
      // Mid-rename or deleted: keep serving what we have and report it.
      const e = new MmdbLoadError(this.path, describeFsError(err));
      this.error = e;
      this.opts.onError?.(e);
      return false;
    }
    this.signature = sig;
    try {
      this.current = openMmdbBuffer<T>(this.path, buf, this.opts.expect, this.opts.verify ?? true, this.opts.recordCacheEntries ?? 0);
      this.error = null;
      this.opts.onReload?.(this.current);
      return true;
    } catch (err) {
      const e = err instanceof MmdbLoadError ? err : new MmdbLoadError(this.path, String(err));
      this.error = e;
      this.opts.onError?.(e);
      return false;
    }
  }

  close(): void {
    clearInterval(this.timer);
    clearTimeout(this.debounce);
    this.watcher?.close();
  }
}

function signatureOf(s: { ino: number; size: number; mtimeMs: number }): string {
  return `${s.ino}:${s.size}:${s.mtimeMs}`;
}

function describeFsError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return 'file not found';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'is a directory, expected a .mmdb file';
  return (err as Error | undefined)?.message ?? String(err);
}
