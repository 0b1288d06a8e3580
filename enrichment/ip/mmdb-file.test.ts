import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { classifyIpInto, formatIpv6Words } from './classify.ts';
import { openMmdbFile } from './mmdb-file.ts';
import { defaultIpLocationDbPaths } from './providers/ip-location-db.ts';
import { fixture, hasMaxmindFixtures, MAXMIND_FIXTURES } from '../../test/helpers/maxmind-fixtures.ts';

/** mulberry32, seeded: the same addresses every run. */
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

const word = (rnd: () => number) => Math.floor(rnd() * 4294967296) >>> 0;

/**
 * The same database with 32-bit search tree records: each 28-bit node (7 bytes) becomes 8 bytes,
 * record values are unchanged (they count nodes and data offsets, not bytes), and the metadata's
 * `record_size` (a uint16 holding 28) says 32.
 */
function withRecordSize32(buf: Buffer): Buffer {
  const marker = buf.lastIndexOf(Buffer.from('\xab\xcd\xefMaxMind.com', 'latin1'));
  const meta = buf.subarray(marker);
  const nodeCountAt = meta.indexOf('node_count') + 'node_count'.length;
  // uint32 with its size in the control byte.
  const size = meta[nodeCountAt]! & 0x1f;
  const nodeCount = meta.subarray(nodeCountAt + 1, nodeCountAt + 1 + size).reduce((n, b) => n * 256 + b, 0);
  const tree = Buffer.alloc(nodeCount * 8);
  for (let node = 0; node < nodeCount; node++) {
    const o = node * 7;
    const mid = buf[o + 3]!;
    tree.writeUInt32BE((((mid & 0xf0) << 20) | (buf[o]! << 16) | (buf[o + 1]! << 8) | buf[o + 2]!) >>> 0, node * 8);
    tree.writeUInt32BE((((mid & 0x0f) << 24) | (buf[o + 4]! << 16) | (buf[o + 5]! << 8) | buf[o + 6]!) >>> 0, node * 8 + 4);
  }
  const newMeta = Buffer.from(meta);
  const recordSizeAt = newMeta.indexOf('record_size') + 'record_size'.length;
  if (newMeta[recordSizeAt] !== 0xa1 || newMeta[recordSizeAt + 1] !== 28) throw new Error('unexpected record_size encoding');
  newMeta[recordSizeAt + 1] = 32;
  return Buffer.concat([tree, buf.subarray(nodeCount * 7, marker), newMeta]);
}

/**
 * The walk of the search tree by words must find exactly what the `maxmind` reader finds from
 * the text: the same record for every address, and nothing where it finds nothing.
 */
function expectSameAsReader(path: string, addresses: number, seed: number): { answered: number } {
  const db = openMmdbFile<unknown>(path, undefined, false, 1000);
  const rnd = prng(seed);
  const words = new Uint32Array(4);
  let answered = 0;
  for (let i = 0; i < addresses; i++) {
    const v6 = db.ipVersion === 6 && i % 2 === 1;
    let text: string;
    if (v6) {
      // Half in 2000::/4, where the data is, half anywhere.
      const w = [i % 4 === 1 ? (0x20000000 | (word(rnd) & 0x0fffffff)) >>> 0 : word(rnd), word(rnd), word(rnd), word(rnd)];
      text = formatIpv6Words(Uint32Array.from(w));
    } else {
      const n = word(rnd);
      text = `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
    }
    const c = classifyIpInto(text, words);
    if (c.kind === 'invalid' || c.version !== (v6 ? 6 : 4)) continue;
    const expected = db.reader.get(c.ip);
    const got = db.lookup(words, c.version, c.ip, (r) => r);
    expect(got, `${path}: ${c.ip}`).toEqual(expected);
    if (got !== null) answered++;
  }
  return { answered };
}

describe('LoadedMmdb.lookup (the search tree walked by words)', () => {
  it('finds what the reader finds in the free GeoLite2 City data (24-bit records), IPv4 and IPv6', () => {
    const paths = defaultIpLocationDbPaths();
    expect(expectSameAsReader(paths.cityIpv4, 20_000, 1).answered).toBeGreaterThan(5_000);
    expect(expectSameAsReader(paths.cityIpv6, 20_000, 2).answered).toBeGreaterThan(0);
  });

  it.skipIf(!hasMaxmindFixtures)('finds what the reader finds in every MaxMind test database (28-bit records, IPv4 inside IPv6 trees)', () => {
    const files = readdirSync(MAXMIND_FIXTURES).filter((f) => f.endsWith('-Test.mmdb'));
    expect(files.length).toBeGreaterThan(5);
    const sizes = new Set<number>();
    for (const f of files) {
      sizes.add(openMmdbFile(fixture(f), undefined, false).reader.metadata.recordSize);
      expectSameAsReader(fixture(f), 5_000, 3);
    }
    // Every address listed in a test file, not only random ones: those are where the data is.
    const city = openMmdbFile<{ city?: unknown }>(fixture('GeoIP2-City-Test.mmdb'), undefined, false, 100);
    const words = new Uint32Array(4);
    for (const ip of ['81.2.69.160', '2.125.160.216', '216.160.83.56', '89.160.20.112', '2001:218::1', '2a02:d300::1', '::ffff:81.2.69.160']) {
      const c = classifyIpInto(ip, words);
      if (c.kind === 'invalid') throw new Error(ip);
      expect(
        city.lookup(words, c.version, c.ip, (r) => r),
        ip,
      ).toEqual(city.reader.get(c.ip));
      expect(city.reader.get(c.ip), ip).not.toBeNull();
    }
    expect([...sizes]).toContain(28);
  });

  it.skipIf(!hasMaxmindFixtures)('walks 32-bit records too (the City test file rewritten with them)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mmdb32-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'GeoIP2-City-Test-32.mmdb');
    writeFileSync(path, withRecordSize32(readFileSync(fixture('GeoIP2-City-Test.mmdb'))));
    const db = openMmdbFile(path, undefined, true);
    expect(db.reader.metadata.recordSize).toBe(32);
    expectSameAsReader(path, 5_000, 4);
    const words = new Uint32Array(4);
    classifyIpInto('81.2.69.160', words);
    expect(db.lookup(words, 4, '81.2.69.160', (r) => r)).toMatchObject({ city: { names: { en: 'London' } } });
  });

  it('memoises the mapped record, shared by every address of the network', () => {
    const db = openMmdbFile<{ country_code?: string }>(defaultIpLocationDbPaths().cityIpv4, undefined, false, 10);
    const words = new Uint32Array(4);
    let calls = 0;
    const map = (r: { country_code?: string }) => {
      calls++;
      return { country: r.country_code };
    };
    classifyIpInto('81.2.69.160', words);
    const a = db.lookup(words, 4, '81.2.69.160', map);
    classifyIpInto('81.2.69.161', words);
    const b = db.lookup(words, 4, '81.2.69.161', map);
    expect(a).toEqual({ country: 'GB' });
    expect(b).toBe(a);
    expect(calls).toBe(1);
    // An IPv4-only file has nothing for IPv6.
    classifyIpInto('2a02:c7c:1234::1', words);
    expect(db.lookup(words, 6, '2a02:c7c:1234::1', map)).toBeNull();
  });
});
