import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { Transform } from 'node:stream';
import { parse as parseCsv, type CsvError } from 'csv-parse';
import streamArray from 'stream-json/streamers/stream-array.js';
import { containedRecords } from './entra-exports.ts';

/** Where an item sits in its file: a line (CSV, JSON lines) or the n-th record (JSON). */
export type ItemPosition = { unit: 'line' | 'record'; number: number };

/**
 * One item read from an export: a raw audit record, text that is not one (for quarantine), or
 * the point past which the file could not be read (a cut or corrupt file), always last.
 */
export type ExportItem = { record: unknown; at: ItemPosition } | { invalid: string; reason: string; at: ItemPosition } | { unread: string };

export type ExportFormat = 'purview-csv' | 'json-array' | 'json-object' | 'json-lines';

export type TextEncoding = 'utf-8' | 'utf-16le' | 'utf-16be';

export type AuditFile = {
  format: ExportFormat;
  encoding: TextEncoding;
  /** Total bytes, and bytes consumed so far, for a progress bar. */
  size: number;
  bytesRead(): number;
  items(): AsyncGenerator<ExportItem>;
};

/** "line 102", "record 5". */
export const describePosition = (at: ItemPosition) => `${at.unit} ${at.number}`;

/**
 * Opens an audit export of any of the forms investigators bring: a Purview audit search CSV
 * (the `AuditData` column), the JSON that `Search-UnifiedAuditLog | ConvertTo-Json` and the
 * common extraction tools write (objects whose `AuditData` is an object or a JSON string, or raw
 * records), or JSON lines. UTF-8 with or without BOM, and UTF-16 (little or big endian, with or
 * without BOM: Windows PowerShell 5 writes UTF-16LE with `>`), are read. Records stream: the
 * file is never held in memory whole, except a single pretty-printed JSON object.
 */
export async function openAuditFile(path: string): Promise<AuditFile> {
  const { size } = await stat(path);
  const head = await readHead(path, 64 * 1024);
  const encoding = detectEncoding(head);
  const text = new TextDecoder(encoding).decode(head.subarray(0, head.length - (head.length % 2)));
  const first = text.trimStart()[0];
  let file: ReturnType<typeof createReadStream> | undefined;
  const bytesRead = () => file?.bytesRead ?? 0;
  const source = () => {
    file = createReadStream(path);
    return file.pipe(decodeText(encoding));
  };
  const opened = (format: ExportFormat, items: () => AsyncGenerator<ExportItem>): AuditFile => ({ format, encoding, size, bytesRead, items });

  if (first === '[') return opened('json-array', () => jsonArrayItems(source(), bytesRead));
  if (first === '{') {
    const firstLine = text.trimStart().split(/\r?\n/, 1)[0]!;
    if (parsesAsJson(firstLine)) return opened('json-lines', () => jsonLineItems(source()));
    return opened('json-object', () => jsonObjectItems(source()));
  }
  const headerLine = text.split(/\r?\n/, 1)[0] ?? '';
  if (/(^|,)"?AuditData"?(,|$)/i.test(headerLine)) return opened('purview-csv', () => csvItems(source(), bytesRead));
  throw new UnrecognisedExportError(
    'This file is not an audit export Tenantwatch can read: expected a Purview audit search CSV (with an AuditData column), JSON (an array of records or of objects with AuditData, Entra ID sign-in or audit logs, Graph security alerts), or JSON lines.',
  );
}

export class UnrecognisedExportError extends Error {
  override name = 'UnrecognisedExportError';
}

/**
 * The byte-order mark when there is one; otherwise the NUL-byte pattern of text that is mostly
 * ASCII (`[`, `{`, letters): UTF-16LE puts the zero after each character, UTF-16BE before.
 * Exports re-saved by editors or tools often lose the BOM.
 * @example detectEncoding(Buffer.from('[{', 'utf16le')) === 'utf-16le'
 */
export function detectEncoding(head: Uint8Array): TextEncoding {
  if (head[0] === 0xff && head[1] === 0xfe) return 'utf-16le';
  if (head[0] === 0xfe && head[1] === 0xff) return 'utf-16be';
  const pairs = Math.min(64, Math.floor(head.length / 2));
  if (pairs === 0) return 'utf-8';
  let evenZeros = 0;
  let oddZeros = 0;
  for (let i = 0; i < pairs; i += 1) {
    if (head[2 * i] === 0) evenZeros += 1;
    if (head[2 * i + 1] === 0) oddZeros += 1;
  }
  if (oddZeros >= pairs * 0.75 && evenZeros === 0) return 'utf-16le';
  if (evenZeros >= pairs * 0.75 && oddZeros === 0) return 'utf-16be';
  return 'utf-8';
}

/** Bytes to text in the file's encoding (the BOM dropped), correct across chunk boundaries. */
function decodeText(encoding: TextEncoding): Transform {
  const decoder = new TextDecoder(encoding);
  return new Transform({
    decodeStrings: true,
    readableObjectMode: false,
    transform(chunk: Buffer, _enc, done) {
      done(null, decoder.decode(chunk, { stream: true }));
    },
    flush(done) {
      done(null, decoder.decode());
    },
  });
}

async function readHead(path: string, bytes: number): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(bytes);
    const { bytesRead } = await handle.read(buffer, 0, bytes, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

function parsesAsJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

type Parsed = { record: unknown } | { invalid: string; reason: string };

/**
 * An export element is either the raw record or a wrapper with `AuditData` (an object, or a
 * JSON string as Search-UnifiedAuditLog returns it). Property names are matched regardless of
 * case, since tools differ (AuditData / auditData).
 */
export function unwrap(element: unknown): Parsed {
  if (element === null || typeof element !== 'object' || Array.isArray(element)) {
    return { invalid: JSON.stringify(element) ?? String(element), reason: 'not an audit record (expected a JSON object)' };
  }
  const key = Object.keys(element).find((k) => k.toLowerCase() === 'auditdata');
  if (key === undefined) return { record: element };
  const data = (element as Record<string, unknown>)[key];
  if (typeof data === 'string') return parseJsonItem(data, 'AuditData');
  if (data !== null && typeof data === 'object') return { record: data };
  return { invalid: JSON.stringify(element), reason: 'AuditData is empty' };
}

function parseJsonItem(text: string, what: string): Parsed {
  try {
    return { record: JSON.parse(text) };
  } catch (err) {
    return { invalid: text, reason: `${what} is not valid JSON: ${(err as Error).message}` };
  }
}

const placed = (parsed: Parsed, at: ItemPosition): ExportItem => ({ ...parsed, at });

async function* jsonArrayItems(input: NodeJS.ReadableStream, bytesRead: () => number): AsyncGenerator<ExportItem> {
  const pipeline = input.pipe(streamArray.withParserAsStream());
  let n = 0;
  try {
    for await (const chunk of pipeline as AsyncIterable<{ value: unknown }>) {
      n += 1;
      yield placed(unwrap(chunk.value), { unit: 'record', number: n });
    }
  } catch (err) {
    // A truncated or corrupt file: keep what was read, and say where it stopped.
    yield { unread: `the file is not valid JSON after record ${n} (near byte ${bytesRead()}): ${(err as Error).message}` };
  }
}

async function* jsonLineItems(input: NodeJS.ReadableStream): AsyncGenerator<ExportItem> {
  const lines = createInterface({ input, crlfDelay: Infinity });
  let n = 0;
  for await (const line of lines) {
    n += 1;
    const trimmed = line.replace(/^\uFEFF/, '').trim();
    if (trimmed === '') continue;
    const parsed = parseJsonItem(trimmed, 'line');
    const inner = 'record' in parsed ? containedRecords(parsed.record) : null;
    if (inner) for (const element of inner) yield placed(unwrap(element), { unit: 'line', number: n });
    else yield placed('record' in parsed ? unwrap(parsed.record) : parsed, { unit: 'line', number: n });
  }
}

async function* jsonObjectItems(input: NodeJS.ReadableStream): AsyncGenerator<ExportItem> {
  let text = '';
  for await (const chunk of input) text += String(chunk);
  const parsed = parseJsonItem(text, 'the file');
  if ('invalid' in parsed) {
    yield { unread: `${parsed.reason}` };
    return;
  }
  // Graph's `{ value: [...] }` and diagnostic settings' `{ records: [...] }` hold the records.
  const inner = containedRecords(parsed.record);
  if (inner) {
    for (const [i, element] of inner.entries()) yield placed(unwrap(element), { unit: 'record', number: i + 1 });
    return;
  }
  yield placed(unwrap(parsed.record), { unit: 'record', number: 1 });
}

/**
 * A malformed row (a stray quote, say) is quarantined with its line number and reading goes on
 * with the next row, so one bad row never costs the good ones around it.
 */
async function* csvItems(input: NodeJS.ReadableStream, bytesRead: () => number): AsyncGenerator<ExportItem> {
  const skipped: ExportItem[] = [];
  // Line ends as LF only: the parser counts a CRLF inside a quoted field as two lines.
  const parser = input.pipe(crlfToLf()).pipe(
    parseCsv({
      columns: true,
      bom: true,
      relax_column_count: true,
      skip_empty_lines: true,
      skip_records_with_error: true,
      info: true,
      raw: true,
      on_skip: (err: CsvError | undefined, raw: string | undefined) => {
        // Where the row began: the parser reports the line it gave up on, after what the row swallowed.
        const found = typeof err?.lines === 'number' ? err.lines : 0;
        const start = Math.max(1, found - (raw?.match(/\n/g)?.length ?? 0));
        skipped.push({ invalid: raw ?? '', reason: `the row is not valid CSV: ${err?.message ?? 'unreadable'}`, at: { unit: 'line', number: start } });
      },
    }),
  );
  let lastLine = 1;
  try {
    for await (const row of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number }; raw: string }>) {
      // Rows skipped before this one come first, in file order (the parser reports them early).
      while (skipped.length > 0 && (skipped[0] as { at: ItemPosition }).at.number < row.info.lines) yield skipped.shift()!;
      lastLine = row.info.lines;
      const at: ItemPosition = { unit: 'line', number: row.info.lines };
      const key = Object.keys(row.record).find((k) => k.toLowerCase() === 'auditdata');
      const data = key ? row.record[key] : undefined;
      if (!data) {
        yield { invalid: row.raw, reason: 'the row has no AuditData', at };
        continue;
      }
      yield placed(parseJsonItem(data, 'AuditData'), at);
    }
    yield* skipped.splice(0);
  } catch (err) {
    yield* skipped.splice(0);
    yield { unread: `the CSV cannot be read after line ${lastLine} (near byte ${bytesRead()}): ${(err as Error).message}` };
  }
}

/** CRLF to LF across chunk boundaries (a chunk may end between the CR and the LF). */
function crlfToLf(): Transform {
  let pendingCr = false;
  return new Transform({
    decodeStrings: false,
    transform(chunk: Buffer | string, _enc, done) {
      let text = (pendingCr ? '\r' : '') + String(chunk);
      pendingCr = text.endsWith('\r');
      if (pendingCr) text = text.slice(0, -1);
      done(null, text.replace(/\r\n/g, '\n'));
    },
    flush(done) {
      done(null, pendingCr ? '\r' : '');
    },
  });
}
