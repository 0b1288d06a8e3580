/** Content listing items and time-window rules of the Management Activity API. */
import type { ContentBlob, SimTenant } from './state.ts';
import { CONTENT_RETENTION_MS } from './state.ts';

export interface ContentItem {
  contentType: string;
  contentId: string;
  contentUri: string;
  contentCreated: string;
  contentExpiration: string;
}

export function contentUri(origin: string, tenant: SimTenant, blob: ContentBlob): string {
  return `${origin}/api/v1.0/${tenant.id}/activity/feed/audit/${blob.contentId}`;
}

export function contentItem(origin: string, tenant: SimTenant, blob: ContentBlob): ContentItem {
  return {
    contentType: blob.contentType,
    contentId: blob.contentId,
    contentUri: contentUri(origin, tenant, blob),
    contentCreated: new Date(blob.contentCreated).toISOString(),
    contentExpiration: new Date(blob.contentCreated + CONTENT_RETENTION_MS).toISOString(),
  };
}

/**
 * Parses startTime/endTime. The documented forms are `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM` and
 * `YYYY-MM-DDTHH:MM:SS` in UTC; clients commonly send seconds fractions and a `Z`, which the
 * service accepts too.
 */
export function parseWindowTime(text: string): number | undefined {
  const match = /^(\d{4}-\d{2}-\d{2})(T\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?)?(Z)?$/.exec(text.trim());
  if (!match) return undefined;
  const [, date, time = 'T00:00', seconds] = match;
  const iso = `${date}${time}${seconds ? '' : ':00'}Z`;
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? ms : undefined;
}

/** `nextPage` cursors look like Microsoft's (`2015101900R022885001761`): a stamp, `R`, and the last blob's sequence number. */
export function encodeNextPage(blob: ContentBlob): string {
  const stamp = new Date(blob.contentCreated).toISOString().replace(/[-:TZ.]/g, '');
  return `${stamp}R${String(blob.seq).padStart(12, '0')}`;
}

export function decodeNextPage(text: string): { contentCreated: number; seq: number } | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{3})R(\d{12})$/.exec(text);
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s, ms, seq] = match;
  const contentCreated = Date.parse(`${y}-${mo}-${d}T${h}:${mi}:${s}.${ms}Z`);
  if (!Number.isFinite(contentCreated)) return undefined;
  return { contentCreated, seq: Number(seq) };
}
