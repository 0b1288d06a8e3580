// Loaded by bench/ingest.ts into the CLI process it measures (`node --import`), never by the
// product: counts the statements the process sends to its database (each call on the driver is
// one round trip: a query, a script, BEGIN and COMMIT), samples the V8 heap and PGlite's WASM
// memory, and writes them with the peak RSS to TW_BENCH_PROBE_OUT when the process exits.
import { writeFileSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';

const out = process.env.TW_BENCH_PROBE_OUT;
if (out) {
  const probe = { statements: 0, peakHeapBytes: 0, pgliteWasmBytes: 0 };
  const instances = new Set();
  const counted = (fn) =>
    function (...args) {
      probe.statements += 1;
      return fn.apply(this, args);
    };

  /** The prototype that defines `name`, walking up from PGlite's own. */
  const owner = (name) => {
    for (let p = PGlite.prototype; p; p = Object.getPrototypeOf(p)) if (Object.hasOwn(p, name)) return p;
    throw new Error(`PGlite has no method ${name}`);
  };
  for (const name of ['query', 'exec']) {
    const p = owner(name);
    const original = p[name];
    p[name] = function (...args) {
      instances.add(this);
      probe.statements += 1;
      return original.apply(this, args);
    };
  }
  const tp = owner('transaction');
  const transaction = tp.transaction;
  tp.transaction = function (callback) {
    instances.add(this);
    probe.statements += 2; // BEGIN and COMMIT (or ROLLBACK)
    return transaction.call(this, (tx) => {
      const wrapped = { query: counted(tx.query), exec: counted(tx.exec), sql: counted(tx.sql) };
      return callback(new Proxy(tx, { get: (target, key) => (Object.hasOwn(wrapped, key) ? wrapped[key] : target[key]) }));
    });
  };
  pg.Client.prototype.query = counted(pg.Client.prototype.query);

  const sample = () => {
    probe.peakHeapBytes = Math.max(probe.peakHeapBytes, process.memoryUsage().heapUsed);
    for (const db of instances) probe.pgliteWasmBytes = Math.max(probe.pgliteWasmBytes, db.mod?.HEAPU8?.byteLength ?? 0);
  };
  setInterval(sample, 50).unref();
  process.on('exit', () => {
    sample();
    const usage = process.resourceUsage();
    writeFileSync(out, JSON.stringify({ ...probe, peakRssBytes: usage.maxRSS * 1024, cpuMicros: usage.userCPUTime + usage.systemCPUTime }));
  });
}
