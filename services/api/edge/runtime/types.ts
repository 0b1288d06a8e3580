/**
 * The few Cloudflare Workers runtime types the Worker entry uses, declared here rather than
 * pulling in @cloudflare/workers-types (whose globals clash with Node's in one tsconfig).
 * Shapes follow https://developers.cloudflare.com/workers/runtime-apis/.
 */

/** `ctx` of a handler: keeps the invocation alive for work that finishes after the response. */
export type ExecutionContext = {
  waitUntil(promise: Promise<unknown>): void;
  passThroughOnException(): void;
  /** Props a caller passed through a service binding; unused here. */
  readonly props: unknown;
};

/** `controller` of the `scheduled` handler: which Cron Trigger fired, and when. */
export type ScheduledController = {
  /** The cron expression exactly as written in wrangler.toml `[triggers] crons`. */
  readonly cron: string;
  readonly scheduledTime: number;
  noRetry(): void;
};

/** A Hyperdrive binding: a connection string to Hyperdrive's pooled proxy of the database. */
export type Hyperdrive = { readonly connectionString: string };

/** A service binding, such as the static assets (`[assets] binding`). */
export type Fetcher = { fetch(input: Request | string | URL, init?: RequestInit): Promise<Response> };

/** The Worker's `env`: the bindings declared in wrangler.toml plus vars and secrets. */
export type WorkerEnv = {
  HYPERDRIVE: Hyperdrive;
  ASSETS: Fetcher;
  /** `[vars]` and `wrangler secret put` values (TW_SECRET_KEY, TW_PUBLIC_URL, TW_LOG_LEVEL, ...). */
  [name: string]: unknown;
};
