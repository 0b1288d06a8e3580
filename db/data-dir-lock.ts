import { closeSync, linkSync, mkdirSync, openSync, readFileSync, renameSync, rmdirSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

/**
 * One process owns a PGlite data dir: PGlite is one Postgres backend in WASM, and two processes
 * writing the same files lose each other's commits and can leave files that no longer open.
 * The owner is recorded in `<dataDir>/tenantwatch.lock`, much like Postgres's postmaster.pid.
 */
export type LockOwner = {
  pid: number;
  /** The owner's process start time (Linux: /proc/<pid>/stat field 22), so a reused pid is not taken for the owner. */
  startTime: string | null;
  /** The command that holds the data dir: `start`, `import`… */
  command: string;
  hostname: string;
  /** The running server's control socket, once it listens (`start` only). */
  socketPath: string | null;
  startedAt: string;
};

export type DataDirLock = {
  readonly owner: LockOwner;
  /** Records more about the owner (the control socket once it listens). */
  update(patch: Partial<Pick<LockOwner, 'socketPath'>>): void;
  /** Removes the lock file if it is still ours. Idempotent. */
  release(): void;
};

/** The data dir is held by another live process. */
export class DataDirLockedError extends Error {
  constructor(
    readonly dataDir: string,
    readonly owner: LockOwner,
  ) {
    super(describeOwner(dataDir, owner));
    this.name = 'DataDirLockedError';
  }
}

export const LOCK_FILE = 'tenantwatch.lock';
/** A takeover guard older than this was left by a process that died during its takeover. */
const GUARD_MAX_AGE_MS = 10_000;

export function lockPath(dataDir: string): string {
  return join(dataDir, LOCK_FILE);
}

/** One clear line about who holds a data dir. */
export function describeOwner(dataDir: string, owner: LockOwner): string {
  const started = owner.startedAt.slice(0, 19).replace('T', ' ') + ' UTC';
  if (owner.command === 'start') return `Tenantwatch is already running on ${dataDir} (pid ${owner.pid}, started ${started}); stop it first.`;
  const where = owner.hostname === hostname() ? `pid ${owner.pid}` : `pid ${owner.pid} on ${owner.hostname}`;
  return `The data dir ${dataDir} is in use by \`tenantwatch ${owner.command}\` (${where}, started ${started}); try again when it has finished.`;
}

/** The start time of a process, or null where the platform does not tell (then the pid alone decides). */
export function processStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces: count from after it.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19] ?? null;
  } catch {
    return null;
  }
}

/**
 * Whether the recorded owner still runs. An owner on another host cannot be checked, so it
 * counts as alive (a data dir on a shared disk is never taken from under a live process).
 */
export function ownerIsAlive(owner: LockOwner): boolean {
  if (!(owner.pid > 0)) return false;
  if (owner.hostname !== hostname()) return true;
  try {
    process.kill(owner.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const now = processStartTime(owner.pid);
  return owner.startTime === null || now === null || now === owner.startTime;
}

/** The live owner of a data dir, or null when it is free (no lock file, or a dead owner's). */
export function readLockOwner(dataDir: string): LockOwner | null {
  const owner = readOwnerFile(lockPath(dataDir));
  return owner && ownerIsAlive(owner) ? owner : null;
}

/**
 * Takes the data dir for this process, or throws `DataDirLockedError` naming the live owner.
 * A dead owner's lock (a crash, SIGKILL) is taken over; when several processes race for it,
 * exactly one wins.
 * @example const lock = acquireDataDirLock('./data', 'import'); try { ... } finally { lock.release(); }
 */
export function acquireDataDirLock(dataDir: string, command: string): DataDirLock {
  mkdirSync(dataDir, { recursive: true });
  const path = lockPath(dataDir);
  const owner: LockOwner = {
    pid: process.pid,
    startTime: processStartTime(process.pid),
    command,
    hostname: hostname(),
    socketPath: null,
    startedAt: new Date().toISOString(),
  };
  const deadline = Date.now() + GUARD_MAX_AGE_MS * 2;
  for (;;) {
    // link() of a complete file is atomic and fails when the name exists: nobody ever reads a half-written lock.
    if (tryCreate(path, owner)) return heldLock(path, owner);
    const current = readOwnerFile(path);
    if (current && ownerIsAlive(current)) throw new DataDirLockedError(dataDir, current);
    if (Date.now() > deadline) throw new Error(`Could not take over the stale lock ${path}; remove it if no Tenantwatch process uses ${dataDir}.`);
    takeOverStale(path, current);
  }
}

/** Replaces a dead owner's file, under a guard so two processes never both replace it. */
function takeOverStale(path: string, seen: LockOwner | null) {
  const guard = `${path}.takeover`;
  try {
    mkdirSync(guard);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    // Another process is taking over right now; a guard that old was left by a crash.
    try {
      if (Date.now() - statSync(guard).mtimeMs > GUARD_MAX_AGE_MS) rmdirSync(guard);
    } catch {
      // Gone meanwhile: fine.
    }
    sleepMs(20);
    return;
  }
  try {
    // Re-check under the guard: the file may have been replaced since it was read.
    const current = readOwnerFile(path);
    if (sameOwner(current, seen) && (!current || !ownerIsAlive(current))) {
      try {
        unlinkSync(path);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }
  } finally {
    rmdirSync(guard);
  }
}

function tryCreate(path: string, owner: LockOwner): boolean {
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  writeOwnerFile(tmp, owner);
  try {
    linkSync(tmp, path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    unlinkSync(tmp);
  }
}

function heldLock(path: string, owner: LockOwner): DataDirLock {
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    process.off('exit', release);
    if (sameOwner(readOwnerFile(path), owner)) {
      try {
        unlinkSync(path);
      } catch {
        // Already gone.
      }
    }
  };
  // process.exit() skips `finally` blocks; the lock still goes with the process.
  process.on('exit', release);
  return {
    owner,
    update(patch) {
      Object.assign(owner, patch);
      const tmp = `${path}.${process.pid}.update.tmp`;
      writeOwnerFile(tmp, owner);
      renameSync(tmp, path);
    },
    release,
  };
}

function writeOwnerFile(path: string, owner: LockOwner) {
  const fd = openSync(path, 'wx', 0o600);
  try {
    writeSync(fd, JSON.stringify(owner) + '\n');
  } finally {
    closeSync(fd);
  }
}

function readOwnerFile(path: string): LockOwner | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  try {
    const value = JSON.parse(text) as LockOwner;
    if (typeof value.pid === 'number' && typeof value.startedAt === 'string') return value;
  } catch {
    // Unreadable: treated as a dead owner's (files are written whole, so only damage makes one).
  }
  return { pid: 0, startTime: null, command: 'unknown', hostname: hostname(), socketPath: null, startedAt: new Date(0).toISOString() };
}

function sameOwner(a: LockOwner | null, b: LockOwner | null): boolean {
  if (!a || !b) return a === b;
  return a.pid === b.pid && a.startedAt === b.startedAt && a.hostname === b.hostname;
}

function sleepMs(ms: number) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
