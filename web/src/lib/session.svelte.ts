import type { components } from '$lib/api/schema';

/** The signed-in user, their MSP and the CSRF token, as `GET /api/v1/auth/session` answers. */
export type Session = components['schemas']['Session'];

/**
 * The one place the web app keeps the current session. The API client reads the CSRF token
 * from here for every write; the app shell reads the user and MSP. It is a single-page app
 * (no server rendering), so one module-level store per browser tab is right.
 */
class SessionStore {
  current = $state<Session | null>(null);

  /** The value writes must send as `X-CSRF-Token`, or null when signed out. */
  get csrfToken(): string | null {
    return this.current?.csrfToken ?? null;
  }

  set(session: Session): void {
    this.current = session;
  }

  clear(): void {
    this.current = null;
  }
}

export const session = new SessionStore();
