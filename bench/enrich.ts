/**
 * IP enrichment throughput: `npx tsx bench/enrich.ts` (or `npm run bench:enrich`).
 *
 * Data: City + ASN from the free npm data (@ip-location-db GeoLite2 City mmdb + ASN CSV, the
 * default provider); Anonymous IP from MaxMind's GeoIP2-Anonymous-IP test database in
 * ../shared/fixtures/maxmind (the real one is a paid download; the test file has the same
 * format, but is tiny, so its lookups are cheaper than production ones). Addresses: a fixed
 * pseudo-random set of public IPv4 (and a smaller IPv6 set), seeded, so every run asks the same.
 * One core, one process, sequential lookups. Figures only, no assertions. For memory figures run
 * `node --expose-gc --import tsx bench/enrich.ts` (a forced GC before each reading).
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Reader } from 'maxmind';
import { classifyIp } from '../enrichment/ip/classify.ts';
import { createIpIntel, type ProviderAnswer } from '../enrichment/ip/index.ts';
import { createIpLocationDbProvider, defaultIpLocationDbPaths } from '../enrichment/ip/providers/ip-location-db.ts';
import { fmt, header, mb } from './util.ts';

const N = 200_000;
// Decoded-record caches (recordCacheEntries, default 50,000 per file) stay on in "uncached" rows:
// "uncached" means the service's result cache is off. Rows marked "record cache off" show both off.
const SEED = 0x7e4a47;
const anonymousIpTestDb = resolve(import.meta.dirname, '../../shared/fixtures/maxmind/GeoIP2-Anonymous-IP-Test.mmdb');

/** mulberry32: small, fast, good enough for picking addresses. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function publicIpv4s(n: number, seed: number): string[] {
  const rnd = prng(seed);
  const out: string[] = [];
  while (out.length < n) {
    const v = Math.floor(rnd() * 4294967296);
    const ip = `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
    if (classifyIp(ip).kind === 'public') out.push(ip);
  }
  return out;
}

function publicIpv6s(n: number, seed: number): string[] {
  // Inside 2000::/4 where most allocations are, so lookups hit data.
  const rnd = prng(seed);
  const h = () => Math.floor(rnd() * 65536).toString(16);
  const out: string[] = [];
  while (out.length < n) {
    const ip = `2${Math.floor(rnd() * 4096).toString(16).padStart(3, '0')}:${h()}:${h()}:${h()}:${h()}:${h()}:${h()}:${h()}`;
    const c = classifyIp(ip);
    if (c.kind === 'public') out.push(c.ip);
  }
  return out;
}

function rateSync(label: string, ips: readonly string[], fn: (ip: string) => unknown, countAnswered = false): void {
  for (let i = 0; i < Math.min(20_000, ips.length); i++) fn(ips[i]!); // warm-up: JIT
  const t0 = performance.now();
  let hits = 0;
  for (const ip of ips) if (fn(ip) != null) hits++;
  const s = (performance.now() - t0) / 1000;
  const answered = countAnswered ? `, ${fmt((100 * hits) / ips.length, 0)}% with data` : '';
  console.log(`${label.padEnd(66)} ${fmt(ips.length / s, 0).padStart(10)} lookups/s  (${fmt((s * 1e6) / ips.length, 2)} µs each${answered})`);
}

async function rateAsync(label: string, ips: readonly string[], fn: (ip: string) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < Math.min(20_000, ips.length); i++) await fn(ips[i]!);
  const t0 = performance.now();
  for (const ip of ips) await fn(ip);
  const s = (performance.now() - t0) / 1000;
  console.log(`${label.padEnd(66)} ${fmt(ips.length / s, 0).padStart(10)} lookups/s  (${fmt((s * 1e6) / ips.length, 2)} µs each)`);
}

function memory() {
  globalThis.gc?.();
  const m = process.memoryUsage();
  return { rss: m.rss, heap: m.heapUsed, external: m.external };
}

console.log(`IP enrichment: node ${process.version}, ${N.toLocaleString('en-US')} seeded public IPv4 (seed ${SEED}), ${(N / 10).toLocaleString('en-US')} IPv6`);
if (!globalThis.gc) console.log('(run with node --expose-gc --import tsx for steadier memory figures)');
const v4 = publicIpv4s(N, SEED);
const v6 = publicIpv6s(N / 10, SEED + 1);

header('Default data (ip-location-db: GeoLite2 City mmdb + ASN CSV), load');
for (const verify of [true, false]) {
  const before = memory();
  const t0 = performance.now();
  const p = createIpLocationDbProvider({ provider: 'ip-location-db', verify });
  const ms = performance.now() - t0;
  const after = memory();
  const l = p.stats.loadMs;
  console.log(
    `verify=${verify}: ${fmt(ms, 0)} ms total (city v4 ${fmt(l.cityIpv4, 0)}, city v6 ${fmt(l.cityIpv6, 0)}, asn v4 ${fmt(l.asnIpv4, 0)}, asn v6 ${fmt(l.asnIpv6, 0)} ms); ` +
      `memory +${mb(after.rss - before.rss)} RSS, +${mb(after.heap - before.heap)} JS heap, +${mb(after.external - before.external)} buffers`,
  );
  if (verify) {
    console.log(`ASN ranges: ${p.stats.asnRanges.ipv4.toLocaleString('en-US')} IPv4 + ${p.stats.asnRanges.ipv6.toLocaleString('en-US')} IPv6 in ${mb(p.stats.asnRanges.bytes)} (typed arrays + names); ${p.stats.asnRanges.overlapsClipped} overlapping rows clipped`);
  }
  p.close();
}

header('Bare maxmind (mmdb-lib Reader.get), single database, same addresses');
const paths = defaultIpLocationDbPaths();
const cityReader = new Reader(readFileSync(paths.cityIpv4));
rateSync('maxmind Reader.get, GeoLite2 City IPv4 (npm)', v4, (ip) => cityReader.get(ip), true);
const hasAnon = existsSync(anonymousIpTestDb);
if (hasAnon) {
  const anonReader = new Reader(readFileSync(anonymousIpTestDb));
  // The test file answers an empty record `{}` for unlisted networks, hence "with data" 100%.
  rateSync('maxmind Reader.get, GeoIP2 Anonymous IP (test db)', v4, (ip) => anonReader.get(ip), true);
}

header('Providers alone (no classification, no merge, no cache)');
const loc = createIpLocationDbProvider({ provider: 'ip-location-db' });
const answered = (a: ProviderAnswer) => (a.status === 'ok' ? a : null);
rateSync('ip-location-db provider, City + ASN, IPv4', v4, (ip) => answered(loc.lookup(ip, 4)), true);
rateSync('ip-location-db provider, City + ASN, IPv6', v6, (ip) => answered(loc.lookup(ip, 6)), true);
const locNoRecordCache = createIpLocationDbProvider({ provider: 'ip-location-db', recordCacheEntries: 0, ipv6: false });
rateSync('ip-location-db provider, City + ASN, IPv4, record cache off', v4, (ip) => answered(locNoRecordCache.lookup(ip, 4)), true);

header('Service: createIpIntel(...).lookup (classify + providers + merge), one core');
const cityAsnUncached = createIpIntel({ providers: [{ provider: 'ip-location-db' }], cache: { maxEntries: 0 } });
await rateAsync('City + ASN, uncached, IPv4 (await lookup)', v4, (ip) => cityAsnUncached.lookup(ip));
rateSync('City + ASN, uncached, IPv4 (lookupNow: no promise when local)', v4, (ip) => cityAsnUncached.lookupNow(ip));
const cityAsnNoRecordCache = createIpIntel({ providers: [{ provider: 'ip-location-db', recordCacheEntries: 0 }], cache: { maxEntries: 0 } });
await rateAsync('City + ASN, uncached, IPv4, decoded-record cache off too', v4, (ip) => cityAsnNoRecordCache.lookup(ip));
await cityAsnNoRecordCache.close();
await rateAsync('City + ASN, uncached, IPv6', v6, (ip) => cityAsnUncached.lookup(ip));
const cityAsnCached = createIpIntel({ providers: [{ provider: 'ip-location-db' }], cache: { maxEntries: N } });
for (const ip of v4) await cityAsnCached.lookup(ip);
await rateAsync('City + ASN, cached (every address already seen), IPv4', v4, (ip) => cityAsnCached.lookup(ip));
rateSync('City + ASN, cached, IPv4 (lookupNow)', v4, (ip) => cityAsnCached.lookupNow(ip));
if (hasAnon) {
  const providers = [
    { provider: 'ip-location-db' as const },
    { provider: 'maxmind' as const, databases: { anonymousIp: anonymousIpTestDb }, pollIntervalSeconds: 0 },
  ];
  const full = createIpIntel({ providers, cache: { maxEntries: 0 } });
  await rateAsync('City + ASN + Anonymous IP, uncached, IPv4', v4, (ip) => full.lookup(ip));
  rateSync('City + ASN + Anonymous IP, uncached, IPv4 (lookupNow)', v4, (ip) => full.lookupNow(ip));
  const fullCached = createIpIntel({ providers, cache: { maxEntries: N } });
  for (const ip of v4) await fullCached.lookup(ip);
  await rateAsync('City + ASN + Anonymous IP, cached, IPv4', v4, (ip) => fullCached.lookup(ip));
  rateSync('City + ASN + Anonymous IP, cached, IPv4 (lookupNow)', v4, (ip) => fullCached.lookupNow(ip));
  await full.close();
  await fullCached.close();
} else {
  console.log(`(Anonymous IP rows skipped: ${anonymousIpTestDb} not found)`);
}
await cityAsnUncached.close();
await cityAsnCached.close();
console.log('\nGoal: ≥ 200,000 uncached City + ASN lookups/s on one core.');
