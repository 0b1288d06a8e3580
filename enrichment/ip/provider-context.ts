/** What the service hands every provider factory: hooks, not settings. */
export interface ProviderContext {
  /** The provider's data changed (a database was replaced): cached answers are stale. */
  onDataChanged?: () => void;
  log?: (level: 'info' | 'warn' | 'error', message: string) => void;
  /** Injectable for tests; defaults to the global fetch. */
  fetch?: typeof fetch;
  /** Clock in ms, injectable for tests (cache expiry, daily budget). */
  now?: () => number;
}
