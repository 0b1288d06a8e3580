import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { acquireDataDirLock, DataDirLockedError, lockPath, type LockOwner, processStartTime, readLockOwner } from './data-dir-lock.ts';
import { openDatabase } from './client.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tw-lock-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A pid that surely belonged to a process that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0']);
  await once(child, 'exit');
  return child.pid!;
}

function writeLock(owner: Partial<LockOwner>) {
  const full: LockOwner = {
    pid: 1,
    startTime: null,
    command: 'start',
    hostname: hostname(),
    socketPath: null,
    startedAt: '2026-01-01T00:00:00.000Z',
    ...owner,
  };
  writeFileSync(lockPath(dir), JSON.stringify(full));
}

describe('the data dir lock', () => {
  test('a live owner holds it: a second taker gets DataDirLockedError naming the owner; release frees it', () => {
    const lock = acquireDataDirLock(dir, 'import');
    expect(JSON.parse(readFileSync(lockPath(dir), 'utf8'))).toMatchObject({ pid: process.pid, command: 'import', hostname: hostname() });
    expect(readLockOwner(dir)).toMatchObject({ pid: process.pid, command: 'import' });
    const second = (() => {
      try {
        acquireDataDirLock(dir, 'start');
      } catch (err) {
        return err;
      }
    })();
    expect(second).toBeInstanceOf(DataDirLockedError);
    expect((second as Error).message).toMatch(
      new RegExp(`^The data dir ${dir} is in use by \`tenantwatch import\` \\(pid ${process.pid}, started .+\\); try again when it has finished\\.$`),
    );
    lock.release();
    expect(existsSync(lockPath(dir))).toBe(false);
    expect(readLockOwner(dir)).toBeNull();
    acquireDataDirLock(dir, 'start').release();
  });

  test('a running server is named as such', () => {
    writeLock({ pid: process.pid, startTime: processStartTime(process.pid), command: 'start', startedAt: '2026-12-01T10:00:00.000Z' });
    expect(() => acquireDataDirLock(dir, 'start')).toThrow(
      `Tenantwatch is already running on ${dir} (pid ${process.pid}, started 2026-12-01 10:00:00 UTC); stop it first.`,
    );
  });

  test("a dead owner's lock is taken over", async () => {
    writeLock({ pid: await deadPid() });
    expect(readLockOwner(dir)).toBeNull();
    const lock = acquireDataDirLock(dir, 'start');
    expect(lock.owner.pid).toBe(process.pid);
    lock.release();
  });

  test('a reused pid with another start time is not taken for the owner (Linux)', () => {
    if (processStartTime(process.pid) === null) return;
    writeLock({ pid: process.pid, startTime: '1' });
    acquireDataDirLock(dir, 'start').release();
  });

  test('a damaged lock file and a takeover guard left by a crash do not block for good', () => {
    writeFileSync(lockPath(dir), '{"pid": 12');
    mkdirSync(`${lockPath(dir)}.takeover`);
    const old = new Date(Date.now() - 60_000);
    utimesSync(`${lockPath(dir)}.takeover`, old, old);
    acquireDataDirLock(dir, 'start').release();
  });

  test('processes racing for a stale lock: exactly one wins', async () => {
    writeLock({ pid: await deadPid() });
    const script = fileURLToPath(new URL('../test/helpers/data-dir-lock-race-child.ts', import.meta.url));
    // Each racer waits for the same moment, once all of them have loaded.
    const at = String(Date.now() + 5_000);
    const children = Array.from({ length: 6 }, () => spawn(process.execPath, ['--import', 'tsx', script, dir, at], { stdio: ['pipe', 'pipe', 'inherit'] }));
    const answers = await Promise.all(
      children.map(
        (child) =>
          new Promise<string>((resolve) => {
            let out = '';
            child.stdout!.on('data', (d: Buffer) => {
              out += d.toString();
              if (out.includes('\n')) resolve(out.trim());
            });
          }),
      ),
    );
    // Everyone has answered while the winner still holds the lock.
    expect(answers.filter((a) => a === 'won')).toHaveLength(1);
    expect(answers.filter((a) => a === 'held')).toHaveLength(5);
    for (const child of children) child.stdin!.end();
    await Promise.all(children.map((c) => (c.exitCode === null ? once(c, 'exit') : null)));
    expect(existsSync(lockPath(dir))).toBe(false);
  }, 60_000);

  test('openDatabase takes the lock for a PGlite data dir and releases it on close; memory:// needs none', async () => {
    const database = await openDatabase({ dataDir: dir, command: 'migrate' });
    try {
      expect(readLockOwner(dir)).toMatchObject({ pid: process.pid, command: 'migrate' });
      await expect(openDatabase({ dataDir: dir })).rejects.toBeInstanceOf(DataDirLockedError);
    } finally {
      await database.close();
    }
    expect(readLockOwner(dir)).toBeNull();
    const memory = await openDatabase({ dataDir: 'memory://' });
    expect(memory.dataDirLock).toBeNull();
    await memory.close();
  }, 60_000);
});
