import type { components } from '$lib/api/schema';
import { ApiError, toApiError } from '$lib/api/errors';
import { DEFAULT_STATE, writeState } from '$lib/report/state';
import { session } from '$lib/session.svelte';

export type ImportRun = components['schemas']['Import'];

/** The roles that may import (the API's `import.run`: technicians and up). */
export const IMPORT_ROLES = ['technician', 'admin', 'owner'] as const;

/** The exports the Import page offers to pick (the server reads the content, whatever the name). */
export const IMPORT_ACCEPT = '.csv,.json,.jsonl';

export const IMPORT_STATUS_LABELS = { queued: 'Queued', running: 'Importing', done: 'Done', failed: 'Failed' } as const satisfies Record<
  ImportRun['status'],
  string
>;

/** The badge of a run: done with nothing left out is a success, done with something left out a warning. */
export function importTone(run: ImportRun): 'success' | 'warning' | 'danger' | 'info' {
  if (run.status === 'failed') return 'danger';
  if (run.status === 'done') return run.complete ? 'success' : 'warning';
  return 'info';
}

/**
 * Uploads a file as the body of POST /tenants/{id}/imports. XMLHttpRequest, not fetch: only it
 * reports upload progress. Resolves to the queued run; an error answer becomes an ApiError.
 */
export function uploadImport(tenantId: string, file: File, onProgress: (sent: number, total: number) => void): Promise<ImportRun> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `/api/v1/tenants/${encodeURIComponent(tenantId)}/imports?fileName=${encodeURIComponent(file.name)}`);
    xhr.setRequestHeader('Content-Type', 'application/octet-stream');
    if (session.csrfToken) xhr.setRequestHeader('X-CSRF-Token', session.csrfToken);
    xhr.upload.onprogress = (e) => onProgress(e.loaded, e.lengthComputable ? e.total : file.size);
    xhr.onload = () => {
      let body: unknown = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        // Not JSON (a proxy's page): toApiError describes it by its status.
      }
      if (xhr.status === 202) resolve(body as ImportRun);
      else reject(toApiError(body, new Response(null, { status: xhr.status })));
    };
    xhr.onerror = () => reject(new ApiError(0, 'network_error', 'The upload did not reach Tenantwatch: check the connection and try again.', null));
    xhr.send(file);
  });
}

/** Events per Report link as an `Event.Id IN (...)` filter; more than this links the tenant's events instead. */
const LINKED_EVENTS = 200;

/** The Report showing the events an import raised or updated (all statuses, all time). */
export function reportQuery(run: ImportRun): string {
  const ids = run.eventIds.slice(0, LINKED_EVENTS);
  const filter = run.eventIds.length <= LINKED_EVENTS ? `Event.Id IN (${ids.map((id) => `'${id}'`).join(', ')})` : '';
  return writeState({ ...DEFAULT_STATE, tenants: [run.tenantId], status: 'all', range: 'all', filter }).toString();
}

/** 1.5 MB, 320 KB, 12 bytes. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  const units = ['KB', 'MB', 'GB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}
