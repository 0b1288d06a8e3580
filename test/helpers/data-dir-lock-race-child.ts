/**
 * One racer of the data-dir-lock test: at the agreed moment it tries to take the lock, prints
 * `won` or `held`, and a winner holds the lock until its stdin closes.
 */
import { acquireDataDirLock, DataDirLockedError } from '../../db/data-dir-lock.ts';

const [dir, at] = process.argv.slice(2) as [string, string];
while (Date.now() < Number(at)) {
  // Spin: every racer starts within the same millisecond or so.
}
try {
  const lock = acquireDataDirLock(dir, 'race');
  process.stdout.write('won\n');
  process.stdin.resume();
  process.stdin.on('end', () => {
    lock.release();
    process.exit(0);
  });
} catch (err) {
  process.stdout.write(err instanceof DataDirLockedError ? 'held\n' : `error ${String(err)}\n`);
}
