import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { activity, activityQuarantine, msp, tenant } from '../../../db/schema/index.ts';
import { createTestDatabase } from '../../../test/helpers/database.ts';
import { importAuditFile } from './import-audit-file.ts';
import { formatImportSummary, importExitCode } from './import-summary.ts';
import { detectEncoding, openAuditFile, UnrecognisedExportError } from './read-audit-file.ts';

const dir = mkdtempSync(join(tmpdir(), 'tw-import-'));
let handle: Awaited<ReturnType<typeof createTestDatabase>>;
let mspId: string;

/** A fresh tenant per test, so counts are the test's own. */
async function newTarget() {
  const [t] = await handle.database.db
    .insert(tenant)
    .values({ mspId, tenantGuid: randomUUID(), name: 'Contoso', primaryDomain: 'contoso.com', authMode: 'consent' })
    .returning();
  return { mspId, tenantId: t!.id };
}

const record = (n: number) => ({
  CreationTime: `2026-11-20T08:${String(n % 60).padStart(2, '0')}:11`,
  Id: `6f0e1c2d-0000-4000-8000-${String(n).padStart(12, '0')}`,
  Operation: 'New-InboxRule',
  OrganizationId: '7c1aec86-7bc7-44d0-a01c-72c2f196f29b',
  RecordType: 1,
  ResultStatus: 'True',
  UserType: 0,
  Version: 1,
  Workload: 'Exchange',
  ClientIP: `[2001:db8::${n}]:443`,
  // Attacker-written rule names: commas, quotes, newlines, markup.
  ObjectId: `contoso.onmicrosoft.com/alex\\rule, "${n}"\n<b>`,
  UserId: 'alex@contoso.com',
  Parameters: [{ Name: 'Name', Value: `rule, "${n}"` }],
});
const records = [1, 2, 3].map(record);

function write(name: string, content: string | Buffer) {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

const csvField = (s: string) => `"${s.replace(/"/g, '""')}"`;

beforeAll(async () => {
  handle = await createTestDatabase();
  const [m] = await handle.database.db.insert(msp).values({ name: 'Northwind' }).returning();
  mspId = m!.id;
});
afterAll(() => handle.drop());

describe('importAuditFile', () => {
  test.each([
    [
      'a Purview audit search CSV export',
      'purview-csv',
      () =>
        'RecordId,CreationDate,RecordType,Operation,UserId,AuditData,AssociatedAdminUnits,AssociatedAdminUnitsNames\r\n' +
        records
          .map((r) => [r.Id, '2026-11-20T08:01:11.0000000Z', 'ExchangeAdmin', r.Operation, r.UserId, csvField(JSON.stringify(r)), '', ''].join(','))
          .join('\r\n') +
        '\r\n',
    ],
    [
      'the older CSV layout, with a UTF-8 BOM',
      'purview-csv',
      () =>
        '\uFEFFCreationDate,UserIds,Operations,AuditData\n' +
        records.map((r) => ['2026-11-20', r.UserId, r.Operation, csvField(JSON.stringify(r))].join(',')).join('\n'),
    ],
    [
      'Search-UnifiedAuditLog | ConvertTo-Json (AuditData as a string, PowerShell escapes)',
      'json-array',
      () =>
        JSON.stringify(
          records.map((r, i) => ({
            RunspaceId: randomUUID(),
            RecordType: 1,
            CreationDate: '/Date(1763625671000)/',
            UserIds: r.UserId,
            Operations: r.Operation,
            AuditData: JSON.stringify(r),
            ResultIndex: i + 1,
            ResultCount: 3,
          })),
          null,
          4,
        ).replace(/</g, '\\u003c'),
    ],
    ['extraction tools: objects whose AuditData is an object', 'json-array', () => JSON.stringify(records.map((r) => ({ auditData: r, Source: 'tool' })))],
    ['a JSON array of raw records', 'json-array', () => JSON.stringify(records)],
    ['JSON lines of raw records', 'json-lines', () => records.map((r) => JSON.stringify(r)).join('\n') + '\n\n'],
    ['one pretty-printed record', 'json-object', () => JSON.stringify(records[0], null, 2)],
  ])('reads %s', async (_name, format, build) => {
    const target = await newTarget();
    const path = write(`${randomUUID()}.txt`, build());
    const progress: number[] = [];
    const summary = await importAuditFile(handle.database.db, target, path, (p) => progress.push(p.bytesRead));
    const expected = format === 'json-object' ? 1 : 3;
    expect(summary).toMatchObject({ format, read: expected, imported: expected, duplicates: 0, quarantined: 0, quarantine: [], unread: null });
    expect(importExitCode(summary)).toBe(0);
    expect(progress.at(-1)).toBeGreaterThan(0);
    const rows = await handle.database.db
      .select()
      .from(activity)
      .where(and(eq(activity.tenantId, target.tenantId), eq(activity.source, 'import')));
    expect(rows.map((r) => r.raw)).toEqual(expect.arrayContaining(records.slice(0, expected)));
    expect(rows[0]).toMatchObject({ operation: 'New-InboxRule', actorUpn: 'alex@contoso.com' });
    expect(rows.map((r) => r.clientIp).sort()).toEqual(['2001:db8::1', '2001:db8::2', '2001:db8::3'].slice(0, expected));
  });

  test('reads the UTF-16LE file Windows PowerShell 5 writes with >', async () => {
    const target = await newTarget();
    const text =
      '\uFEFF' +
      JSON.stringify(
        records.map((r) => ({ AuditData: JSON.stringify(r) })),
        null,
        4,
      );
    const path = write('ps5.json', Buffer.from(text, 'utf16le'));
    expect((await importAuditFile(handle.database.db, target, path)).imported).toBe(3);
  });

  test('importing the same file again imports nothing new', async () => {
    const target = await newTarget();
    const path = write('twice.jsonl', records.map((r) => JSON.stringify(r)).join('\n'));
    await importAuditFile(handle.database.db, target, path);
    expect(await importAuditFile(handle.database.db, target, path)).toMatchObject({ read: 3, imported: 0, duplicates: 3 });
  });

  test('bad items are quarantined with their line and reason and the rest is imported', async () => {
    const target = await newTarget();
    const path = write(
      'mixed.jsonl',
      [
        JSON.stringify(records[0]),
        '{"AuditData": "{not json"}',
        'garbage',
        JSON.stringify({ ...records[1], CreationTime: 'soon' }),
        JSON.stringify(records[2]),
      ].join('\n'),
    );
    const summary = await importAuditFile(handle.database.db, target, path);
    expect(summary).toMatchObject({ read: 5, imported: 2, quarantined: 3, unread: null });
    expect(summary.quarantine).toEqual([
      { at: { unit: 'line', number: 2 }, reason: expect.stringMatching(/AuditData is not valid JSON/) },
      { at: { unit: 'line', number: 3 }, reason: expect.stringMatching(/line is not valid JSON/) },
      { at: { unit: 'line', number: 4 }, reason: expect.stringMatching(/CreationTime is not a date/) },
    ]);
    const reasons = (await handle.database.db.select().from(activityQuarantine).where(eq(activityQuarantine.tenantId, target.tenantId))).map((q) => q.reason);
    expect(reasons).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^line 2: AuditData is not valid JSON/),
        expect.stringMatching(/^line 3: line is not valid JSON/),
        expect.stringMatching(/^line 4: .*CreationTime is not a date/),
      ]),
    );
    expect(importExitCode(summary)).toBe(1);
  });

  test('one malformed CSV row is quarantined with its line number; the 200 good rows around it are imported', async () => {
    const target = await newTarget();
    const row = (n: number) =>
      [`rec-${n}`, '2026-11-20T08:01:11.0000000Z', 'ExchangeAdmin', 'New-InboxRule', 'alex@contoso.com', csvField(JSON.stringify(record(n)))].join(',');
    const lines = ['RecordId,CreationDate,RecordType,Operation,UserId,AuditData'];
    for (let n = 1; n <= 100; n += 1) lines.push(row(n));
    // Line 102: a stray quote inside an unquoted field.
    lines.push(['rec-bad', '2026-11-20T08:01:11.0000000Z', 'ExchangeAdmin', 'New-InboxRule', 'Us"er', csvField(JSON.stringify(record(999)))].join(','));
    for (let n = 101; n <= 200; n += 1) lines.push(row(n));
    const path = write('bad-row.csv', lines.join('\r\n') + '\r\n');

    const summary = await importAuditFile(handle.database.db, target, path);
    expect(summary).toMatchObject({ format: 'purview-csv', imported: 200, quarantined: 1, unread: null });
    expect(summary.quarantine).toEqual([{ at: { unit: 'line', number: 102 }, reason: expect.stringMatching(/not valid CSV.*quote/i) }]);
    expect(importExitCode(summary)).toBe(1);
    const printed = formatImportSummary(
      { ...summary, detection: { processed: 0, eventsCreated: 0, eventsUpdated: 0, eventIds: [] } },
      { tenant: 'Contoso', file: 'bad-row.csv' },
    );
    expect(printed[0]).toBe('Imported 200 records into Contoso from bad-row.csv (purview-csv): 0 already stored, 1 quarantined.');
    expect(printed).toContainEqual(expect.stringMatching(/^ {2}line 102: the row is not valid CSV/));
    const [quarantined] = await handle.database.db.select().from(activityQuarantine).where(eq(activityQuarantine.tenantId, target.tenantId));
    expect(quarantined).toMatchObject({ reason: expect.stringMatching(/^line 102: /), raw: expect.stringContaining('rec-bad') });
  });

  test('a CSV row whose quote swallows the next line is quarantined at the line it began; later rows keep their line numbers', async () => {
    const row = (n: number) => [`rec-${n}`, '2026-11-20', 'alex@contoso.com', csvField(JSON.stringify(record(n)))].join(',');
    const path = write('unclosed.csv', ['RecordId,CreationDate,UserId,AuditData', row(1), 'rec-bad,2026-11-20,"alex', row(2), row(3)].join('\r\n') + '\r\n');
    const items = [];
    for await (const item of (await openAuditFile(path)).items()) items.push(item);
    expect(items.map((i) => ('unread' in i ? 'unread' : `${'record' in i ? 'record' : 'invalid'} ${i.at.number}`))).toEqual([
      'record 2',
      'invalid 3',
      'record 5',
    ]);
  });

  test('a truncated JSON export keeps the records before the cut, says where it stopped and fails the exit status', async () => {
    const target = await newTarget();
    const full = JSON.stringify(records);
    const path = write('cut.json', full.slice(0, full.lastIndexOf('{"CreationTime"') + 40));
    const summary = await importAuditFile(handle.database.db, target, path);
    expect(summary).toMatchObject({ imported: 2, quarantined: 0, unread: expect.stringMatching(/not valid JSON after record 2/) });
    expect(importExitCode(summary)).toBe(1);
    const printed = formatImportSummary(
      { ...summary, detection: { processed: 2, eventsCreated: 0, eventsUpdated: 0, eventIds: [] } },
      { tenant: 'Contoso', file: 'cut.json' },
    );
    expect(printed).toContainEqual(expect.stringMatching(/^NOT READ TO THE END: the file is not valid JSON after record 2/));
  });

  test.each([
    ['UTF-16LE', 'utf16le' as const, (b: Buffer) => b],
    ['UTF-16BE', 'utf16le' as const, (b: Buffer) => Buffer.from(b).swap16()],
  ])('reads %s without a byte-order mark', async (name, encoding, order) => {
    const target = await newTarget();
    const text = JSON.stringify(
      records.map((r) => ({ AuditData: JSON.stringify(r) })),
      null,
      4,
    );
    const path = write(`${name}.json`, order(Buffer.from(text, encoding)));
    const summary = await importAuditFile(handle.database.db, target, path);
    expect(summary).toMatchObject({ encoding: name.toLowerCase(), format: 'json-array', imported: 3, quarantined: 0, unread: null });
    expect(importExitCode(summary)).toBe(0);
  });

  test('a BOM-less UTF-16LE CSV is read too', async () => {
    const target = await newTarget();
    const csv =
      'CreationDate,UserIds,Operations,AuditData\r\n' +
      records.map((r) => ['2026-11-20', r.UserId, r.Operation, csvField(JSON.stringify(r))].join(',')).join('\r\n');
    expect(await importAuditFile(handle.database.db, target, write('ps.csv', Buffer.from(csv, 'utf16le')))).toMatchObject({
      encoding: 'utf-16le',
      imported: 3,
    });
  });

  test.each([
    ['UTF-8 text', Buffer.from('[{"a":1}]'), 'utf-8'],
    ['UTF-8 with accents', Buffer.from('RecordId,Opération,AuditData\n'), 'utf-8'],
    ['UTF-16LE with BOM', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('[', 'utf16le')]), 'utf-16le'],
    ['UTF-16BE with BOM', Buffer.from([0xfe, 0xff, 0x00, 0x5b]), 'utf-16be'],
    ['one character', Buffer.from('['), 'utf-8'],
  ])('detects the encoding of %s', (_name, bytes, expected) => {
    expect(detectEncoding(bytes)).toBe(expected);
  });

  test('a malformed record inside a JSON array is quarantined with its number and line; the records after it are imported', async () => {
    const target = await newTarget();
    const text = JSON.stringify(records, null, 2);
    // The second record's first value broken: the array itself is intact.
    const broken = text.replace('"CreationTime": "2026-11-20T08:02:11"', '"CreationTime": 2026-11-20');
    const summary = await importAuditFile(handle.database.db, target, write('broken.json', broken));
    expect(summary).toMatchObject({ read: 3, imported: 2, quarantined: 1, unread: null });
    const line = broken.split('\n').findIndex((l) => l.includes('2026-11-20,')) + 1;
    expect(summary.quarantine).toEqual([
      { at: { unit: 'record', number: 2 }, reason: expect.stringMatching(new RegExp(`^not valid JSON \\(the record begins on line ${line - 1}\\)`)) },
    ]);
  });

  /** The 1-based line `at` (an index into `text`) is on. */
  const lineAt = (text: string, at: number) => text.slice(0, at).split('\n').length;
  const pretty = JSON.stringify(records, null, 2);
  const third = pretty.lastIndexOf('\n  {') + 1;
  test.each([
    ['cut inside a record', pretty.slice(0, third + 30), 2, `the file ends inside record 3, which begins on line ${lineAt(pretty, third)}`],
    ['cut between records', pretty.slice(0, third - 1), 2, `the file ends on line ${lineAt(pretty, third - 1)} before the array's closing ]`],
    [
      'followed by binary bytes',
      `${pretty}\n\u0007\u0000`,
      3,
      `text after the array's closing ] on line ${lineAt(pretty, pretty.length) + 1}: the character U+0007`,
    ],
  ])('a JSON export %s keeps the records before and says where it stopped', async (_name, text, before, reason) => {
    const target = await newTarget();
    const summary = await importAuditFile(handle.database.db, target, write(`${randomUUID()}.json`, text));
    expect(summary.unread).toBe(`the file is not valid JSON after record ${before}: ${reason}`);
    expect(summary.imported).toBe(before);
  });

  test.each([
    [
      'a Windows-1252 CSV (é as one byte) read as UTF-8',
      () =>
        Buffer.concat([
          Buffer.from(
            'CreationDate,UserIds,Operations,AuditData\n' +
              records
                .slice(0, 2)
                .map((r) => ['2026-11-20', r.UserId, r.Operation, csvField(JSON.stringify(r))].join(','))
                .join('\n') +
              '\n',
          ),
          Buffer.from(['2026-11-20', 'ren\u00e9@contoso.com', 'x', csvField(JSON.stringify(records[2]))].join(','), 'latin1'),
        ]),
      4,
      2,
    ],
    [
      'binary bytes in the middle of JSON lines',
      () =>
        Buffer.concat([
          Buffer.from(
            records
              .slice(0, 2)
              .map((r) => JSON.stringify(r))
              .join('\n') + '\n',
          ),
          Buffer.from([0x89, 0x50, 0x4e, 0x47, 0xff, 0xfe, 0x0a]),
        ]),
      3,
      2,
    ],
  ])('%s: the reading stops at the line of the first invalid byte, with what came before imported', async (_name, bytes, line, imported) => {
    const target = await newTarget();
    const summary = await importAuditFile(handle.database.db, target, write(`${randomUUID()}.txt`, bytes()));
    expect(summary.unread).toMatch(
      new RegExp(`^the file is not valid UTF-8 text on line ${line} \\(byte \\d+\\): a binary file, or text saved in another encoding\\?`),
    );
    expect(summary.imported).toBe(imported);
    expect(
      formatImportSummary({ ...summary, detection: { processed: 0, eventsCreated: 0, eventsUpdated: 0, eventIds: [] } }, { tenant: 'Contoso', file: 'x' }),
    ).toContainEqual(expect.stringMatching(/^NOT READ TO THE END: the file is not valid UTF-8 text on line/));
  });

  test.each([
    ['UTF-8 with a BOM', (t: string) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(t)]), 'utf-8'],
    ['UTF-16LE with a BOM', (t: string) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(t, 'utf16le')]), 'utf-16le'],
    ['UTF-16BE with a BOM', (t: string) => Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(t, 'utf16le').swap16()]), 'utf-16be'],
  ])('a JSON array in %s is read whole', async (_name, encode, encoding) => {
    const target = await newTarget();
    const text = JSON.stringify(
      records.map((r) => ({ AuditData: JSON.stringify(r), Operations: 'Opération' })),
      null,
      4,
    );
    const summary = await importAuditFile(handle.database.db, target, write(`${randomUUID()}.json`, encode(text)));
    expect(summary).toMatchObject({ encoding, format: 'json-array', imported: 3, quarantined: 0, unread: null });
  });

  test('a binary file is refused before anything is read', async () => {
    const path = write('photo.png', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d]));
    await expect(openAuditFile(path)).rejects.toThrow(/not an audit export Tenantwatch can read/);
  });

  test('a file that is no audit export is refused with a clear message', async () => {
    const path = write('notes.txt', 'Dear diary,\nnothing to see here\n');
    await expect(openAuditFile(path)).rejects.toThrow(UnrecognisedExportError);
    await expect(openAuditFile(path)).rejects.toThrow(/Purview audit search CSV/);
  });
});
