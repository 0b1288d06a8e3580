/**
 * Checks a MaxMind DB file end to end before it serves a single lookup. The `maxmind` reader
 * trusts the file: a wrong node count or a malformed value surfaces later as a crash or as
 * silently wrong data on some unlucky address. Checking the whole file once at load (search
 * tree, separator, every value in the data section) turns that into one clear error naming
 * the file and the fault, and lets geoipupdate's next download fix it.
 */
import { isUtf8 } from 'node:buffer';

const METADATA_MARKER = Buffer.from('\xab\xcd\xefMaxMind.com', 'latin1');
const DATA_SECTION_SEPARATOR_SIZE = 16;
const MAX_NESTING = 64;

/** The facts `verifyMmdb` needs from the metadata (the `maxmind` reader parses it). */
export interface MmdbLayout {
  nodeCount: number;
  recordSize: number;
  ipVersion: number;
  binaryFormatMajorVersion: number;
}

export class MmdbFormatError extends Error {
  override name = 'MmdbFormatError';
}

/**
 * Throws `MmdbFormatError` saying what is wrong; returns the data section size when the file
 * is sound.
 */
export function verifyMmdb(buf: Buffer, meta: MmdbLayout): { dataSectionBytes: number } {
  const fail = (why: string): never => {
    throw new MmdbFormatError(why);
  };
  if (meta.binaryFormatMajorVersion !== 2) fail(`unsupported binary format version ${meta.binaryFormatMajorVersion} (expected 2)`);
  if (![24, 28, 32].includes(meta.recordSize)) fail(`invalid record size ${meta.recordSize} (expected 24, 28 or 32)`);
  if (meta.ipVersion !== 4 && meta.ipVersion !== 6) fail(`invalid ip_version ${meta.ipVersion}`);
  if (!Number.isInteger(meta.nodeCount) || meta.nodeCount <= 0) fail(`invalid node count ${meta.nodeCount}`);

  const metadataStart = buf.lastIndexOf(METADATA_MARKER);
  if (metadataStart < 0) fail('no metadata section (is this a MaxMind DB file?)');
  const treeBytes = (meta.nodeCount * meta.recordSize * 2) / 8;
  const dataStart = treeBytes + DATA_SECTION_SEPARATOR_SIZE;
  if (dataStart > metadataStart) {
    fail(
      `node count ${meta.nodeCount} implies a ${treeBytes}-byte search tree, but only ${metadataStart} bytes precede the metadata (invalid node count or truncated file)`,
    );
  }
  for (let i = treeBytes; i < dataStart; i++) {
    if (buf[i] !== 0) fail(`data section separator at byte ${treeBytes} is not 16 zero bytes (invalid node count or corrupt tree)`);
  }
  const dataSize = metadataStart - dataStart;
  verifyTree(buf, meta.nodeCount, meta.recordSize, dataSize, fail);
  verifyDataSection(buf, dataStart, metadataStart, fail);
  return { dataSectionBytes: dataSize };
}

function verifyTree(buf: Buffer, nodeCount: number, recordSize: number, dataSize: number, fail: (why: string) => never): void {
  const nodeBytes = recordSize / 4;
  const maxRecord = nodeCount + DATA_SECTION_SEPARATOR_SIZE + dataSize;
  const check = (value: number, node: number) => {
    if (value <= nodeCount) return; // another node, or "no data"
    if (value < nodeCount + DATA_SECTION_SEPARATOR_SIZE || value >= maxRecord) {
      fail(`search tree node ${node} points outside the data section (record value ${value})`);
    }
  };
  for (let node = 0, o = 0; node < nodeCount; node++, o += nodeBytes) {
    let left: number;
    let right: number;
    if (recordSize === 24) {
      left = (buf[o]! << 16) | (buf[o + 1]! << 8) | buf[o + 2]!;
      right = (buf[o + 3]! << 16) | (buf[o + 4]! << 8) | buf[o + 5]!;
    } else if (recordSize === 28) {
      const mid = buf[o + 3]!;
      left = ((mid & 0xf0) << 20) | (buf[o]! << 16) | (buf[o + 1]! << 8) | buf[o + 2]!;
      right = ((mid & 0x0f) << 24) | (buf[o + 4]! << 16) | (buf[o + 5]! << 8) | buf[o + 6]!;
    } else {
      left = buf.readUInt32BE(o);
      right = buf.readUInt32BE(o + 4);
    }
    check(left, node);
    check(right, node);
  }
}

const TYPE_NAMES = [
  'extended',
  'pointer',
  'utf8_string',
  'double',
  'bytes',
  'uint16',
  'uint32',
  'map',
  'int32',
  'uint64',
  'uint128',
  'array',
  'container',
  'end_marker',
  'boolean',
  'float',
];
// Largest payload each fixed-width type may have; doubles and floats must be exact.
const MAX_SIZE: Partial<Record<number, number>> = { 5: 2, 6: 4, 8: 4, 9: 8, 10: 16 };

/** Decodes every value of the data section in sequence, checking types, sizes and bounds. */
function verifyDataSection(buf: Buffer, start: number, end: number, fail: (why: string) => never): void {
  const dataSize = end - start;
  const at = (o: number) => `data section offset ${o - start}`;

  // Returns the offset after the value starting at `o`; `wantString` for map keys.
  const value = (o: number, depth: number, wantString: boolean): number => {
    if (o >= end) fail(`value at ${at(o)} runs past the end of the data section`);
    if (depth > MAX_NESTING) fail(`values nested deeper than ${MAX_NESTING} at ${at(o)}`);
    const ctrl = buf[o]!;
    let p = o + 1;
    let type = ctrl >> 5;
    if (type === 1) {
      const sizeBits = (ctrl >> 3) & 3;
      const n = sizeBits + 1;
      if (p + n > end) fail(`pointer at ${at(o)} runs past the end of the data section`);
      let target: number;
      if (sizeBits === 0) target = ((ctrl & 7) << 8) | buf[p]!;
      else if (sizeBits === 1) target = (((ctrl & 7) << 16) | (buf[p]! << 8) | buf[p + 1]!) + 2048;
      else if (sizeBits === 2) target = (((ctrl & 7) << 24) | (buf[p]! << 16) | (buf[p + 1]! << 8) | buf[p + 2]!) + 526336;
      else target = buf.readUInt32BE(p);
      if (target >= dataSize) fail(`pointer at ${at(o)} points outside the data section (${target})`);
      if (wantString && buf[start + target]! >> 5 !== 2) fail(`map key at ${at(o)} points to a non-string value`);
      return p + n;
    }
    if (type === 0) {
      if (p >= end) fail(`extended type at ${at(o)} runs past the end of the data section`);
      type = 7 + buf[p++]!;
      if (type < 8 || type > 15) fail(`invalid extended type ${type} at ${at(o)}`);
    }
    if (wantString && type !== 2) fail(`map key at ${at(o)} is a ${TYPE_NAMES[type]}, not a string`);
    let size = ctrl & 0x1f;
    if (size >= 29) {
      const extra = size - 28;
      if (p + extra > end) fail(`size of value at ${at(o)} runs past the end of the data section`);
      if (size === 29) size = 29 + buf[p]!;
      else if (size === 30) size = 285 + ((buf[p]! << 8) | buf[p + 1]!);
      else size = 65821 + ((buf[p]! << 16) | (buf[p + 1]! << 8) | buf[p + 2]!);
      p += extra;
    }
    switch (type) {
      case 7: // map
        for (let i = 0; i < size; i++) {
          p = value(p, depth + 1, true);
          p = value(p, depth + 1, false);
        }
        return p;
      case 11: // array
        for (let i = 0; i < size; i++) p = value(p, depth + 1, false);
        return p;
      case 14: // boolean: the size is the value
        if (size > 1) fail(`invalid boolean (size ${size}) at ${at(o)}`);
        return p;
      case 3:
        if (size !== 8) fail(`invalid double: ${size} bytes instead of 8 at ${at(o)}`);
        break;
      case 15:
        if (size !== 4) fail(`invalid float: ${size} bytes instead of 4 at ${at(o)}`);
        break;
      case 12:
      case 13:
        fail(`unexpected ${TYPE_NAMES[type]} in the data section at ${at(o)}`);
        break;
      default: {
        const max = MAX_SIZE[type];
        if (max !== undefined && size > max) fail(`invalid ${TYPE_NAMES[type]}: ${size} bytes at ${at(o)}`);
      }
    }
    if (p + size > end) fail(`${TYPE_NAMES[type]} at ${at(o)} runs past the end of the data section`);
    if (type === 2 && !isUtf8(buf.subarray(p, p + size))) fail(`invalid UTF-8 string at ${at(o)}`);
    return p + size;
  };

  let o = start;
  while (o < end) o = value(o, 0, false);
}
