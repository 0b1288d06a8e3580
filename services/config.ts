import { z } from 'zod';
import { IpIntelConfigError, parseIpIntelSettings, type IpIntelSettings } from '../enrichment/ip/settings.ts';
import type { ProviderSettingsInput } from '../enrichment/ip/registry.ts';
import { parseAllowList } from './net/address-policy.ts';

/**
 * Every setting Tenantwatch reads, parsed once at boot. `process.env` is read nowhere else:
 * callers receive a `Config`. A bad value stops start-up with a message naming the setting.
 */

const bool = z
  .string()
  .trim()
  .toLowerCase()
  .refine((v) => ['1', '0', 'true', 'false', 'on', 'off', 'yes', 'no'].includes(v), {
    message: 'expected one of true, false, on, off, 1, 0',
  })
  .transform((v) => ['1', 'true', 'on', 'yes'].includes(v));

const port = z.coerce
  .number({ message: 'expected a port number' })
  .int('expected a whole number')
  .min(1, 'expected a port number between 1 and 65535')
  .max(65535, 'expected a port number between 1 and 65535');

const positiveInt = (what: string) =>
  z.coerce
    .number({ message: `expected ${what}` })
    .int(`expected ${what}`)
    .positive(`expected ${what}`);

/** Microsoft endpoints: https only (tokens must never travel in clear). */
const httpsUrl = z
  .url({ message: 'expected an https:// URL' })
  .refine((v) => v.startsWith('https://'), { message: 'expected an https:// URL' })
  .transform((v) => v.replace(/\/+$/, ''));

/** MaxMind database files by setting: `TW_MAXMIND_CITY=/var/lib/GeoIP/GeoIP2-City.mmdb` etc. */
const MAXMIND_DATABASES = {
  TW_MAXMIND_ENTERPRISE: 'enterprise',
  TW_MAXMIND_CITY: 'city',
  TW_MAXMIND_COUNTRY: 'country',
  TW_MAXMIND_ISP: 'isp',
  TW_MAXMIND_ASN: 'asn',
  TW_MAXMIND_CONNECTION_TYPE: 'connectionType',
  TW_MAXMIND_IP_RISK: 'ipRisk',
  TW_MAXMIND_ANONYMOUS_PLUS: 'anonymousPlus',
  TW_MAXMIND_ANONYMOUS_IP: 'anonymousIp',
  TW_MAXMIND_RESIDENTIAL_PROXY: 'residentialProxy',
} as const;

/**
 * Who may create a new MSP on this installation (besides the first owner's setup):
 * - `closed`: nobody;
 * - `invite`: whoever holds a one-time link from the operator (`tenantwatch msp invite`);
 * - `open`: also anyone, through the public sign-up page (rate limited per address).
 */
export const SIGNUP_MODES = ['closed', 'invite', 'open'] as const;
export type SignupMode = (typeof SIGNUP_MODES)[number];

const envSchema = z.object({
  PORT: port.default(8787),
  HOST: z.string().min(1).default('127.0.0.1'),
  TW_DATA_DIR: z.string().min(1, 'expected a directory path').default('./data'),
  DATABASE_URL: z
    .string()
    .refine((v) => /^postgres(ql)?:\/\//.test(v), { message: 'expected a postgres:// or postgresql:// URL' })
    .optional(),
  TW_SECRET_KEY: z
    .string()
    .refine((v) => decodeKey(v) !== null, {
      message: 'expected 32 random bytes as 64 hex characters or base64 (openssl rand -base64 32)',
    })
    .optional(),
  TW_PUBLIC_URL: z
    .url({ message: 'expected an absolute http(s) URL, e.g. https://tenantwatch.example.com' })
    .refine((v) => /^https?:\/\//.test(v), { message: 'expected an absolute http(s) URL' })
    .optional(),
  TW_DEMO: bool.default(true),
  TW_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  TW_SESSION_HOURS: positiveInt('a number of hours').default(12),
  TW_MAX_BODY_BYTES: positiveInt('a number of bytes').default(1_048_576),
  TW_IMPORT_MAX_BYTES: positiveInt('a number of bytes').default(1_073_741_824),
  TW_WORKER_CONCURRENCY: positiveInt('a number of jobs').default(4),
  TW_SHUTDOWN_GRACE_SECONDS: positiveInt('a number of seconds').default(30),
  TW_QUEUE_MAINTENANCE_SECONDS: positiveInt('a number of seconds').default(60),
  TW_LOGIN_URL: httpsUrl.default('https://login.microsoftonline.com'),
  TW_GRAPH_URL: httpsUrl.default('https://graph.microsoft.com'),
  TW_MANAGEMENT_URL: httpsUrl.default('https://manage.office.com'),
  TW_EXCHANGE_URL: httpsUrl.default('https://outlook.office365.com'),
  TW_MS_CLIENT_ID: z.uuid({ message: 'expected the application (client) id of the MSP app, a GUID' }).optional(),
  TW_MS_CLIENT_SECRET: z.string().min(1).optional(),
  TW_PUBLISHER_ID: z.uuid({ message: "expected the MSP's own Entra tenant id, a GUID" }).optional(),
  TW_COLLECT_INTERVAL_MINUTES: positiveInt('a number of minutes').default(5),
  TW_COLLECT_CONCURRENCY: positiveInt('a number of tenants').default(16),
  TW_COLLECT_JOB_EXPIRY_SECONDS: positiveInt('a number of seconds').default(900),
  TW_COLLECT_OVERLAP_MINUTES: positiveInt('a number of minutes').default(120),
  TW_COLLECT_BACKFILL_DAYS: z.coerce
    .number({ message: 'expected a number of days' })
    .int('expected a number of days')
    .min(1, 'expected 1 to 7 days')
    .max(7, 'expected 1 to 7 days')
    .default(7),
  TW_RETENTION_DAYS: positiveInt('a number of days').default(90),
  TW_AUDIT_WEBHOOKS: z.enum(['auto', 'on', 'off'], { message: 'expected auto, on or off' }).default('auto'),
  TW_LIVE_LOOKUPS_PER_MINUTE: positiveInt('a number of lookups').default(30),
  TW_SIGNUP: z.enum(SIGNUP_MODES, { message: 'expected closed, invite or open' }).default('invite'),
  TW_API_REFERENCE: z.enum(['signed-in', 'public'], { message: 'expected signed-in or public' }).default('signed-in'),
  TW_METRICS_PORT: port.optional(),
  TW_METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  TW_METRICS_TOKEN: z.string().trim().min(16, 'expected at least 16 characters (openssl rand -hex 32)').optional(),
  TW_HEALTH_QUEUE_STUCK_SECONDS: positiveInt('a number of seconds').default(900),
  TW_HEALTH_COLLECTOR_FAILURES: positiveInt('a number of failures in a row').default(3),
  TW_EVENT_STREAM_RECHECK_SECONDS: positiveInt('a number of seconds').default(60),
  TW_EVENT_STREAMS_PER_USER: positiveInt('a number of streams').default(5),
  ...Object.fromEntries(Object.keys(MAXMIND_DATABASES).map((k) => [k, z.string().trim().min(1).optional()])),
  TW_GEOIP2_ACCOUNT_ID: z.string().regex(/^\d+$/, 'expected the numeric MaxMind account ID').optional(),
  TW_GEOIP2_LICENSE_KEY: z.string().trim().min(1).optional(),
  TW_GEOIP2_URL: z.url({ message: 'expected an absolute http(s) URL, e.g. https://geoip.maxmind.com' }).optional(),
  TW_GEOIP2_SERVICE: z.enum(['insights', 'city', 'country'], { message: 'expected insights, city or country' }).default('insights'),
  TW_GEOIP2_DAILY_BUDGET: z.coerce
    .number({ message: 'expected a number of requests' })
    .int('expected a number of requests')
    .min(0, 'expected a number of requests')
    .default(1000),
  TW_IP_LOCATION_DB: bool.default(true),
  TW_SMTP_HOST: z.string().trim().min(1).optional(),
  TW_SMTP_SINK: bool.optional(),
  TW_SMTP_PORT: port.default(587),
  TW_SMTP_SECURITY: z.enum(['starttls', 'tls', 'none'], { message: 'expected starttls, tls or none' }).default('starttls'),
  TW_SMTP_USER: z.string().min(1).optional(),
  TW_SMTP_PASSWORD: z.string().min(1).optional(),
  TW_SMTP_FROM: z
    .string()
    .trim()
    .refine((v) => /@[A-Za-z0-9.-]+>?$/.test(v) && !/[\r\n]/.test(v), { message: 'expected an address, e.g. Tenantwatch <alerts@example.com>' })
    .default('Tenantwatch <alerts@tenantwatch.invalid>'),
  TW_SMTP_TIMEOUT_SECONDS: positiveInt('a number of seconds').default(30),
  TW_SMTP_MAX_CONNECTIONS: positiveInt('a number of connections').default(5),
  TW_NOTIFY_MAX_ATTEMPTS: positiveInt('a number of attempts').default(10),
  TW_NOTIFY_RETRY_SECONDS: positiveInt('a number of seconds').default(30),
  TW_NOTIFY_CONCURRENCY: positiveInt('a number of messages').default(8),
  TW_NOTIFY_LEASE_SECONDS: positiveInt('a number of seconds').default(300),
  TW_NOTIFY_ALLOW_CIDRS: z
    .string()
    .transform((v, ctx) => {
      const entries = v
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean);
      try {
        parseAllowList(entries);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: `${(err as Error).message}; expected a comma-separated list of CIDR ranges` });
        return z.NEVER;
      }
      return entries;
    })
    .default([]),
  TW_NOTIFY_TIMEOUT_SECONDS: positiveInt('a number of seconds').max(120, 'expected at most 120 seconds').default(15),
  /** Node's own setting, read here so the demo can keep trusting what it lists (demo/trust.ts). */
  NODE_EXTRA_CA_CERTS: z.string().optional(),
});

export type Config = {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | undefined;
  /** Decoded 32-byte key, when set in the environment; see `resolveSecretKey`. */
  secretKey: Buffer | undefined;
  publicUrl: string;
  demo: boolean;
  logLevel: z.infer<typeof envSchema>['TW_LOG_LEVEL'];
  sessionHours: number;
  maxBodyBytes: number;
  /** Largest audit export the API accepts for import (uploads are streamed to disk, not held in memory). */
  importMaxBytes: number;
  workerConcurrency: number;
  shutdownGraceSeconds: number;
  /**
   * How often the queue's upkeep runs (one process of all those on one database does it each
   * time): it expires jobs that outlived their expiry, which is how the jobs of a dead process are
   * picked up again on Postgres.
   */
  queueMaintenanceSeconds: number;
  microsoft: {
    /** Entra ID token endpoint host, e.g. https://login.microsoftonline.com. */
    loginUrl: string;
    graphUrl: string;
    managementUrl: string;
    /** Exchange Online admin API (InvokeCommand: mail flow rules, mailboxes), e.g. https://outlook.office365.com. */
    exchangeUrl: string;
    /** The MSP's multi-tenant app, used for tenants onboarded by admin consent. */
    clientId: string | undefined;
    clientSecret: string | undefined;
    /** PublisherIdentifier for the Management Activity API quota (the MSP's tenant id). */
    publisherId: string | undefined;
  };
  collect: {
    intervalMinutes: number;
    /** Tenants one process collects at once. */
    concurrency: number;
    /**
     * Seconds a tenant's collection pass may run before the queue gives it up; the pass of a
     * process that died is collected again after it. Keep it well above the longest pass (a
     * first back-fill of a large tenant): an expired pass that still runs would run beside the next.
     */
    jobExpirySeconds: number;
    /** How far each poll re-reads before the last checkpoint, to catch records that arrive late. */
    overlapMinutes: number;
    /** First collection of a tenant reaches this far back (the API keeps 7 days). */
    backfillDays: number;
    /** Raw activity older than this is purged. */
    retentionDays: number;
    /** Where the Management Activity API sends notifications; null when webhooks are off. */
    webhookAddress: string | null;
  };
  /**
   * The demo's in-process simulator, which the demo tenant talks to instead of Microsoft: null
   * as parsed (never from the environment); the runtime starts the demo before anything else and
   * hands every stage a configuration with it filled in (services/demo/demo.ts).
   */
  demoMicrosoft: Pick<Config['microsoft'], 'loginUrl' | 'graphUrl' | 'managementUrl' | 'exchangeUrl'> | null;
  /** NODE_EXTRA_CA_CERTS: a PEM file of further CA certificates this process trusts. */
  extraCaCertsFile: string | undefined;
  /** IP intelligence providers in precedence order (enrichment/ip). */
  ipIntel: IpIntelSettings;
  /** Live entity lookups the event page may make per tenant per minute (each costs Microsoft Graph or Exchange calls). */
  liveLookupsPerMinute: number;
  /** Who may create a new MSP; see SIGNUP_MODES. */
  signup: SignupMode;
  /**
   * Who reads /api/openapi.json and the browsable reference at /api/reference: `signed-in` (a
   * session or an API token) by default, `public` for anyone.
   */
  apiReference: 'signed-in' | 'public';
  /**
   * Prometheus metrics: off unless a port or a token is set. `port` serves them on a listener of
   * their own (on `host`); `token`, when set, is required as a bearer token wherever they are
   * served, and alone serves them on the application's port.
   */
  metrics: { port: number | undefined; host: string; token: string | undefined };
  /**
   * When /healthz says "degraded": a queue whose oldest due job has waited `queueStuckSeconds`,
   * a tenant source that failed `collectorFailures` times in a row.
   */
  health: { queueStuckSeconds: number; collectorFailures: number };
  /**
   * Outgoing mail. `host` null: no SMTP server configured; the demo then delivers to its built-in
   * sink (services/sim/smtp) and without the demo email actions fail with that reason.
   */
  smtp: {
    host: string | null;
    /** With no host: deliver to the built-in SMTP sink (the Outbox page). On with the demo unless set. */
    sink: boolean;
    port: number;
    security: 'starttls' | 'tls' | 'none';
    user: string | undefined;
    password: string | undefined;
    from: string;
    timeoutSeconds: number;
    maxConnections: number;
  };
  /** The outbox sender (services/notify/sender.ts). */
  notify: {
    /** Attempts before a delivery is dead (kept with its last error). */
    maxAttempts: number;
    /** First retry after about this long; each next one waits twice as long (with jitter), at most a day. */
    retrySeconds: number;
    /** Messages one process sends at once. */
    concurrency: number;
    /** A delivery being sent by a process that died is taken back after this long (Postgres). */
    leaseSeconds: number;
    /**
     * Ranges web requests, Slack and Teams may reach although private, loopback, link-local or
     * CGNAT (services/notify/net/address-policy.ts), and the time one such request may take.
     */
    allowCidrs: string[];
    timeoutSeconds: number;
  };
  eventStream: {
    /** How often an open event stream checks that its session or token is still valid. */
    recheckSeconds: number;
    /** Open event streams one user may have at once (per process). */
    maxPerUser: number;
  };
};

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * Parses the environment into a `Config`.
 * @example loadConfig({ PORT: '9000' }).port === 9000
 * @throws ConfigError naming every bad setting, e.g. `PORT: expected a port number (got "abc")`.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // Empty strings mean "not set" (a common result of `FOO= npm start`).
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    // One message per setting: the first rule it broke.
    const seen = new Set<string>();
    const issues = parsed.error.issues.filter((issue) => {
      const key = String(issue.path[0] ?? '');
      return !seen.has(key) && seen.add(key);
    });
    const lines = issues.map((issue) => {
      const key = String(issue.path[0] ?? '');
      const got = present[key];
      return `${key}: ${issue.message}${got === undefined ? '' : ` (got ${JSON.stringify(redact(key, got))})`}`;
    });
    throw new ConfigError(`Invalid configuration: ${lines.join('; ')}`);
  }
  const e = parsed.data;
  const ipIntel = ipIntelSettings(e as unknown as Record<string, string | undefined>, e);
  const publicUrl = (e.TW_PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, '');
  return {
    port: e.PORT,
    host: e.HOST,
    dataDir: e.TW_DATA_DIR,
    databaseUrl: e.DATABASE_URL,
    secretKey: e.TW_SECRET_KEY ? (decodeKey(e.TW_SECRET_KEY) ?? undefined) : undefined,
    publicUrl,
    demo: e.TW_DEMO,
    logLevel: e.TW_LOG_LEVEL,
    sessionHours: e.TW_SESSION_HOURS,
    maxBodyBytes: e.TW_MAX_BODY_BYTES,
    importMaxBytes: e.TW_IMPORT_MAX_BYTES,
    workerConcurrency: e.TW_WORKER_CONCURRENCY,
    shutdownGraceSeconds: e.TW_SHUTDOWN_GRACE_SECONDS,
    queueMaintenanceSeconds: e.TW_QUEUE_MAINTENANCE_SECONDS,
    microsoft: {
      loginUrl: e.TW_LOGIN_URL,
      graphUrl: e.TW_GRAPH_URL,
      managementUrl: e.TW_MANAGEMENT_URL,
      exchangeUrl: e.TW_EXCHANGE_URL,
      clientId: e.TW_MS_CLIENT_ID,
      clientSecret: e.TW_MS_CLIENT_SECRET,
      publisherId: e.TW_PUBLISHER_ID,
    },
    collect: {
      intervalMinutes: e.TW_COLLECT_INTERVAL_MINUTES,
      concurrency: e.TW_COLLECT_CONCURRENCY,
      jobExpirySeconds: e.TW_COLLECT_JOB_EXPIRY_SECONDS,
      overlapMinutes: e.TW_COLLECT_OVERLAP_MINUTES,
      backfillDays: e.TW_COLLECT_BACKFILL_DAYS,
      retentionDays: e.TW_RETENTION_DAYS,
      // Microsoft only calls https addresses; `auto` turns webhooks on when the public URL is one.
      webhookAddress:
        e.TW_AUDIT_WEBHOOKS === 'on' || (e.TW_AUDIT_WEBHOOKS === 'auto' && publicUrl.startsWith('https://'))
          ? `${publicUrl}/api/webhooks/management-activity`
          : null,
    },
    demoMicrosoft: null,
    extraCaCertsFile: e.NODE_EXTRA_CA_CERTS,
    ipIntel,
    liveLookupsPerMinute: e.TW_LIVE_LOOKUPS_PER_MINUTE,
    signup: e.TW_SIGNUP,
    apiReference: e.TW_API_REFERENCE,
    metrics: { port: e.TW_METRICS_PORT, host: e.TW_METRICS_HOST, token: e.TW_METRICS_TOKEN },
    health: { queueStuckSeconds: e.TW_HEALTH_QUEUE_STUCK_SECONDS, collectorFailures: e.TW_HEALTH_COLLECTOR_FAILURES },
    smtp: {
      host: e.TW_SMTP_HOST ?? null,
      sink: e.TW_SMTP_SINK ?? e.TW_DEMO,
      port: e.TW_SMTP_PORT,
      security: e.TW_SMTP_SECURITY,
      user: e.TW_SMTP_USER,
      password: e.TW_SMTP_PASSWORD,
      from: e.TW_SMTP_FROM,
      timeoutSeconds: e.TW_SMTP_TIMEOUT_SECONDS,
      maxConnections: e.TW_SMTP_MAX_CONNECTIONS,
    },
    notify: {
      maxAttempts: e.TW_NOTIFY_MAX_ATTEMPTS,
      retrySeconds: e.TW_NOTIFY_RETRY_SECONDS,
      concurrency: e.TW_NOTIFY_CONCURRENCY,
      leaseSeconds: e.TW_NOTIFY_LEASE_SECONDS,
      allowCidrs: e.TW_NOTIFY_ALLOW_CIDRS,
      timeoutSeconds: e.TW_NOTIFY_TIMEOUT_SECONDS,
    },
    eventStream: { recheckSeconds: e.TW_EVENT_STREAM_RECHECK_SECONDS, maxPerUser: e.TW_EVENT_STREAMS_PER_USER },
  };
}

/**
 * Providers in precedence order: the customer's MaxMind databases, then the GeoIP2 web service,
 * then the free ip-location-db data (on by default, so every event has a location and an AS).
 */
function ipIntelSettings(paths: Record<string, string | undefined>, e: z.infer<typeof envSchema>): IpIntelSettings {
  const providers: ProviderSettingsInput[] = [];
  const databases = Object.fromEntries(Object.entries(MAXMIND_DATABASES).flatMap(([key, slot]) => (paths[key] ? [[slot, paths[key]]] : [])));
  if (Object.keys(databases).length > 0) providers.push({ provider: 'maxmind', databases });
  if (e.TW_GEOIP2_ACCOUNT_ID || e.TW_GEOIP2_LICENSE_KEY) {
    if (!e.TW_GEOIP2_ACCOUNT_ID || !e.TW_GEOIP2_LICENSE_KEY) {
      throw new ConfigError(
        'Invalid configuration: TW_GEOIP2_ACCOUNT_ID and TW_GEOIP2_LICENSE_KEY: expected both (the MaxMind account ID and its license key)',
      );
    }
    providers.push({
      provider: 'geoip2-web',
      accountId: e.TW_GEOIP2_ACCOUNT_ID,
      licenseKey: e.TW_GEOIP2_LICENSE_KEY,
      service: e.TW_GEOIP2_SERVICE,
      dailyBudget: e.TW_GEOIP2_DAILY_BUDGET,
      ...(e.TW_GEOIP2_URL ? { baseUrl: e.TW_GEOIP2_URL } : {}),
    });
  }
  if (e.TW_IP_LOCATION_DB) providers.push({ provider: 'ip-location-db' });
  try {
    return parseIpIntelSettings({ providers });
  } catch (err) {
    if (err instanceof IpIntelConfigError) throw new ConfigError(`Invalid configuration: ${err.message}`);
    throw err;
  }
}

/** Accepts 64 hex characters or base64/base64url of exactly 32 bytes. */
export function decodeKey(value: string): Buffer | null {
  const v = value.trim();
  if (/^[0-9a-fA-F]{64}$/.test(v)) return Buffer.from(v, 'hex');
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(v)) {
    const buf = Buffer.from(v.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    return buf.length === 32 ? buf : null;
  }
  return null;
}

function redact(key: string, value: string): string {
  if (key === 'TW_SECRET_KEY' || key === 'TW_MS_CLIENT_SECRET' || key === 'TW_GEOIP2_LICENSE_KEY' || key === 'TW_METRICS_TOKEN' || key === 'TW_SMTP_PASSWORD')
    return '<hidden>';
  if (key === 'DATABASE_URL') return value.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
  return value;
}
