import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { pipeline, Readable, Transform } from 'node:stream';
import { parse as parseCsv, type CsvError } from 'csv-parse';
import { containedRecords } from './entra-exports.ts';
import { JsonArraySplitter } from './json-array-splitter.ts';

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
 * without BOM: Windows PowerShell 5 writes UTF-16LE with `>`), are read; text that is not valid
 * in its encoding (a binary file, a file saved in another code page) stops the reading with its
 * line (TextEncodingError, as `unread`). Records stream: the file is never held in memory
 * whole, except a single pretty-printed JSON object.
 */
export async function openAuditFile(path: string): Promise<AuditFile> {
  const { size } = await stat(path);
  const head = await readHead(path, 64 * 1024);
  const encoding = detectEncoding(head);
  const text = new TextDecoder(encoding).decode(head.subarray(0, head.length - (head.length % 2)));
  const first = text.trimStart()[0];
  let file: ReturnType<typeof createReadStream> | undefined;
  const bytesRead = () => file?.bytesRead ?? 0;
  /** The file as text; a read or decoding error is thrown after the text before it. */
  const source = () => {
    file = createReadStream(path, { highWaterMark: 256 * 1024 });
    return decodeText(file, encoding);
  };
  const opened = (format: ExportFormat, items: () => AsyncGenerator<ExportItem>): AuditFile => ({ format, encoding, size, bytesRead, items });

  if (first === '[') return opened('json-array', () => jsonArrayItems(source()));
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

/** Bytes that are not text in the file's encoding; `line` and `byte` say where. */
export class TextEncodingError extends Error {
  override name = 'TextEncodingError';
  constructor(
    readonly encoding: TextEncoding,
    readonly line: number,
    readonly byte: number,
  ) {
    super(
      `the file is not valid ${encoding.toUpperCase()} text on line ${line} (byte ${byte}): a binary file, or text saved in another encoding? Export or save it as UTF-8 (or UTF-16) and import it again`,
    );
  }
}

/**
 * Bytes to text in the file's encoding (the BOM dropped), correct across chunk boundaries.
 * Invalid bytes end the text with a TextEncodingError at their line (the valid text before them
 * comes first), rather than turning into U+FFFD in the records.
 */
async function* decodeText(bytes: AsyncIterable<Buffer>, encoding: TextEncoding): AsyncGenerator<string> {
  const decoder = new TextDecoder(encoding, { fatal: true });
  let lines = 1;
  let offset = 0;
  const countLines = (text: string) => {
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lines += 1;
  };
  for await (const chunk of bytes) {
    let text: string;
    try {
      text = decoder.decode(chunk, { stream: true });
    } catch {
      // Where in the chunk: its text up to the first replacement character.
      const lenient = new TextDecoder(encoding, { ignoreBOM: offset > 0 }).decode(chunk);
      const before = lenient.slice(0, Math.max(0, lenient.indexOf('\uFFFD')));
      // The lines before the bad one; the bad line is not read at all.
      yield before.slice(0, before.lastIndexOf('\n') + 1);
      countLines(before);
      throw new TextEncodingError(encoding, lines, offset + (encoding === 'utf-8' ? Buffer.byteLength(before) : before.length * 2));
    }
    countLines(text);
    offset += chunk.length;
    if (text !== '') yield text;
  }
  try {
    const rest = decoder.decode();
    if (rest !== '') yield rest;
  } catch {
    throw new TextEncodingError(encoding, lines, offset);
  }
}

/** Why reading stopped, for `unread`: an encoding error speaks for itself; else `context` and the cause. */
const stoppedBecause = (err: unknown, context: string) => (err instanceof TextEncodingError ? err.message : `${context}: ${(err as Error).message}`);

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

/**
 * A JSON array's elements, split from the text as it streams (json-array-splitter.ts) and parsed
 * one by one: an element that is not valid JSON is quarantined with its line, and the next ones
 * are read. A file that breaks the array itself (cut, stray bytes) keeps what came before.
 */
async function* jsonArrayItems(input: AsyncIterable<string>): AsyncGenerator<ExportItem> {
  const splitter = new JsonArraySplitter();
  let n = 0;
  try {
    for await (const chunk of input) {
      for (const element of splitter.push(chunk)) {
        n = element.number;
        yield placed(parseElement(element.text, element.line), { unit: 'record', number: element.number });
      }
    }
    splitter.end();
  } catch (err) {
    // A truncated or corrupt file: keep what was read, and say where it stopped.
    yield { unread: stoppedBecause(err, `the file is not valid JSON after record ${n}`) };
  }
}

function parseElement(text: string, line: number): Parsed {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { invalid: text, reason: `not valid JSON (the record begins on line ${line}): ${(err as Error).message}` };
  }
  return unwrap(value);
}

/** The text's lines, numbered from 1, without their line ends. */
async function* textLines(input: AsyncIterable<string>): AsyncGenerator<{ line: string; number: number }> {
  let pending = '';
  let number = 0;
  for await (const chunk of input) {
    const text = pending + chunk;
    let from = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', from)) {
      number += 1;
      yield { line: text.slice(from, nl > from && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl), number };
      from = nl + 1;
    }
    pending = text.slice(from);
  }
  if (pending !== '') yield { line: pending.replace(/\r$/, ''), number: number + 1 };
}

async function* jsonLineItems(input: AsyncIterable<string>): AsyncGenerator<ExportItem> {
  let last = 0;
  try {
    for await (const { line, number } of textLines(input)) {
      last = number;
      const trimmed = line.replace(/^\uFEFF/, '').trim();
      if (trimmed === '') continue;
      const parsed = parseJsonItem(trimmed, 'line');
      const inner = 'record' in parsed ? containedRecords(parsed.record) : null;
      if (inner) for (const element of inner) yield placed(unwrap(element), { unit: 'line', number });
      else yield placed('record' in parsed ? unwrap(parsed.record) : parsed, { unit: 'line', number });
    }
  } catch (err) {
    yield { unread: stoppedBecause(err, `the file cannot be read after line ${last}`) };
  }
}

async function* jsonObjectItems(input: AsyncIterable<string>): AsyncGenerator<ExportItem> {
  let text = '';
  try {
    for await (const chunk of input) text += chunk;
  } catch (err) {
    yield { unread: stoppedBecause(err, 'the file cannot be read') };
    return;
  }
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
async function* csvItems(input: AsyncIterable<string>, bytesRead: () => number): AsyncGenerator<ExportItem> {
  const skipped: ExportItem[] = [];
  // Line ends as LF only: the parser counts a CRLF inside a quoted field as two lines.
  const parser = parseCsv({
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
  });
  // An error anywhere (reading, decoding) comes out of the parser.
  // What stops the text (a read or encoding error) is kept for after the rows before it.
  let stopped: unknown = null;
  async function* untilStopped() {
    try {
      yield* input;
    } catch (err) {
      stopped = err;
    }
  }
  pipeline(Readable.from(untilStopped(), { objectMode: false }), crlfToLf(), parser, () => {});
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
    if (stopped) yield { unread: stoppedBecause(stopped, `the CSV cannot be read after line ${lastLine}`) };
  } catch (err) {
    yield* skipped.splice(0);
    yield { unread: stoppedBecause(err, `the CSV cannot be read after line ${lastLine} (near byte ${bytesRead()})`) };
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
