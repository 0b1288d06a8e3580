/**
 * A faithful local Microsoft 365: the Entra ID token endpoint, Microsoft Graph v1.0 and the
 * Office 365 Management Activity API for any number of simulated tenants, plus a control
 * API under /_sim. See README.md for the client options that point msal-node and the Graph
 * client at it.
 *
 * @example
 *   const sim = await startM365Simulator({ apps: [app], tenants: [baselineTenant({ seed: 1 })] });
 *   // sim.url === 'http://127.0.0.1:54321'
 *   await sim.close();
 */
import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import type { IncomingMessage } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { outlastClientKeepAlive } from '../../http-keep-alive.ts';
import type { AddressInfo } from 'node:net';
import { createSigningKeys, type SigningKeys } from './access-token.ts';
import { createClock, type ClockOptions, type SimClock } from './clock.ts';
import { controlRoutes } from './control.ts';
import { graphRoutes } from './graph/routes.ts';
import { managementRoutes } from './management-api.ts';
import { exchangeAdminRoutes } from './exchange-admin.ts';
import { SimState, type AppRegistration, type RequestLogEntry, type TenantScenario } from './state.ts';
import { signInRoutes } from './sign-in.ts';
import { tokenRoutes } from './token.ts';
import { WebhookNotifier } from './webhooks.ts';
import type { SimEnv } from './env.ts';

export { SimState, DEFAULT_USER_PASSWORD } from './state.ts';
export type { AppRegistration, AppConsent, AuditInput, TenantScenario, SimTenant, RequestLogEntry } from './state.ts';
export type { FaultRule, DeliveryFaults, TenantFaults } from './faults.ts';
export type { SimClock, ClockOptions } from './clock.ts';
export { createSelfSignedCertificate, type SelfSignedCertificate } from './x509.ts';
export { graphClientOptions, msalAuthorityOptions } from './client-options.ts';

export interface M365SimulatorOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  apps?: AppRegistration[];
  tenants?: TenantScenario[];
  /** A clock, or options for the built-in one (default: running, from real now). */
  clock?: SimClock | ClockOptions;
  /** Serve HTTPS with this key pair (PEM) instead of HTTP. */
  tls?: { key: string; cert: string };
  tokenLifetimeSeconds?: number;
  /** Reuse a token signing key pair (tests and benchmarks start many simulators; RSA generation costs ~100 ms). */
  signingKeys?: SigningKeys;
  contentPageSize?: number;
  maxRecordsPerBlob?: number;
  blobWindowMs?: number;
  /** Requests the request log keeps (the latest); default 10,000. */
  requestLogLimit?: number;
  requireHttpsWebhooks?: boolean;
  /** Delays between webhook delivery retries (real time). Default [1s, 5s, 30s]. */
  webhookRetryDelaysMs?: number[];
}

export interface M365Simulator {
  url: string;
  state: SimState;
  /** Delivers pending webhook notifications now (also done after every control API change). */
  publishDue(): Promise<number>;
  /** Waits for webhook delivery retries still scheduled. */
  drainWebhooks(): Promise<void>;
  close(): Promise<void>;
}

function isClock(value: SimClock | ClockOptions | undefined): value is SimClock {
  return typeof (value as SimClock | undefined)?.now === 'function';
}

function classify(path: string): RequestLogEntry['api'] {
  if (path.startsWith('/_sim')) return 'control';
  if (path.startsWith('/v1.0/')) return 'graph';
  if (path.startsWith('/api/')) return 'management';
  if (path.startsWith('/adminapi/')) return 'exchange';
  // The Entra sign-in surface: token endpoint, authorize, admin consent and the sign-in form posts.
  if (path.includes('/oauth2/') || /\/adminconsent$|^\/[^/]+\/(login|consent)$/.test(path)) return 'token';
  if (path.includes('/discovery/') || path.includes('/.well-known/')) return 'discovery';
  return 'other';
}

/** Builds the Hono app over a state (exported for in-process use without a socket). */
export function createM365App(state: SimState, notifier: WebhookNotifier, options: Pick<M365SimulatorOptions, 'requireHttpsWebhooks'> = {}): Hono<SimEnv> {
  const app = new Hono<SimEnv>();
  app.use('*', async (c, next) => {
    const started = performance.now();
    await next();
    const url = new URL(c.req.url);
    const tenantId = c.get('tenantId');
    const appId = c.get('appId');
    const fault = c.get('fault');
    // Served over a socket, @hono/node-server hands the request in as `incoming`.
    const clientPort = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming?.socket?.remotePort;
    state.logRequest({
      simTime: new Date(state.now()).toISOString(),
      method: c.req.method,
      path: url.pathname,
      query: url.search,
      api: classify(url.pathname),
      status: c.res.status,
      ...(tenantId ? { tenantId } : {}),
      ...(appId ? { appId } : {}),
      ...(fault ? { fault } : {}),
      durationMs: Math.round(performance.now() - started),
      ...(clientPort ? { clientPort } : {}),
    });
  });
  app.route('/', controlRoutes(state, { publishDue: () => notifier.publishDue() }));
  app.route('/', graphRoutes(state));
  app.route('/', managementRoutes(state, options));
  app.route('/', exchangeAdminRoutes(state));
  app.route('/', tokenRoutes(state));
  app.route('/', signInRoutes(state));
  app.notFound((c) => c.json({ error: { code: 'NotFound', message: `No simulated endpoint at ${c.req.method} ${c.req.path}` } }, 404));
  app.onError((error, c) => {
    console.error('m365 simulator error', error);
    return c.json({ error: { code: 'InternalServerError', message: 'The simulator failed to handle the request.' } }, 500);
  });
  return app;
}

export async function startM365Simulator(options: M365SimulatorOptions = {}): Promise<M365Simulator> {
  const clock = isClock(options.clock) ? options.clock : createClock(options.clock);
  const state = new SimState({
    clock,
    signingKeys: options.signingKeys ?? (await createSigningKeys()),
    ...(options.tokenLifetimeSeconds !== undefined ? { tokenLifetimeSeconds: options.tokenLifetimeSeconds } : {}),
    ...(options.contentPageSize !== undefined ? { contentPageSize: options.contentPageSize } : {}),
    ...(options.maxRecordsPerBlob !== undefined ? { maxRecordsPerBlob: options.maxRecordsPerBlob } : {}),
    ...(options.blobWindowMs !== undefined ? { blobWindowMs: options.blobWindowMs } : {}),
    ...(options.requestLogLimit !== undefined ? { requestLogLimit: options.requestLogLimit } : {}),
  });
  for (const app of options.apps ?? []) state.registerApp(app);
  for (const tenant of options.tenants ?? []) state.addTenant(tenant);
  const notifier = new WebhookNotifier(state, options.webhookRetryDelaysMs ? { retryDelaysMs: options.webhookRetryDelaysMs } : {});
  const app = createM365App(state, notifier, options);
  const host = options.host ?? '127.0.0.1';

  const server = await new Promise<ServerType>((resolve) => {
    const s: ServerType = serve(
      {
        fetch: app.fetch,
        port: options.port ?? 0,
        hostname: host,
        ...(options.tls ? { createServer: createHttpsServer, serverOptions: { key: options.tls.key, cert: options.tls.cert } } : {}),
      },
      () => resolve(s),
    );
  });
  outlastClientKeepAlive(server);
  const address = server.address() as AddressInfo;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  const url = `${options.tls ? 'https' : 'http'}://${urlHost}:${address.port}`;
  state.publicOrigin = url;

  // A running clock makes content visible as real time passes; poll so webhooks still fire.
  const ticker = clock.frozen ? undefined : setInterval(() => void notifier.publishDue().catch(() => undefined), 1000);
  ticker?.unref();

  return {
    url,
    state,
    publishDue: () => notifier.publishDue(),
    drainWebhooks: () => notifier.drain(),
    close: async () => {
      if (ticker) clearInterval(ticker);
      await new Promise<void>((resolve, reject) => {
        const closable = server as ServerType & { closeAllConnections?: () => void };
        server.close((err) => (err ? reject(err) : resolve()));
        closable.closeAllConnections?.();
      });
    },
  };
}
