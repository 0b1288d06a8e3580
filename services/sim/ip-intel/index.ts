/**
 * A faithful local stand-in for the MaxMind GeoIP2 web services (Insights, City, Country):
 * `GET /geoip/v2.1/{service}/{ip}` with HTTP Basic (account ID : license key), the documented
 * response bodies and content types, and the documented error codes and statuses. Answers
 * come from MaxMind's test data. Tests drive it through `accounts` (funds, queries, permission),
 * `failNext` (503/429 without a body) and read `requests`.
 *
 * @example
 *   const sim = await startIpIntelSimulator({ accounts: [{ accountId: '42', licenseKey: 'k' }] });
 *   // GET `${sim.url}/geoip/v2.1/insights/81.2.69.160` with Basic 42:k
 *   await sim.close();
 */
import { serve, type ServerType } from '@hono/node-server';
import { Hono, type Context } from 'hono';
import ipaddr from 'ipaddr.js';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { loadSimData, type SimData, type SimRecord } from './data.ts';
import { outlastClientKeepAlive } from '../../http-keep-alive.ts';

export interface SimAccount {
  accountId: string;
  licenseKey: string;
  /** Counts down per successful query; 0 → OUT_OF_QUERIES. Default 100000. */
  queriesRemaining?: number;
  insufficientFunds?: boolean;
  /** false → PERMISSION_REQUIRED (the account may not use this service). */
  permission?: boolean;
}

export interface SimRequestLog {
  at: string;
  path: string;
  accountId: string | undefined;
  status: number;
  code: string | undefined;
}

export interface IpIntelSimOptions {
  port?: number;
  host?: string;
  /** Folder with MaxMind's test data; default ../shared/fixtures/maxmind from the project root. */
  dataDir?: string;
  accounts?: SimAccount[];
}

export interface IpIntelSimulator {
  url: string;
  accounts: SimAccount[];
  requests: SimRequestLog[];
  /** The next `times` requests answer `status` with no body (as a load balancer would). */
  failNext(status: number, times?: number): void;
  close(): Promise<void>;
}

const SERVICES = new Set(['insights', 'city', 'country']);
const ERROR_TYPE = 'application/vnd.maxmind.com-error+json; charset=UTF-8; version=2.0';

/** The Hono app alone (for in-process use); `startIpIntelSimulator` serves it over HTTP. */
export function createIpIntelSimApp(state: { data: SimData; accounts: SimAccount[]; requests: SimRequestLog[]; faults: number[] }): Hono {
  const app = new Hono();

  app.get('/geoip/v2.1/:service/:ip', (c) => {
    const auth = parseBasic(c.req.header('authorization'));
    const accountId = auth?.accountId || undefined;
    const log = (res: Response, code?: string) => {
      state.requests.push({ at: new Date().toISOString(), path: c.req.path, accountId, status: res.status, code });
      return res;
    };
    const error = (status: 400 | 401 | 402 | 404, code: string, message: string) =>
      log(c.body(JSON.stringify({ code, error: message }), status, { 'content-type': ERROR_TYPE }), code);

    const fault = state.faults.shift();
    if (fault !== undefined) return log(c.body(null, fault as 503));

    const service = c.req.param('service');
    if (!SERVICES.has(service)) return log(c.body(null, 404));

    if (!auth || auth.accountId === '') return error(401, 'ACCOUNT_ID_REQUIRED', 'You have not supplied a MaxMind account ID in the Authorization header.');
    if (auth.licenseKey === '') return error(401, 'LICENSE_KEY_REQUIRED', 'You have not supplied a MaxMind license key in the Authorization header.');
    const account = state.accounts.find((a) => a.accountId === auth.accountId && a.licenseKey === auth.licenseKey);
    if (!account) return error(401, 'AUTHORIZATION_INVALID', 'You have supplied an invalid MaxMind account ID and/or license key in the Authorization header.');
    if (account.permission === false) return error(402, 'PERMISSION_REQUIRED', `You do not have permission to use the GeoIP2 ${service} web service.`);
    if (account.insufficientFunds)
      return error(402, 'INSUFFICIENT_FUNDS', 'The license key you have provided does not have sufficient funds to use this service.');
    if ((account.queriesRemaining ?? 100_000) <= 0) return error(402, 'OUT_OF_QUERIES', 'The license key you have provided is out of queries.');

    const raw = decodeURIComponent(c.req.param('ip'));
    const ip = parseAddress(raw);
    if (!ip) return error(400, 'IP_ADDRESS_INVALID', `The value "${raw}" is not a valid IP address.`);
    if (ip.range() !== 'unicast') return error(400, 'IP_ADDRESS_RESERVED', `The IP address you provided (${ip.toString()}) is in a reserved IP space.`);

    const body = answer(state.data, service, ip);
    if (!body) return error(404, 'IP_ADDRESS_NOT_FOUND', `The address ${ip.toString()} is not in our database.`);
    account.queriesRemaining = (account.queriesRemaining ?? 100_000) - 1;
    body.maxmind = { queries_remaining: account.queriesRemaining };
    return log(json(c, body, `application/vnd.maxmind.com-${service}+json; charset=UTF-8; version=2.1`));
  });

  return app;
}

/** Serves the simulator on 127.0.0.1 (port 0 = any free port). */
export async function startIpIntelSimulator(opts: IpIntelSimOptions = {}): Promise<IpIntelSimulator> {
  const data = loadSimData(opts.dataDir ?? resolve(import.meta.dirname, '../../../../shared/fixtures/maxmind'));
  const state = { data, accounts: opts.accounts ?? [], requests: [] as SimRequestLog[], faults: [] as number[] };
  const app = createIpIntelSimApp(state);
  const host = opts.host ?? '127.0.0.1';
  const server = await new Promise<ServerType>((ok) => {
    const s = serve({ fetch: app.fetch, port: opts.port ?? 0, hostname: host }, () => ok(s));
  });
  outlastClientKeepAlive(server);
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}`,
    accounts: state.accounts,
    requests: state.requests,
    failNext(status, times = 1) {
      for (let i = 0; i < times; i++) state.faults.push(status);
    },
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}

function answer(data: SimData, service: string, ip: ipaddr.IPv4 | ipaddr.IPv6): SimRecord | undefined {
  const geo = data.enterprise.find(ip);
  const anon = data.anonymous.map((t) => t.find(ip)).find((x) => x !== undefined);
  if (!geo && !anon) return undefined;
  const rec = structuredClone(geo?.record ?? {}) as SimRecord & { traits?: Record<string, unknown> };
  const traits: Record<string, unknown> = { ...(rec.traits ?? {}), ip_address: ip.toString(), network: (geo ?? anon)!.network };
  if (service === 'country') {
    const out: SimRecord = { traits: { ip_address: traits.ip_address, network: traits.network } };
    for (const k of ['continent', 'country', 'registered_country', 'represented_country']) if (rec[k] !== undefined) out[k] = rec[k];
    return out;
  }
  if (service === 'insights' && anon) {
    const a = anon.record;
    const anonymizer: Record<string, unknown> = {};
    for (const k of ['is_anonymous', 'is_anonymous_vpn', 'is_hosting_provider', 'is_public_proxy', 'is_residential_proxy', 'is_tor_exit_node']) {
      if (a[k] === true) {
        anonymizer[k] = true;
        traits[k] = true; // the deprecated copy Insights still returns
      }
    }
    if (a.anonymizer_confidence !== undefined) anonymizer.confidence = a.anonymizer_confidence;
    if (a.network_last_seen !== undefined) anonymizer.network_last_seen = a.network_last_seen;
    if (a.provider_name !== undefined) anonymizer.provider_name = a.provider_name;
    rec.anonymizer = anonymizer;
  }
  if (service === 'city') {
    // City carries no user context or anonymiser data.
    for (const k of ['user_type', 'static_ip_score', 'user_count', 'is_legitimate_proxy']) delete traits[k];
  }
  rec.traits = traits;
  return rec;
}

function parseBasic(header: string | undefined): { accountId: string; licenseKey: string } | undefined {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header ?? '');
  if (!m) return undefined;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return { accountId: decoded, licenseKey: '' };
  return { accountId: decoded.slice(0, colon), licenseKey: decoded.slice(colon + 1) };
}

function parseAddress(raw: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  if (!ipaddr.isValid(raw)) return undefined;
  if (!raw.includes(':') && !ipaddr.IPv4.isValidFourPartDecimal(raw)) return undefined;
  const ip = ipaddr.parse(raw);
  return ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress() ? (ip as ipaddr.IPv6).toIPv4Address() : ip;
}

function json(c: Context, body: unknown, type: string): Response {
  return c.body(JSON.stringify(body), 200, { 'content-type': type });
}
