/**
 * Minimal self-signed X.509 v3 certificate builder (DER by hand, signed with node:crypto).
 * Node 20 can parse certificates but not create them, and the simulator needs real ones:
 * app credentials are registered in Entra as certificates (the client assertion's `x5t`
 * is the certificate's SHA-1 thumbprint), and an HTTPS listener needs a server
 * certificate that clients can trust through NODE_EXTRA_CA_CERTS.
 */
import { createHash, generateKeyPairSync, sign, X509Certificate, type KeyObject } from 'node:crypto';
import { isIPv4 } from 'node:net';

function derLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let n = length; n > 0; n >>= 8) bytes.unshift(n & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function tlv(tag: number, content: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), derLength(content.length), content]);
}

const seq = (...items: Buffer[]): Buffer => tlv(0x30, Buffer.concat(items));
const set = (...items: Buffer[]): Buffer => tlv(0x31, Buffer.concat(items));
const octets = (b: Buffer): Buffer => tlv(0x04, b);
const utf8 = (s: string): Buffer => tlv(0x0c, Buffer.from(s, 'utf8'));
const explicit = (n: number, content: Buffer): Buffer => tlv(0xa0 + n, content);
const nullValue = Buffer.from([0x05, 0x00]);
const bool = (v: boolean): Buffer => Buffer.from([0x01, 0x01, v ? 0xff : 0x00]);

function integer(bytes: Buffer): Buffer {
  // DER integers are minimal and signed: drop leading zero bytes (a random serial starts with
  // one now and then, which parsers reject as "illegal padding"), then prefix 0x00 when the
  // high bit is set.
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const trimmed = bytes.subarray(start);
  const content = (trimmed[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed;
  return tlv(0x02, content);
}

function oid(dotted: string): Buffer {
  const parts = dotted.split('.').map(Number);
  const [first = 0, second = 0, ...rest] = parts;
  const bytes: number[] = [first * 40 + second];
  for (const part of rest) {
    const chunk: number[] = [];
    let n = part;
    chunk.unshift(n & 0x7f);
    while ((n >>= 7) > 0) chunk.unshift((n & 0x7f) | 0x80);
    bytes.push(...chunk);
  }
  return tlv(0x06, Buffer.from(bytes));
}

function time(epochMs: number): Buffer {
  // UTCTime until 2049, GeneralizedTime after, as RFC 5280 requires.
  const iso = new Date(epochMs).toISOString();
  const year = Number(iso.slice(0, 4));
  const compact = iso.slice(0, 19).replace(/[-:T]/g, '') + 'Z';
  return year < 2050 ? tlv(0x17, Buffer.from(compact.slice(2), 'ascii')) : tlv(0x18, Buffer.from(compact, 'ascii'));
}

const name = (commonName: string): Buffer => seq(set(seq(oid('2.5.4.3'), utf8(commonName))));

export interface SelfSignedCertificate {
  certificatePem: string;
  privateKeyPem: string;
  privateKey: KeyObject;
  /** Upper-case hex SHA-1 of the DER certificate: what Entra shows as the thumbprint and msal-node takes as `thumbprint`. */
  thumbprintSha1: string;
  /** Upper-case hex SHA-256 of the DER certificate: msal-node's `thumbprintSha256`. */
  thumbprintSha256: string;
}

export interface CertificateOptions {
  commonName: string;
  /** 'rsa' (2048-bit, needed for client assertions, which are RS256/PS256) or 'ec' (P-256, fast, fine for TLS). */
  keyType?: 'rsa' | 'ec';
  dnsNames?: string[];
  ipAddresses?: string[];
  notBefore?: number;
  notAfter?: number;
  serial?: Buffer;
}

export function createSelfSignedCertificate(options: CertificateOptions): SelfSignedCertificate {
  const keyType = options.keyType ?? 'rsa';
  const { privateKey, publicKey } =
    keyType === 'rsa' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const signatureAlgorithm = keyType === 'rsa' ? seq(oid('1.2.840.113549.1.1.11'), nullValue) : seq(oid('1.2.840.10045.4.3.2'));
  const notBefore = options.notBefore ?? Date.now() - 60 * 60 * 1000;
  const notAfter = options.notAfter ?? notBefore + 365 * 24 * 60 * 60 * 1000;
  const serial = options.serial ?? createHash('sha256').update(`${options.commonName}/${notBefore}/${Math.random()}`).digest().subarray(0, 16);
  serial[0] = (serial[0] ?? 0) & 0x7f;

  const extensions: Buffer[] = [
    // basicConstraints CA:TRUE so the certificate can be its own trust anchor in NODE_EXTRA_CA_CERTS.
    seq(oid('2.5.29.19'), bool(true), octets(seq(bool(true)))),
  ];
  const altNames: Buffer[] = [
    ...(options.dnsNames ?? []).map((dns) => tlv(0x82, Buffer.from(dns, 'ascii'))),
    ...(options.ipAddresses ?? []).filter(isIPv4).map((ip) => tlv(0x87, Buffer.from(ip.split('.').map(Number)))),
  ];
  if (altNames.length > 0) extensions.push(seq(oid('2.5.29.17'), octets(seq(...altNames))));

  const tbs = seq(
    explicit(0, integer(Buffer.from([2]))),
    integer(serial),
    signatureAlgorithm,
    name(options.commonName),
    seq(time(notBefore), time(notAfter)),
    name(options.commonName),
    publicKey.export({ type: 'spki', format: 'der' }),
    explicit(3, seq(...extensions)),
  );
  const signature = sign('sha256', tbs, privateKey);
  const der = seq(tbs, signatureAlgorithm, tlv(0x03, Buffer.concat([Buffer.from([0]), signature])));
  const base64 = der
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .trimEnd();
  const certificatePem = `-----BEGIN CERTIFICATE-----\n${base64}\n-----END CERTIFICATE-----\n`;
  // Parse it back: a malformed encoding fails here rather than in a TLS handshake.
  new X509Certificate(certificatePem);
  return {
    certificatePem,
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    privateKey,
    thumbprintSha1: createHash('sha1').update(der).digest('hex').toUpperCase(),
    thumbprintSha256: createHash('sha256').update(der).digest('hex').toUpperCase(),
  };
}
