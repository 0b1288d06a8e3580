import { api } from '$lib/api/client';
import { describeError, toApiError, type UserError } from '$lib/api/errors';
import type { components } from '$lib/api/schema';
import { retryAfterSeconds } from './format';

type Entity = components['schemas']['EventEntity'];

/**
 * The event page's live lookup: one request (`?live=true`) answers every entity now and what
 * changed since detection, shared by all sections' "Live lookup" switches. The API limits
 * lookups per tenant; a 429 is kept with the time to wait rather than shown as a failure.
 */
export class LiveLookup {
  status = $state<'idle' | 'loading' | 'ready' | 'limited' | 'error'>('idle');
  byId = $state<Record<string, Entity>>({});
  error = $state<UserError | null>(null);
  /** When the tenant's lookups are spent: seconds to wait, as the API said. */
  retryAfter = $state<number | null>(null);
  readonly #eventId: string;

  constructor(eventId: string) {
    this.#eventId = eventId;
  }

  /** Looks every entity up now, unless an answer is already here or on its way. */
  async load(force = false): Promise<void> {
    if (this.status === 'loading' || (this.status === 'ready' && !force)) return;
    this.status = 'loading';
    this.error = null;
    this.retryAfter = null;
    try {
      const { data, error, response } = await api.GET('/api/v1/events/{id}/entities', { params: { path: { id: this.#eventId }, query: { live: 'true' } } });
      if (response.status === 429) {
        this.retryAfter = retryAfterSeconds(response.headers.get('retry-after')) ?? 60;
        this.status = 'limited';
        return;
      }
      if (!data) throw toApiError(error, response);
      this.byId = Object.fromEntries(data.items.map((e) => [e.id, e]));
      this.status = 'ready';
    } catch (err) {
      this.error = describeError(err);
      this.status = 'error';
    }
  }
}
