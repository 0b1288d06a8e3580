import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { startHttpReceiver, type HttpReceiver } from '../../test/helpers/http-receiver.ts';
import { simulatorTls } from '../sim/m365/tls.ts';
import { safeFetch, SafeFetchError } from './safe-fetch.ts';

const LOOPBACK = ['127.0.0.1/32', '::1/128'];

let receiver: HttpReceiver;
let other: HttpReceiver;
// https with the test run's certificate for 127.0.0.1 and localhost (trusted through NODE_EXTRA_CA_CERTS).
let secure: HttpReceiver;

beforeAll(async () => {
  receiver = await startHttpReceiver();
  other = await startHttpReceiver();
  secure = await startHttpReceiver({ tls: simulatorTls() });
});
beforeEach(() => {
  for (const r of [receiver, other, secure]) r.respond((_req, res) => res.writeHead(200).end('ok'));
});
afterAll(async () => {
  await receiver.close();
  await other.close();
  await secure.close();
});

async function refusal(url: string, options: Parameters<typeof safeFetch>[1] = {}): Promise<SafeFetchError> {
  const err = await safeFetch(url, options).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SafeFetchError);
  return err as SafeFetchError;
}

describe('safeFetch', () => {
  test('reaches an explicitly allowed loopback receiver and returns its answer', async () => {
    receiver.respond((req, res) => res.writeHead(201, { 'x-seen': req.method }).end(`got ${req.body}`));
    const res = await safeFetch(`${receiver.url}/hook`, { method: 'POST', body: 'hello', headers: { 'content-type': 'text/plain' }, allow: LOOPBACK });
    expect(res).toMatchObject({ status: 201, body: 'got hello', truncated: false, address: '127.0.0.1', redirects: 0 });
    expect(res.headers['x-seen']).toBe('POST');
  });

  test.each([
    ['http://127.0.0.1:9/', 'loopback'],
    ['http://[::1]:9/', 'loopback'],
    ['http://169.254.169.254/latest/meta-data/', 'cloud metadata'],
    ['http://10.0.0.1/', 'private network'],
    ['http://10.255.1.2:8080/x', 'private network'],
    ['http://100.64.0.1/', 'carrier-grade NAT'],
    ['http://[::ffff:127.0.0.1]/', 'loopback'],
    ['http://[fd00:ec2::254]/', 'cloud metadata'],
  ])('refuses %s without an allow list (%s)', async (url, words) => {
    const err = await refusal(url);
    expect(err.kind).toBe('refused');
    expect(err.message).toContain(words);
  });

  test('refuses the receiver itself when loopback is not allowed, before any connection', async () => {
    const before = receiver.requests.length;
    const err = await refusal(`${receiver.url}/hook`, { method: 'POST', body: 'x' });
    expect(err.kind).toBe('refused');
    expect(receiver.requests.length).toBe(before);
  });

  test('refuses a name that resolves to a private address (system resolver: localhost)', async () => {
    const err = await refusal(`http://localhost:${receiver.port}/`);
    expect(err.kind).toBe('refused');
    expect(err.message).toContain('localhost resolves to it');
  });

  test('refuses when any one of the resolved addresses is private', async () => {
    const err = await refusal('https://hooks.example.test/', { resolve: async () => ['93.184.216.34', '10.1.2.3'] });
    expect(err.message).toContain('10.1.2.3 is a private network address');
  });

  test('connects to the address that was checked, not to a second answer (no DNS rebinding)', async () => {
    let calls = 0;
    // A name the system cannot resolve: reaching the receiver proves the socket used the checked address.
    const res = await safeFetch(`http://rebind.example.test:${receiver.port}/pinned`, {
      allow: LOOPBACK,
      resolve: async () => {
        calls += 1;
        return calls === 1 ? ['127.0.0.1'] : ['10.0.0.1'];
      },
    });
    expect(res.status).toBe(200);
    expect(calls).toBe(1);
    expect(receiver.requests.at(-1)?.headers.host).toBe(`rebind.example.test:${receiver.port}`);
  });

  test('refuses a redirect from the allowed receiver to a private address', async () => {
    receiver.respond((_req, res) => res.writeHead(302, { location: 'http://10.0.0.7/admin' }).end());
    const err = await refusal(`${receiver.url}/redirect`, { allow: LOOPBACK });
    expect(err.kind).toBe('refused');
    expect(err.message).toContain('10.0.0.7 is a private network address');
  });

  test('refuses a redirect to the metadata service and to a name resolving to loopback', async () => {
    receiver.respond((_req, res) => res.writeHead(307, { location: 'http://169.254.169.254/latest/meta-data/iam' }).end());
    expect((await refusal(`${receiver.url}/r`, { allow: LOOPBACK })).message).toContain('cloud metadata');
    receiver.respond((_req, res) => res.writeHead(301, { location: `http://internal.example.test:${other.port}/` }).end());
    const err = await refusal(`${receiver.url}/r`, {
      allow: ['127.0.0.1/32'],
      resolve: async (h) => (h === 'internal.example.test' ? ['192.168.0.10'] : ['127.0.0.1']),
    });
    expect(err.message).toContain('192.168.0.10');
  });

  test('follows allowed redirects, re-checking each hop, dropping credentials across origins', async () => {
    receiver.respond((_req, res) => res.writeHead(307, { location: `${other.url}/final` }).end());
    other.respond((req, res) => res.writeHead(200).end(`final ${req.method} ${req.body}`));
    const before = other.requests.length;
    const res = await safeFetch(`${receiver.url}/start`, {
      method: 'POST',
      body: 'payload',
      headers: { authorization: 'Bearer secret', 'x-keep': '1' },
      allow: LOOPBACK,
    });
    expect(res).toMatchObject({ status: 200, body: 'final POST payload', redirects: 1, url: `${other.url}/final` });
    const seen = other.requests[before]!;
    expect(seen.headers.authorization).toBeUndefined();
    expect(seen.headers['x-keep']).toBe('1');
  });

  test('a 303 after a POST continues as a GET without the body', async () => {
    receiver.respond((req, res) =>
      req.path === '/see-other' ? res.writeHead(303, { location: '/done' }).end() : res.writeHead(200).end(`${req.method}:${req.body}`),
    );
    const res = await safeFetch(`${receiver.url}/see-other`, { method: 'POST', body: 'x', headers: { 'content-type': 'text/plain' }, allow: LOOPBACK });
    expect(res.body).toBe('GET:');
  });

  test('stops after five redirects', async () => {
    receiver.respond((req, res) => {
      const n = Number(new URL(req.path, 'http://x').searchParams.get('n') ?? '0');
      res.writeHead(302, { location: `/loop?n=${n + 1}` }).end();
    });
    const before = receiver.requests.length;
    const err = await refusal(`${receiver.url}/loop?n=0`, { allow: LOOPBACK });
    expect(err.kind).toBe('redirects');
    expect(receiver.requests.length - before).toBe(6);
  });

  test('keeps at most maxBodyBytes of the answer', async () => {
    receiver.respond((_req, res) => res.writeHead(500).end('x'.repeat(200_000)));
    const res = await safeFetch(receiver.url, { allow: LOOPBACK, maxBodyBytes: 64 * 1024 });
    expect(res.status).toBe(500);
    expect(res.body.length).toBe(64 * 1024);
    expect(res.truncated).toBe(true);
  });

  test('gives up after the total timeout when the receiver never answers', async () => {
    receiver.respond(() => {
      /* never answers */
    });
    const err = await refusal(receiver.url, { allow: LOOPBACK, totalTimeoutMs: 500 });
    expect(err.kind).toBe('timeout');
  });

  test('https: the certificate is checked against the host name while the socket goes to the checked address', async () => {
    const pinned = async () => ['127.0.0.1'];
    // The certificate names localhost: a name that resolves (by our resolver) to the checked address passes TLS.
    const res = await safeFetch(`https://localhost:${secure.port}/tls`, { allow: LOOPBACK, resolve: pinned });
    expect(res).toMatchObject({ status: 200, body: 'ok', address: '127.0.0.1' });
    // Another name on the same address does not match the certificate: no request is sent.
    const before = secure.requests.length;
    const err = await refusal(`https://hooks.example.test:${secure.port}/tls`, { allow: LOOPBACK, resolve: pinned });
    expect(err.kind).toBe('network');
    expect(err.message).toContain('ERR_TLS_CERT_ALTNAME_INVALID');
    expect(secure.requests.length).toBe(before);
  });

  test('refuses a redirect from https:// to http://', async () => {
    secure.respond((_req, res) => res.writeHead(302, { location: `${receiver.url}/plain` }).end());
    const err = await refusal(`${secure.url}/up`, { allow: LOOPBACK });
    expect(err.kind).toBe('refused');
    expect(err.message).toBe('Redirect from https:// to http:// refused');
  });

  test.each(['ftp://example.com/x', 'file:///etc/passwd', 'gopher://127.0.0.1/', 'https://user:pw@example.com/', 'not a url'])(
    'refuses the URL %s by its form',
    async (url) => {
      expect((await refusal(url)).kind).toBe('refused');
    },
  );
});
