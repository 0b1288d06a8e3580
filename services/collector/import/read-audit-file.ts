import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { parse as parseCsv } from 'csv-parse';
import streamArray from 'stream-json/streamers/stream-array.js';

/** One item read from an export: a raw audit record, or text that is not one (for quarantine). */
export type ExportItem = { record: unknown } | { invalid: string; reason: string };

export type ExportFormat = 'purview-csv' | 'json-array' | 'json-object' | 'json-lines';

export type AuditFile = {
  format: ExportFormat;
  /** Total bytes, and bytes consumed so far, for a progress bar. */
  size: number;
  bytesRead(): number;
  items(): AsyncGenerator<ExportItem>;
};

/**
 * Opens an audit export of any of the forms investigators bring: a Purview audit search CSV
 * (the `AuditData` column), the JSON that `Search-UnifiedAuditLog | ConvertTo-Json` and the
 * common extraction tools write (objects whose `AuditData` is an object or a JSON string, or raw
 * records), or JSON lines. UTF-8 with or without BOM, and the UTF-16LE that Windows PowerShell
 * 5 writes with `>`, are read. Records stream: the file is never held in memory whole, except a
 * single pretty-printed JSON object.
 */
export async function openAuditFile(path: string): Promise<AuditFile> {
  const { size } = await stat(path);
  const head = await readHead(path, 64 * 1024);
  const encoding: BufferEncoding = head[0] === 0xff && head[1] === 0xfe ? 'utf16le' : 'utf8';
  const text = head.toString(encoding).replace(/^\uFEFF/, '');
  const first = text.trimStart()[0];
  let stream: ReturnType<typeof createReadStream> | undefined;
  const bytesRead = () => stream?.bytesRead ?? 0;
  const source = () => (stream = createReadStream(path, { encoding }));

  if (first === '[') {
    return { format: 'json-array', size, bytesRead, items: () => jsonArrayItems(source()) };
  }
  if (first === '{') {
    const firstLine = text.trimStart().split(/\r?\n/, 1)[0]!;
    if (parsesAsJson(firstLine)) return { format: 'json-lines', size, bytesRead, items: () => jsonLineItems(source()) };
    return { format: 'json-object', size, bytesRead, items: () => jsonObjectItems(source()) };
  }
  const headerLine = text.split(/\r?\n/, 1)[0] ?? '';
  if (/(^|,)"?AuditData"?(,|$)/i.test(headerLine)) {
    return { format: 'purview-csv', size, bytesRead, items: () => csvItems(source()) };
  }
  throw new UnrecognisedExportError(
    'This file is not an audit export Tenantwatch can read: expected a Purview audit search CSV (with an AuditData column), JSON (an array of records or of objects with AuditData), or JSON lines.',
  );
}

export class UnrecognisedExportError extends Error {
  override name = 'UnrecognisedExportError';
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

/**
 * An export element is either the raw record or a wrapper with `AuditData` (an object, or a
 * JSON string as Search-UnifiedAuditLog returns it). Property names are matched regardless of
 * case, since tools differ (AuditData / auditData).
 */
export function unwrap(element: unknown): ExportItem {
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

function parseJsonItem(text: string, what: string): ExportItem {
  try {
    return { record: JSON.parse(text) };
  } catch (err) {
    return { invalid: text, reason: `${what} is not valid JSON: ${(err as Error).message}` };
  }
}

async function* jsonArrayItems(input: NodeJS.ReadableStream): AsyncGenerator<ExportItem> {
  const pipeline = input.pipe(streamArray.withParserAsStream());
  try {
    for await (const chunk of pipeline as AsyncIterable<{ value: unknown }>) yield unwrap(chunk.value);
  } catch (err) {
    // A truncated or corrupt file: keep what was read, and say where it stopped.
    yield { invalid: '', reason: `the file is not valid JSON from this point on: ${(err as Error).message}` };
  }
}

async function* jsonLineItems(input: NodeJS.ReadableStream): AsyncGenerator<ExportItem> {
  const lines = createInterface({ input, crlfDelay: Infinity });
  for await (const line of lines) {
    const trimmed = line.replace(/^\uFEFF/, '').trim();
    if (trimmed === '') continue;
    const parsed = parseJsonItem(trimmed, 'line');
    yield 'record' in parsed ? unwrap(parsed.record) : parsed;
  }
}

async function* jsonObjectItems(input: NodeJS.ReadableStream): AsyncGenerator<ExportItem> {
  let text = '';
  for await (const chunk of input) text += chunk;
  const parsed = parseJsonItem(text.replace(/^\uFEFF/, ''), 'the file');
  yield 'record' in parsed ? unwrap(parsed.record) : parsed;
}

async function* csvItems(input: NodeJS.ReadableStream): AsyncGenerator<ExportItem> {
  const parser = input.pipe(parseCsv({ columns: true, bom: true, relax_column_count: true, skip_empty_lines: true }));
  try {
    for await (const row of parser as AsyncIterable<Record<string, string>>) {
      const key = Object.keys(row).find((k) => k.toLowerCase() === 'auditdata');
      const data = key ? row[key] : undefined;
      if (!data) {
        yield { invalid: JSON.stringify(row), reason: 'the row has no AuditData' };
        continue;
      }
      yield parseJsonItem(data, 'AuditData');
    }
  } catch (err) {
    yield { invalid: '', reason: `the CSV is malformed from this point on: ${(err as Error).message}` };
  }
}
