import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Registry } from 'prom-client';
import type { Database } from '../../db/client.ts';
import type { Config } from '../config.ts';
import type { SecretBox } from '../crypto.ts';
import type { Logger } from '../log.ts';
import type { Actor } from '../core/context.ts';
import type { TokenProvider } from '../microsoft/token-provider.ts';
import type { IpIntelService } from '../../enrichment/ip/index.ts';
import type { EntityLookup } from '../../enrichment/lookup.ts';
import type { MicrosoftLogin } from '../core/auth/microsoft-login.ts';
import type { SmtpSink } from '../notify/index.ts';
import type { ImportRunner } from '../core/import/import-runner.ts';
import type { RemediationQueue } from '../core/remediation/queue.ts';
import type { CollectionQueue } from '../collector/webhook.ts';
import type { OperationsReader } from './operations.ts';

/** Everything the API needs from the running process; built once at start. */
export type AppDeps = {
  config: Config;
  database: Database;
  secrets: SecretBox;
  log: Logger;
  metrics: Registry;
  /** Microsoft sign-in for tenant checks; absent where msal-node does not run (Workers). */
  tokens?: TokenProvider;
  /** "Sign in with Microsoft" (msal-node), when the MSP app is configured; absent on Workers. */
  microsoftLogin?: MicrosoftLogin | null;
  /** IP intelligence for live lookups; absent on Workers (no local databases there). */
  ipIntel?: IpIntelService;
  /**
   * The event page's live lookups: the process's one entity lookup, shared with the enrichment
   * workers (runtime.ts). An app built without one makes its own where it can sign in to Microsoft.
   */
  entityLookup?: EntityLookup;
  /** Reports whether the queue can take and hand out jobs; for /healthz. */
  queueHealthy?: () => Promise<boolean>;
  /** The installation's state for /metrics and /healthz (collectors, queues, deliveries…); made by createApp when absent. */
  operations?: OperationsReader;
  /** Audit-file imports in the background; absent on Workers (no file system), where uploads answer 503. */
  imports?: ImportRunner;
  /** The demo's SMTP sink, whose messages the Outbox page shows; null or absent with a real SMTP server. */
  outbox?: SmtpSink | null;
  /** Hands approved remediation actions to the workers; absent on Workers, where the sweep job queues them within a minute. */
  remediationQueue?: RemediationQueue;
  /** Queues a tenant's collection when Microsoft notifies new audit content; absent on Workers, where the schedule collects it within a minute. */
  collectionQueue?: CollectionQueue;
  /** Aborted when the process stops, so long-lived responses (the event stream) end and the server can close. */
  shutdown?: AbortSignal;
};

/** Who the request is from, when it carries a valid session cookie or bearer token. */
export type Auth = {
  msp: string;
  actor: Actor;
  via: 'session' | 'token';
  /** Session requests only: the value writes must echo in `X-CSRF-Token`. */
  csrfToken?: string;
};

export type AppEnv = {
  Variables: {
    requestId: string;
    auth: Auth | null;
    deps: AppDeps;
  };
};

export type App = OpenAPIHono<AppEnv>;
