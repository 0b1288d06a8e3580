/**
 * Anonymous ("anyone with the link") sharing of a SharePoint or OneDrive item: is a link still
 * active, does it let people view or edit, when does it expire, and which file or folder on
 * which site it exposes. The item is found from the audit record's URL through
 * `/shares/{u!…}/driveItem` (or from `drives/{id}/items/{id}`), then its permissions are read.
 *
 * The links' own URLs are not recorded: anyone holding one can open the item, so a snapshot
 * stored in our database must not become a second copy of the key.
 */
import type { GraphClient } from '../../services/microsoft/graph-client.ts';
import { describeFailure } from './failure.ts';
import type { AnonymousLink, LinkSnapshot } from './link-snapshot.ts';
import { recorded, unavailable, type EnrichContext, type EnrichmentResult } from './types.ts';

export const LINK_SCHEMA_VERSION = 1;

interface DriveItemBody {
  id: string;
  name?: string;
  webUrl?: string;
  size?: number;
  folder?: unknown;
  file?: unknown;
  createdBy?: { user?: { displayName?: string; email?: string } };
  parentReference?: { driveId?: string; path?: string; siteId?: string };
}

interface PermissionBody {
  id: string;
  roles?: string[];
  expirationDateTime?: string | null;
  hasPassword?: boolean;
  link?: { type?: string; scope?: string; preventsDownload?: boolean } | null;
}

export type { AnonymousLink, LinkSnapshot } from './link-snapshot.ts';

export async function enrichLink(graph: GraphClient, key: string, context: EnrichContext = {}): Promise<EnrichmentResult> {
  const target = locate(key, context);
  if (!target) return unavailable('no-data', "A link is identified by the shared item's URL or as drives/{driveId}/items/{itemId}.");
  const gone = 'The shared file or folder no longer exists: it was deleted or moved.';
  const item = await graph.get<DriveItemBody>(target);
  if (!item.ok) return describeFailure(item.failure, { permission: 'Files.Read.All', notFound: gone });
  const driveId = item.body.parentReference?.driveId;
  if (!driveId) return unavailable('no-data', 'Microsoft Graph did not say which library holds the item.');
  const permissions = await graph.get<{ value: PermissionBody[] }>(
    `/drives/${encodeURIComponent(driveId)}/items/${encodeURIComponent(item.body.id)}/permissions`,
  );
  if (!permissions.ok) return describeFailure(permissions.failure, { permission: 'Files.Read.All', notFound: gone });

  const anonymous: AnonymousLink[] = [];
  let otherLinks = 0;
  for (const p of permissions.body.value) {
    if (!p.link) continue;
    if (p.link.scope !== 'anonymous') {
      otherLinks++;
      continue;
    }
    const edit = p.link.type === 'edit' || (p.roles ?? []).includes('write');
    anonymous.push({
      permissionId: p.id,
      access: edit ? 'edit' : 'view',
      linkType: p.link.type ?? 'view',
      expirationDateTime: p.expirationDateTime ?? null,
      hasPassword: p.hasPassword ?? false,
      preventsDownload: p.link.preventsDownload ?? false,
    });
  }
  anonymous.sort((a, b) => a.permissionId.localeCompare(b.permissionId));
  const expiries = anonymous.map((l) => l.expirationDateTime);
  const webUrl = item.body.webUrl ?? null;
  const snapshot: LinkSnapshot = {
    schemaVersion: LINK_SCHEMA_VERSION,
    driveId,
    itemId: item.body.id,
    name: item.body.name ?? null,
    itemType: item.body.folder ? 'folder' : 'file',
    status: anonymous.length > 0 ? 'active' : 'removed',
    access: anonymous.length === 0 ? null : anonymous.some((l) => l.access === 'edit') ? 'edit' : 'view',
    expiration: expiries.length === 0 || expiries.includes(null) ? null : ([...expiries].sort()[0] ?? null),
    anonymousLinks: anonymous,
    otherLinks,
    site: context.siteUrl?.replace(/\/+$/, '') ?? siteOf(webUrl),
    path: context.sourceRelativeUrl ?? null,
    webUrl,
    createdBy: item.body.createdBy?.user?.email ?? item.body.createdBy?.user?.displayName ?? null,
  };
  return recorded(snapshot);
}

/** The Graph path that finds the item: a drive item path as given, or the URL through /shares. */
function locate(key: string, context: EnrichContext): string | undefined {
  const direct = /^\/?drives\/([^/]+)\/items\/([^/]+)$/.exec(key.trim());
  if (direct) return `/drives/${encodeURIComponent(direct[1] ?? '')}/items/${encodeURIComponent(direct[2] ?? '')}`;
  let url = key.trim();
  if (!/^https:\/\//i.test(url) && context.siteUrl && context.sourceRelativeUrl) url = linkUrlFromAudit(context.siteUrl, context.sourceRelativeUrl);
  if (!/^https:\/\//i.test(url)) return undefined;
  return `/shares/${encodeSharingUrl(url)}/driveItem`;
}

/** The item URL from a SharePoint audit record's SiteUrl and SourceRelativeUrl (the key for a link). */
export function linkUrlFromAudit(siteUrl: string, sourceRelativeUrl: string): string {
  return `${siteUrl.replace(/\/+$/, '')}/${sourceRelativeUrl.replace(/^\/+/, '')}`;
}

/** `u!` + unpadded base64url of the URL, as Graph's /shares endpoint takes it. */
export function encodeSharingUrl(url: string): string {
  return `u!${Buffer.from(url, 'utf8').toString('base64url')}`;
}

function siteOf(webUrl: string | null): string | null {
  const m = webUrl ? /^(https:\/\/[^/]+\/(?:sites|teams|personal)\/[^/]+)/i.exec(webUrl) : null;
  return m?.[1] ?? null;
}
