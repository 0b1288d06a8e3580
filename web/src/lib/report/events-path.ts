import { resolve } from '$app/paths';

/** The event page's address (`/events/{id}`), the target of every row of the Report table. */
export function eventPath(id: string): string {
  // The event page is its own route (/events/[id]); built from the app's root so a base path applies.
  return `${resolve('/')}events/${encodeURIComponent(id)}`;
}
