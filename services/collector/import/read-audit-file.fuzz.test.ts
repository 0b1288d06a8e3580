import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, test } from 'vitest';
import { fuzzTally } from '../../../test/helpers/fuzz.ts';
import { openAuditFile, UnrecognisedExportError } from './read-audit-file.ts';

/**
 * Whatever file an investigator uploads (a cut download, binary, the wrong encoding, a
 * spreadsheet re-saved by hand), reading it either refuses the file with UnrecognisedExportError
 * or yields items: records, lines for quarantine, and at most one "unread" as the last item.
 * Never another exception.
 */
const tally = fuzzTally('import');
const dir = mkdtempSync(join(tmpdir(), 'tw-import-fuzz-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  tally.save();
});

const record = fc.record({
  Id: fc.uuid(),
  CreationTime: fc.date({ min: new Date('2020-01-01'), max: new Date('2030-01-01'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 19)),
  Workload: fc.constantFrom('AzureActiveDirectory', 'Exchange', 'SharePoint', 'MicrosoftTeams'),
  Operation: fc.string({ maxLength: 20 }),
  UserId: fc.string({ unit: 'binary', maxLength: 20 }),
  ClientIP: fc.oneof(fc.ipV4(), fc.ipV6(), fc.string({ maxLength: 10 })),
});
const csvCell = (s: string) => `"${s.replace(/"/g, '""')}"`;
/** A well-formed export of each kind the reader knows. */
const exportText = fc.oneof(
  fc.array(record, { maxLength: 6 }).map((rs) => JSON.stringify(rs, null, 2)),
  fc.array(record, { maxLength: 6 }).map((rs) => JSON.stringify(rs.map((r) => ({ AuditData: JSON.stringify(r), Operations: r.Operation })))),
  fc.array(record, { minLength: 1, maxLength: 6 }).map((rs) => rs.map((r) => JSON.stringify(r)).join('\n')),
  fc
    .array(record, { maxLength: 6 })
    .map((rs) =>
      ['CreationDate,UserIds,Operations,AuditData', ...rs.map((r) => [r.CreationTime, r.UserId, r.Operation, JSON.stringify(r)].map(csvCell).join(','))].join(
        '\r\n',
      ),
    ),
  record.map((r) => JSON.stringify({ value: [r] }, null, 2)),
);
const ENCODINGS = ['utf8', 'utf8-bom', 'utf16le', 'utf16le-bom', 'utf16be', 'latin1'] as const;
function encode(text: string, encoding: (typeof ENCODINGS)[number]): Buffer {
  if (encoding === 'utf8') return Buffer.from(text, 'utf8');
  if (encoding === 'utf8-bom') return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')]);
  if (encoding === 'latin1') return Buffer.from(text, 'latin1');
  const le = Buffer.from(text, 'utf16le');
  if (encoding === 'utf16le') return le;
  if (encoding === 'utf16le-bom') return Buffer.concat([Buffer.from([0xff, 0xfe]), le]);
  return Buffer.from(le).swap16();
}
/** A well-formed export, encoded some way, then cut, corrupted or padded with binary. */
const damagedFile = fc
  .tuple(
    exportText,
    fc.constantFrom(...ENCODINGS),
    fc.oneof(
      fc.constant({ kind: 'intact' as const }),
      fc.double({ min: 0, max: 1, noNaN: true }).map((at) => ({ kind: 'truncated' as const, at })),
      fc
        .array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 })
        .map((flips) => ({ kind: 'flipped' as const, flips })),
      fc.uint8Array({ minLength: 1, maxLength: 64 }).map((bytes) => ({ kind: 'appended' as const, bytes })),
    ),
  )
  .map(([text, encoding, damage]) => {
    const bytes = encode(text, encoding);
    if (damage.kind === 'truncated') return bytes.subarray(0, Math.floor(bytes.length * damage.at));
    if (damage.kind === 'flipped') {
      const out = Buffer.from(bytes);
      for (const [at, byte] of damage.flips) if (out.length > 0) out[Math.min(out.length - 1, Math.floor(out.length * at))] = byte;
      return out;
    }
    if (damage.kind === 'appended') return Buffer.concat([bytes, damage.bytes]);
    return bytes;
  });

let files = 0;
async function readAll(bytes: Uint8Array) {
  const path = join(dir, `f${files++}`);
  writeFileSync(path, bytes);
  tally.add('files');
  let file;
  try {
    file = await openAuditFile(path);
  } catch (error) {
    if (!(error instanceof UnrecognisedExportError)) throw error;
    tally.add('filesRefused');
    return;
  }
  let unread = false;
  for await (const item of file.items()) {
    expect(unread, 'nothing after "unread"').toBe(false);
    if ('unread' in item) {
      expect(typeof item.unread).toBe('string');
      unread = true;
    } else if ('invalid' in item) {
      expect(typeof item.reason).toBe('string');
      tally.add('itemsQuarantined');
    } else {
      expect(item.at.number).toBeGreaterThan(0);
      tally.add('recordsRead');
    }
  }
  expect(file.bytesRead()).toBeLessThanOrEqual(file.size);
}

describe('reading an uploaded audit file', () => {
  test('damaged exports in any encoding', async () => {
    await fc.assert(
      fc.asyncProperty(damagedFile, (bytes) => readAll(bytes)),
      { numRuns: tally.runs(200) },
    );
  });

  test('random bytes', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.uint8Array({ maxLength: 200 }),
          // Random bytes that start like an export, so they get past the first look.
          fc
            .tuple(fc.constantFrom('[', '{', '{"a":1}\n', 'AuditData\n', '\ufeff[', '[\u0000'), fc.uint8Array({ maxLength: 200 }))
            .map(([start, rest]) => Buffer.concat([Buffer.from(start), rest])),
        ),
        (bytes) => readAll(bytes),
      ),
      { numRuns: tally.runs(150) },
    );
  });
});
