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
import { Reader, type Response } from 'maxmind';
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
}

/**
 * Reads, type-checks and verifies a MaxMind DB buffer.
 * @throws MmdbLoadError e.g. `/data/GeoIP2-City.mmdb: invalid double: 5 bytes instead of 8 at data section offset 367`.
 */
export function openMmdbBuffer<T = Response>(path: string, buf: Buffer, expect?: MmdbExpectation, verify = true, recordCacheEntries = 0): LoadedMmdb<T> {
  if (buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) throw new MmdbLoadError(path, 'is gzip-compressed; point to the extracted .mmdb file');
  let reader: MmdbReader<T>;
  try {
    reader = new Reader<Response>(buf, recordCacheEntries > 0 ? { cache: new DecodedRecordCache(recordCacheEntries) } : {}) as unknown as MmdbReader<T>;
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
  return { reader, databaseType: meta.databaseType, buildEpoch: meta.buildEpoch, ipVersion: meta.ipVersion === 4 ? 4 : 6 };
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
 * Decoded records by data-section offset, handed to the `maxmind` reader. Many networks share
 * one record (every address of a city points at the same bytes), so decoding each once saves
 * most of a lookup. Bounded by clearing when full: no per-hit bookkeeping on the hot path,
 * and the working set refills in a moment. Cached records are shared: never mutate them.
 */
class DecodedRecordCache {
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
  /** Decoded records kept per file (see DecodedRecordCache); 0 = decode on every lookup. */
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
