import { describe, expect, test } from 'vitest';
import { ConfigError, decodeKey, loadConfig } from './config.ts';

describe('loadConfig', () => {
  test('defaults for the embedded product', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 8787,
      dataDir: './data',
      databaseUrl: undefined,
      secretKey: undefined,
      publicUrl: 'http://localhost:8787',
      demo: true,
    });
  });

  test('reads every documented setting', () => {
    const config = loadConfig({
      PORT: '9000',
      TW_DATA_DIR: '/var/lib/tenantwatch',
      DATABASE_URL: 'postgres://tw@db.internal:5432/tw',
      TW_SECRET_KEY: 'ab'.repeat(32),
      TW_PUBLIC_URL: 'https://watch.northwind.example/',
      TW_DEMO: 'off',
    });
    expect(config.port).toBe(9000);
    expect(config.dataDir).toBe('/var/lib/tenantwatch');
    expect(config.databaseUrl).toBe('postgres://tw@db.internal:5432/tw');
    expect(config.secretKey?.length).toBe(32);
    expect(config.publicUrl).toBe('https://watch.northwind.example');
    expect(config.demo).toBe(false);
  });

  test('notifications: nothing private allowed by default, ranges listed by the admin; mail goes to the sink with the demo', () => {
    expect(loadConfig({}).notify).toMatchObject({ allowCidrs: [], timeoutSeconds: 15, maxAttempts: 10, retrySeconds: 30 });
    expect(loadConfig({ TW_NOTIFY_ALLOW_CIDRS: ' 10.20.0.0/16, 127.0.0.1 ,::1/128', TW_NOTIFY_TIMEOUT_SECONDS: '30' }).notify).toMatchObject({
      allowCidrs: ['10.20.0.0/16', '127.0.0.1', '::1/128'],
      timeoutSeconds: 30,
    });
    expect(loadConfig({}).smtp).toMatchObject({ host: null, sink: true, port: 587, security: 'starttls' });
    expect(loadConfig({ TW_DEMO: 'off' }).smtp.sink).toBe(false);
    expect(loadConfig({ TW_SMTP_HOST: 'smtp.northwind.example', TW_SMTP_SECURITY: 'tls', TW_SMTP_PORT: '465' }).smtp).toMatchObject({
      host: 'smtp.northwind.example',
      security: 'tls',
      port: 465,
    });
  });

  test('an empty value counts as unset', () => {
    expect(loadConfig({ PORT: '', DATABASE_URL: '' })).toMatchObject({ port: 8787, databaseUrl: undefined });
  });

  test.each([
    [{ PORT: 'abc' }, 'PORT: expected a port number (got "abc")'],
    [{ PORT: '70000' }, 'PORT: expected a port number between 1 and 65535 (got "70000")'],
    [{ PORT: '80.5' }, 'PORT: expected a whole number'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL: expected a postgres:// or postgresql:// URL'],
    [{ TW_SECRET_KEY: 'short' }, 'TW_SECRET_KEY: expected 32 random bytes as 64 hex characters or base64'],
    [{ TW_PUBLIC_URL: 'watch.example' }, 'TW_PUBLIC_URL: expected an absolute http(s) URL'],
    [{ TW_DEMO: 'maybe' }, 'TW_DEMO: expected one of true, false, on, off, 1, 0 (got "maybe")'],
    [{ TW_LOG_LEVEL: 'loud' }, 'TW_LOG_LEVEL:'],
    [{ TW_NOTIFY_ALLOW_CIDRS: '10.0.0.0/8, intranet' }, "TW_NOTIFY_ALLOW_CIDRS: 'intranet' is not an IP address or CIDR range"],
    [{ TW_SMTP_SECURITY: 'ssl' }, 'TW_SMTP_SECURITY: expected starttls, tls or none'],
    [{ TW_SMTP_FROM: 'alerts' }, 'TW_SMTP_FROM: expected an address'],
  ])('%o stops start-up naming the setting', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  test('every bad setting is named at once, and the secret key value is never echoed', () => {
    const secret = 'not-a-key-but-secret';
    let message = '';
    try {
      loadConfig({ PORT: 'x', TW_SECRET_KEY: secret });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain('PORT:');
    expect(message).toContain('TW_SECRET_KEY:');
    expect(message).not.toContain(secret);
  });

  test('a password in DATABASE_URL is masked in the message', () => {
    expect(() => loadConfig({ DATABASE_URL: 'mysql://u:hunter2@h/db' })).toThrow(/u:\*\*\*@/);
    expect(() => loadConfig({ DATABASE_URL: 'mysql://u:hunter2@h/db' })).not.toThrow(/hunter2/);
  });
});

describe('IP intelligence settings', () => {
  test('the free ip-location-db data alone by default', () => {
    expect(loadConfig({}).ipIntel.providers.map((p) => p.provider)).toEqual(['ip-location-db']);
  });

  test('MaxMind databases, then the GeoIP2 web service, then the free data', () => {
    const { ipIntel } = loadConfig({
      TW_MAXMIND_CITY: '/var/lib/GeoIP/GeoIP2-City.mmdb',
      TW_MAXMIND_ANONYMOUS_IP: '/var/lib/GeoIP/GeoIP2-Anonymous-IP.mmdb',
      TW_GEOIP2_ACCOUNT_ID: '123456',
      TW_GEOIP2_LICENSE_KEY: 'key',
      TW_GEOIP2_URL: 'http://127.0.0.1:9999',
    });
    expect(ipIntel.providers).toMatchObject([
      { provider: 'maxmind', databases: { city: '/var/lib/GeoIP/GeoIP2-City.mmdb', anonymousIp: '/var/lib/GeoIP/GeoIP2-Anonymous-IP.mmdb' } },
      { provider: 'geoip2-web', accountId: '123456', service: 'insights', dailyBudget: 1000, baseUrl: 'http://127.0.0.1:9999' },
      { provider: 'ip-location-db' },
    ]);
    expect(loadConfig({ TW_MAXMIND_ASN: '/a.mmdb', TW_IP_LOCATION_DB: 'off' }).ipIntel.providers.map((p) => p.provider)).toEqual(['maxmind']);
  });

  test('half a web service account is refused, and the license key is never echoed', () => {
    expect(() => loadConfig({ TW_GEOIP2_ACCOUNT_ID: '1' })).toThrow(/TW_GEOIP2_ACCOUNT_ID and TW_GEOIP2_LICENSE_KEY: expected both/);
    expect(() => loadConfig({ TW_GEOIP2_ACCOUNT_ID: 'x', TW_GEOIP2_LICENSE_KEY: 'hunter2' })).toThrow(
      /TW_GEOIP2_ACCOUNT_ID: expected the numeric MaxMind account ID/,
    );
    const bad = { TW_GEOIP2_LICENSE_KEY: 'hunter2', TW_GEOIP2_DAILY_BUDGET: 'lots' };
    expect(() => loadConfig(bad)).toThrow(/TW_GEOIP2_DAILY_BUDGET: expected a number of requests/);
    expect(() => loadConfig(bad)).not.toThrow(/hunter2/);
  });
});

describe('decodeKey', () => {
  test.each([
    ['hex', 'f'.repeat(64), 32],
    ['base64', Buffer.alloc(32, 7).toString('base64'), 32],
    ['base64url', Buffer.alloc(32, 250).toString('base64url'), 32],
  ])('accepts %s', (_name, value, length) => {
    expect(decodeKey(value)?.length).toBe(length);
  });

  test.each(['', 'f'.repeat(63), Buffer.alloc(16).toString('base64'), 'z'.repeat(64)])('rejects %j', (value) => {
    expect(decodeKey(value)).toBeNull();
  });
});
