import { api } from '$lib/api/client';
import { loaded } from '$lib/api/load';
import type { PageLoad } from './$types';

// The event and its entities as recorded at detection; the live lookup is asked for on the page.
// An unknown id and another MSP's event both answer 404: the app's "Page not found".
export const load: PageLoad = async ({ params, url }) => {
  const path = { params: { path: { id: params.id } } };
  const [event, entities, tickets, actions, ticketState] = await Promise.all([
    api.GET('/api/v1/events/{id}', path),
    api.GET('/api/v1/events/{id}/entities', path),
    api.GET('/api/v1/psa/tickets', { params: { query: { eventId: params.id, limit: 5 } } }),
    api.GET('/api/v1/actions/history', { params: { query: { event: params.id, limit: 100 } } }),
    api.GET('/api/v1/events/{id}/ticket', path),
  ]);
  return {
    event: loaded(event, url),
    entities: loaded(entities, url).items,
    tickets: loaded(tickets, url).items,
    actions: loaded(actions, url).items,
    ticketState: loaded(ticketState, url),
  };
};
