/**
 * MaxMind databases the customer points to (GeoIP2 or GeoLite2, as geoipupdate keeps them):
 * one path per database type. Each file's type is read from its metadata and must match its
 * slot (a Country file in the City slot is a configuration mistake worth saying out loud).
 * A broken or missing file makes only its own slot unavailable; the others keep answering.
 */
import { z } from 'zod';
import { addressWords } from '../classify.ts';
import { mergeIntel } from '../merge.ts';
import {
  anonymizerFromMaxmind,
  locationFromMaxmind,
  networkFromMaxmind,
  usageFromMaxmind,
  type MaxmindFlatRecord,
  type MaxmindGeoRecord,
} from '../maxmind-records.ts';
import { WatchedMmdb, type MmdbExpectation } from '../mmdb-file.ts';
import type { IpIntelProvider, PartialIpIntel, ProviderAnswer, ProviderHealth } from '../types.ts';
import type { ProviderContext } from '../provider-context.ts';

type Slot = keyof typeof SLOTS;

/**
 * Database slots in precedence order: for each field the first slot with a value wins
 * (Enterprise before City before Country; ISP before ASN).
 */
const SLOTS = {
  enterprise: exactly('GeoIP2-Enterprise'),
  city: matching(/^(GeoIP2|GeoLite2)-City(-[A-Za-z-]+)?$/, 'GeoIP2-City or GeoLite2-City'),
  country: matching(/^(GeoIP2|GeoLite2)-Country$/, 'GeoIP2-Country or GeoLite2-Country'),
  isp: exactly('GeoIP2-ISP'),
  asn: matching(/^(GeoLite2|GeoIP2)-ASN$/, 'GeoLite2-ASN'),
  connectionType: exactly('GeoIP2-Connection-Type'),
  ipRisk: exactly('GeoIP2-IP-Risk'),
  anonymousPlus: exactly('GeoIP-Anonymous-Plus'),
  anonymousIp: exactly('GeoIP2-Anonymous-IP'),
  residentialProxy: exactly('GeoIP-Residential-Proxy'),
} satisfies Record<string, MmdbExpectation>;

const slotNames = Object.keys(SLOTS) as Slot[];

const dbPath = z.string().trim().min(1, 'expected the path of a .mmdb file');

export const maxmindSettingsSchema = z
  .object({
    provider: z.literal('maxmind'),
    /** One path per database type, e.g. `{ city: '/var/lib/GeoIP/GeoIP2-City.mmdb' }`. */
    databases: z
      .object(Object.fromEntries(slotNames.map((s) => [s, dbPath.optional()])) as Record<Slot, z.ZodOptional<typeof dbPath>>)
      .strict()
      .refine((d) => Object.values(d).some((p) => p !== undefined), {
        message: `expected at least one database path (${slotNames.join(', ')})`,
      }),
    /** Language of place names; English is used where the database has no such name. */
    locale: z.string().min(2).default('en'),
    /** Check every file fully at load (search tree and data section); see mmdb-verify.ts. */
    verify: z.boolean().default(true),
    /** Decoded records kept per database file, so shared records are decoded once; 0 = off. */
    recordCacheEntries: z.number().int().min(0).default(50_000),
    /** How often to look for a replaced file, besides watching its directory; 0 = never. */
    pollIntervalSeconds: z.number().int().min(0).default(60),
  })
  .strict();
export type MaxmindSettings = z.input<typeof maxmindSettingsSchema>;

/** The `maxmind` provider with its database slots; `checkForUpdates` is what the watcher runs. */
export interface MaxmindProvider extends IpIntelProvider<'maxmind'> {
  /** Local files answer synchronously. */
  lookup(ip: string, version: 4 | 6): ProviderAnswer;
  checkForUpdates(): Promise<boolean>;
}

type AnyRecord = MaxmindGeoRecord & MaxmindFlatRecord;

export function createMaxmindProvider(input: MaxmindSettings, ctx: ProviderContext = {}): MaxmindProvider {
  const settings = maxmindSettingsSchema.parse(input);
  const locale = settings.locale;
  let notes: string[] = [];
  const refreshNotes = () => {
    notes = slots.filter((s) => s.db.current === null || s.db.error !== null).map((s) => describe(s.slot, s.db));
  };
  const slots = slotNames
    .filter((slot) => settings.databases[slot] !== undefined)
    .map((slot) => ({
      slot,
      // Memoised per record by the file (see LoadedMmdb.lookup): the result is shared. Some
      // files hold an empty record for unlisted networks: that is no data, not an answer.
      toIntel: (rec: AnyRecord): PartialIpIntel | null => {
        const intel = fromRecord(slot, rec, locale);
        return intel.location || intel.network || intel.usage || intel.anonymizer ? intel : null;
      },
      db: new WatchedMmdb<AnyRecord>(settings.databases[slot]!, {
        expect: SLOTS[slot],
        verify: settings.verify,
        recordCacheEntries: settings.recordCacheEntries,
        pollIntervalMs: settings.pollIntervalSeconds * 1000,
        onReload: () => {
          refreshNotes();
          ctx.onDataChanged?.();
        },
        onError: (err) => {
          refreshNotes();
          ctx.log?.('warn', `maxmind ${slot} database not reloaded: ${err.message}`);
        },
      }),
    }));
  refreshNotes();
  for (const s of slots) if (s.db.error) ctx.log?.('warn', `maxmind ${describe(s.slot, s.db)}`);

  // Reused across lookups: the provider answers synchronously, one lookup at a time.
  const found: { source: string; intel: PartialIpIntel }[] = [];

  return {
    name: 'maxmind',
    lookup(ip: string, version: 4 | 6, words?: Uint32Array): ProviderAnswer {
      found.length = 0;
      let usable = 0;
      let failures: string[] | undefined;
      const w = words ?? addressWords(ip, version);
      for (const { slot, db, toIntel } of slots) {
        const current = db.current;
        if (current === null) continue;
        usable++;
        // An IPv4-only tree would answer an IPv6 query from its first 32 bits: wrong data.
        if (version === 6 && current.ipVersion === 4) continue;
        let intel: PartialIpIntel | null;
        try {
          intel = current.lookup(w, version, ip, toIntel);
        } catch (err) {
          (failures ??= []).push(`${slot} database failed on this address: ${(err as Error).message}`);
          continue;
        }
        if (intel !== null) found.push({ source: slot, intel });
      }
      if (usable === 0) return { status: 'unavailable', reason: notes.join('; ') || 'no database loaded' };
      const all = failures ? [...notes, ...failures] : notes;
      const extra = all.length > 0 ? { notes: all } : {};
      if (found.length === 0) return { status: 'no-data', ...extra };
      const intel = found.length === 1 ? found[0]!.intel : mergeIntel(found).intel;
      return { status: 'ok', intel, ...extra };
    },
    health(): ProviderHealth {
      const details = slots.map((s) => describe(s.slot, s.db));
      const bad = slots.filter((s) => s.db.current === null).length;
      const stale = slots.filter((s) => s.db.error !== null).length;
      return { status: bad === slots.length ? 'unavailable' : stale > 0 ? 'degraded' : 'ok', details };
    },
    async checkForUpdates(): Promise<boolean> {
      const results = await Promise.all(slots.map((s) => s.db.checkForUpdates()));
      return results.some(Boolean);
    },
    close() {
      for (const s of slots) s.db.close();
    },
  };
}

function fromRecord(slot: Slot, rec: AnyRecord, locale: string): PartialIpIntel {
  const intel: PartialIpIntel = {};
  switch (slot) {
    case 'enterprise':
    case 'city':
    case 'country': {
      const location = locationFromMaxmind(rec, locale);
      if (location) intel.location = location;
      if (rec.traits) assignFlat(intel, rec.traits);
      break;
    }
    case 'isp':
    case 'asn':
    case 'connectionType':
      assignFlat(intel, rec);
      break;
    case 'ipRisk':
    case 'anonymousPlus':
    case 'anonymousIp':
    case 'residentialProxy': {
      const anonymizer = anonymizerFromMaxmind(rec, slot === 'residentialProxy' ? 'residential-proxy' : undefined);
      if (anonymizer) intel.anonymizer = anonymizer;
      break;
    }
  }
  return intel;
}

function assignFlat(intel: PartialIpIntel, flat: MaxmindFlatRecord): void {
  const network = networkFromMaxmind(flat);
  if (network) intel.network = network;
  const usage = usageFromMaxmind(flat);
  if (usage) intel.usage = usage;
  const anonymizer = anonymizerFromMaxmind(flat);
  if (anonymizer) intel.anonymizer = anonymizer;
}

function describe(slot: Slot, db: WatchedMmdb): string {
  const cur = db.current;
  const serving = cur ? `${cur.databaseType} built ${cur.buildEpoch.toISOString().slice(0, 10)} (${db.path})` : undefined;
  if (db.error === null) return `${slot}: ${serving}`;
  if (serving) return `${slot}: serving ${serving}; replacement rejected: ${db.error.message}`;
  return `${slot} database unavailable: ${db.error.message}`;
}

function exactly(type: string): MmdbExpectation {
  return { expected: type, accepts: (t) => t === type };
}

function matching(re: RegExp, expected: string): MmdbExpectation {
  return { expected, accepts: (t) => re.test(t) };
}
