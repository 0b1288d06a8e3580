/**
 * IP enrichment throughput: `npx tsx bench/enrich.ts` (or `npm run bench:enrich`).
 *
 * Two data paths, each through the product's service (`createIpIntel`):
 * - the default, City + ASN from the free npm data (@ip-location-db GeoLite2 City mmdb + ASN
 *   CSV), with nothing configured;
 * - MaxMind City + ASN databases (`maxmind` provider). Point BENCH_MAXMIND_CITY and
 *   BENCH_MAXMIND_ASN at real GeoIP2/GeoLite2 files (geoipupdate's); without them it uses
 *   MaxMind's test databases in ../shared/fixtures/maxmind, same format and record shapes but
 *   a few hundred networks, with addresses drawn from those networks so every lookup decodes a
 *   real record.
 * Anonymous IP comes from MaxMind's GeoIP2-Anonymous-IP test database (the real one is paid).
 * Addresses: seeded pseudo-random public IPv4 and IPv6, all distinct, so every run asks the same
 * and "uncached" (the service's result cache off) means every lookup does the work. One process,
 * sequential lookups. Each row prints lookups per second of wall time and per second of the
 * process's CPU time: on a shared machine the second moves less. Figures only, no assertions.
 * For memory figures run `node --expose-gc --import tsx bench/enrich.ts`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Reader } from 'maxmind';
import { classifyIp, formatIpv6Words, parseIpv6Words } from '../enrichment/ip/classify.ts';
import { createIpIntel, type IpIntelResult, type ProviderAnswer } from '../enrichment/ip/index.ts';
import { createIpLocationDbProvider, defaultIpLocationDbPaths } from '../enrichment/ip/providers/ip-location-db.ts';
import { fmt, header, mb, reportFigure } from './util.ts';

const N = 200_000;
// Record caches (recordCacheEntries, default 50,000 records per file, decoded and mapped) stay on
// in "uncached" rows: "uncached" means the service's result cache is off and every address is
// new. Rows marked "record cache off" show both off.
const SEED = 0x7e4a47;
const maxmindFixtures = resolve(import.meta.dirname, '../../shared/fixtures/maxmind');
const anonymousIpTestDb = resolve(maxmindFixtures, 'GeoIP2-Anonymous-IP-Test.mmdb');

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
  const out = new Set<string>();
  while (out.size < n) {
    const v = Math.floor(rnd() * 4294967296);
    const ip = `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
    if (classifyIp(ip).kind === 'public') out.add(ip);
  }
  return [...out];
}

/** Anywhere in 2000::/4: most of it is not allocated, so most lookups find no data. */
function publicIpv6s(n: number, seed: number): string[] {
  const rnd = prng(seed);
  const h = () => Math.floor(rnd() * 65536).toString(16);
  const out = new Set<string>();
  while (out.size < n) {
    const ip = `2${Math.floor(rnd() * 4096)
      .toString(16)
      .padStart(3, '0')}:${h()}:${h()}:${h()}:${h()}:${h()}:${h()}:${h()}`;
    const c = classifyIp(ip);
    if (c.kind === 'public') out.add(c.ip);
  }
  return [...out];
}

/** Inside announced networks (ranges of the ASN CSV), where users are. */
function announcedIpv6s(n: number, seed: number, csvPath: string): string[] {
  const rnd = prng(seed);
  const lines = readFileSync(csvPath, 'utf8')
    .split('\n')
    .filter((l) => l.includes(','));
  const start = new Uint32Array(4);
  const end = new Uint32Array(4);
  const out = new Set<string>();
  while (out.size < n) {
    const [from, to] = lines[Math.floor(rnd() * lines.length)]!.split(',');
    if (!parseIpv6Words(from!, start) || !parseIpv6Words(to!, end)) continue;
    const ip = Uint32Array.from(start);
    ip[2] = (start[2]! | Math.floor(rnd() * 65536)) >>> 0;
    ip[3] = Math.floor(rnd() * 4294967296) >>> 0;
    const above = ip.findIndex((w, i) => w !== end[i]);
    if (above >= 0 && ip[above]! > end[above]!) continue;
    const c = classifyIp(formatIpv6Words(ip));
    if (c.kind === 'public') out.add(c.ip);
  }
  return [...out];
}

/** Public addresses inside the networks a MaxMind `*.source.json` lists (IPv4 ones). */
function addressesInSourceNetworks(n: number, seed: number, sourceJson: string): string[] {
  const rnd = prng(seed);
  const nets = (JSON.parse(readFileSync(sourceJson, 'utf8')) as Record<string, unknown>[])
    .flatMap((item) => Object.keys(item))
    // IPv4 networks are written `a.b.c.d/p` or, in IPv6 trees, `::a.b.c.d/(p + 96)`.
    .filter((cidr) => cidr.includes('.') && (!cidr.includes(':') || cidr.startsWith('::')))
    .map((cidr) => {
      const [base, prefix] = cidr.replace(/^::/, '').split('/');
      const bits = cidr.startsWith('::') ? Number(prefix) - 96 : Number(prefix);
      return { base: base!.split('.').reduce((v, p) => v * 256 + Number(p), 0), size: 2 ** (32 - bits) };
    });
  const out = new Set<string>();
  for (let tries = 0; out.size < n && tries < n * 20; tries++) {
    const net = nets[Math.floor(rnd() * nets.length)]!;
    const v = net.base + Math.floor(rnd() * net.size);
    const ip = `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
    if (classifyIp(ip).kind === 'public') out.add(ip);
  }
  return [...out];
}

/** Lookups per second by label, for the figures reported at the end of a section. */
const rates = new Map<string, number>();

function report(label: string, count: number, wallS: number, cpuS: number, extra = ''): void {
  rates.set(label, count / wallS);
  const perCpu = cpuS > 0 ? `, ${fmt(count / cpuS, 0)}/CPU-s` : '';
  console.log(`${label.padEnd(66)} ${fmt(count / wallS, 0).padStart(10)} lookups/s  (${fmt((wallS * 1e6) / count, 2)} µs each${perCpu}${extra})`);
}

function rateSync(label: string, ips: readonly string[], fn: (ip: string) => unknown, countAnswered = false): void {
  for (let i = 0; i < Math.min(20_000, ips.length); i++) fn(ips[i]!); // warm-up: JIT
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  let hits = 0;
  for (const ip of ips) if (fn(ip) != null) hits++;
  const c = process.cpuUsage(c0);
  const s = (performance.now() - t0) / 1000;
  report(label, ips.length, s, (c.user + c.system) / 1e6, countAnswered ? `, ${fmt((100 * hits) / ips.length, 0)}% with data` : '');
}

async function rateAsync(label: string, ips: readonly string[], fn: (ip: string) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < Math.min(20_000, ips.length); i++) await fn(ips[i]!);
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  for (const ip of ips) await fn(ip);
  const c = process.cpuUsage(c0);
  report(label, ips.length, (performance.now() - t0) / 1000, (c.user + c.system) / 1e6);
}

/** The service's answer when it found anything for the address, else null (for "% with data"). */
function found(r: IpIntelResult | Promise<IpIntelResult>): IpIntelResult | null {
  if (r instanceof Promise) throw new Error('a local database answered asynchronously');
  const i = r.intel;
  return i.location || i.network || i.usage || i.anonymizer ? r : null;
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
const paths = defaultIpLocationDbPaths();
const v6Announced = announcedIpv6s(N / 10, SEED + 2, paths.asnIpv6);

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
    console.log(
      `ASN ranges: ${p.stats.asnRanges.ipv4.toLocaleString('en-US')} IPv4 + ${p.stats.asnRanges.ipv6.toLocaleString('en-US')} IPv6 in ${mb(p.stats.asnRanges.bytes)} (typed arrays + names); ${p.stats.asnRanges.overlapsClipped} overlapping rows clipped`,
    );
  }
  p.close();
}

header('Bare maxmind (mmdb-lib Reader.get), single database, same addresses');
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
rateSync('ip-location-db provider, City + ASN, IPv6 in 2000::/4', v6, (ip) => answered(loc.lookup(ip, 6)), true);
rateSync('ip-location-db provider, City + ASN, IPv6 in announced networks', v6Announced, (ip) => answered(loc.lookup(ip, 6)), true);
const locNoRecordCache = createIpLocationDbProvider({ provider: 'ip-location-db', recordCacheEntries: 0, ipv6: false });
rateSync('ip-location-db provider, City + ASN, IPv4, record cache off', v4, (ip) => answered(locNoRecordCache.lookup(ip, 4)), true);

header('Service, default data: createIpIntel(...) with ip-location-db City + ASN (classify + providers + merge), one core');
const cityAsnUncached = createIpIntel({ providers: [{ provider: 'ip-location-db' }], cache: { maxEntries: 0 } });
await rateAsync('City + ASN, uncached, IPv4 (await lookup)', v4, (ip) => cityAsnUncached.lookup(ip));
rateSync('City + ASN, uncached, IPv4 (lookupNow: no promise when local)', v4, (ip) => found(cityAsnUncached.lookupNow(ip)), true);
reportFigure({
  figure: 'IP enrichment, City + ASN uncached lookups (IPv4, await lookup)',
  value: Math.round(rates.get('City + ASN, uncached, IPv4 (await lookup)')!),
  unit: 'lookups/s',
  goal: 'at least 200,000 /s on one core',
  baseline: 'bare maxmind Reader.get, City alone',
  baselineValue: Math.round(rates.get('maxmind Reader.get, GeoLite2 City IPv4 (npm)')!),
  command: 'npm run bench:enrich',
});
const cityAsnNoRecordCache = createIpIntel({ providers: [{ provider: 'ip-location-db', recordCacheEntries: 0 }], cache: { maxEntries: 0 } });
await rateAsync('City + ASN, uncached, IPv4, decoded-record cache off too', v4, (ip) => cityAsnNoRecordCache.lookup(ip));
await cityAsnNoRecordCache.close();
rateSync('City + ASN, uncached, IPv6 in 2000::/4 (lookupNow)', v6, (ip) => found(cityAsnUncached.lookupNow(ip)), true);
rateSync('City + ASN, uncached, IPv6 in announced networks (lookupNow)', v6Announced, (ip) => found(cityAsnUncached.lookupNow(ip)), true);
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

const maxmindCity = process.env.BENCH_MAXMIND_CITY ?? resolve(maxmindFixtures, 'GeoIP2-City-Test.mmdb');
const maxmindAsn = process.env.BENCH_MAXMIND_ASN ?? resolve(maxmindFixtures, 'GeoLite2-ASN-Test.mmdb');
const realMaxmind = process.env.BENCH_MAXMIND_CITY !== undefined;
if (existsSync(maxmindCity) && existsSync(maxmindAsn)) {
  header(
    `Service, MaxMind City + ASN databases: maxmind provider (${realMaxmind ? 'BENCH_MAXMIND_CITY / BENCH_MAXMIND_ASN' : 'MaxMind test databases: set BENCH_MAXMIND_CITY and BENCH_MAXMIND_ASN for real ones'})`,
  );
  console.log(`city: ${maxmindCity}\nasn:  ${maxmindAsn}`);
  const databases = { city: maxmindCity, asn: maxmindAsn };
  // Real files cover the address space; the test files only the networks they list.
  const mmV4 = realMaxmind ? v4 : addressesInSourceNetworks(N, SEED + 3, resolve(maxmindFixtures, 'GeoIP2-City-Test.source.json'));
  if (!realMaxmind) console.log(`${mmV4.length.toLocaleString('en-US')} distinct public IPv4 addresses inside the test file's networks`);
  const bareCity = new Reader(readFileSync(maxmindCity));
  rateSync('maxmind Reader.get, City alone (bare library, for comparison)', mmV4, (ip) => bareCity.get(ip), true);
  const mm = createIpIntel({ providers: [{ provider: 'maxmind', databases, pollIntervalSeconds: 0 }], cache: { maxEntries: 0 } });
  rateSync('MaxMind City + ASN, uncached, IPv4 (lookupNow)', mmV4, (ip) => found(mm.lookupNow(ip)), true);
  await rateAsync('MaxMind City + ASN, uncached, IPv4 (await lookup)', mmV4, (ip) => mm.lookup(ip));
  const mmNoRecordCache = createIpIntel({
    providers: [{ provider: 'maxmind', databases, pollIntervalSeconds: 0, recordCacheEntries: 0 }],
    cache: { maxEntries: 0 },
  });
  rateSync('MaxMind City + ASN, uncached, IPv4, decoded-record cache off too', mmV4, (ip) => mmNoRecordCache.lookupNow(ip));
  const mmV6 = realMaxmind ? v6Announced : v6;
  rateSync('MaxMind City + ASN, uncached, IPv6 (lookupNow)', mmV6, (ip) => found(mm.lookupNow(ip)), true);
  await mm.close();
  await mmNoRecordCache.close();
} else {
  console.log(`(MaxMind City + ASN rows skipped: ${maxmindCity} or ${maxmindAsn} not found)`);
}
console.log('\nGoal: ≥ 200,000 uncached City + ASN lookups/s on one core.');
