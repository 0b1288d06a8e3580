import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { createPrng } from '../../services/sim/m365/prng.ts';
import { APPS, signInRecords } from '../../services/sim/m365/scenarios/builders.ts';
import { CONTOSO, USUAL_NETWORKS } from '../../services/sim/m365/scenarios/index.ts';
import { createPerson } from '../../services/sim/m365/scenarios/people.ts';

/** The export `npm run bench:ingest` reads, unless told otherwise: the same bytes for anyone. */
export const SIGN_IN_EXPORT = { records: 100_000, users: 500, addresses: 7, failedShare: 0.1, seed: 'tenantwatch-ingest-1' } as const;

/** Documentation-range addresses (RFC 5737 and RFC 3849): the export's seven sign-in sources. */
const ADDRESSES = ['203.0.113.10', '203.0.113.11', '198.51.100.23', '198.51.100.140', '192.0.2.77', '2001:db8:1:4a0::1c', '2001:db8:de:20::5'];

/**
 * Writes a Search-UnifiedAuditLog sign-in export as `Search-UnifiedAuditLog | ConvertTo-Json`
 * does (an array of wrappers whose AuditData is the record as a JSON string, four-space
 * indentation), built with the simulator's own sign-in records: `users` people of Contoso,
 * `addresses` source addresses, `failedShare` of the sign-ins failed with a bad password, one
 * every six seconds. Seeded: the same options give the same bytes. Streams to disk, so a file of
 * any size takes no more memory than a record.
 * @example await writeSignInExport('/tmp/signins.json', { records: 1_000 })
 * @returns the file's size in bytes
 */
export async function writeSignInExport(
  path: string,
  options: { records?: number; users?: number; addresses?: number; failedShare?: number; seed?: string } = {},
): Promise<number> {
  const { records, users, addresses, failedShare, seed } = { ...SIGN_IN_EXPORT, ...options };
  const prng = createPrng(seed);
  const start = Date.UTC(2026, 10, 2, 6, 0, 0);
  const taken = new Set<string>();
  const people = Array.from({ length: users }, () => createPerson(CONTOSO, prng, start, taken));
  const ips = ADDRESSES.slice(0, Math.max(1, Math.min(addresses, ADDRESSES.length)));
  const out = createWriteStream(path);
  let bytes = 0;
  const write = async (text: string) => {
    bytes += Buffer.byteLength(text);
    if (!out.write(text)) await once(out, 'drain');
  };
  await write('[\r\n');
  for (let i = 0; i < records; i += 1) {
    const at = start + i * 6_000;
    const failed = prng.chance(failedShare);
    const { audit } = signInRecords(CONTOSO, prng, {
      person: prng.pick(people),
      at,
      network: USUAL_NETWORKS.contosoOffice,
      app: APPS.officeHome,
      errorCode: failed ? 50126 : 0,
      ipAddress: prng.pick(ips),
    });
    const wrapper = {
      RunspaceId: prng.guid(),
      RecordType: 'AzureActiveDirectoryStsLogon',
      CreationDate: `/Date(${at})/`,
      UserIds: audit.UserId,
      Operations: audit.Operation,
      AuditData: JSON.stringify(audit),
      ResultIndex: (i % 5_000) + 1,
      ResultCount: 5_000,
      Identity: audit.Id,
      IsValid: true,
      ObjectState: 'Unchanged',
    };
    const text = JSON.stringify(wrapper, null, 4).replace(/\n/g, '\r\n    ');
    await write(`    ${text}${i + 1 < records ? ',' : ''}\r\n`);
  }
  await write(']\r\n');
  out.end();
  await once(out, 'finish');
  return bytes;
}
