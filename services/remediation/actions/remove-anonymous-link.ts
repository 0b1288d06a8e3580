/**
 * Remove anonymous link: every "anyone with the link" permission set on the item is deleted, so
 * its links stop working. A link inherited from a parent folder must be removed there; the
 * action says so rather than pretending.
 */
import { asJson, done, findSharedItem, must } from './lib.ts';
import { RemediationError, type RemediationAction } from './types.ts';

export const removeAnonymousLink: RemediationAction = {
  name: 'remove-anonymous-link',
  title: 'Remove anonymous link',
  description: 'Deletes the "anyone with the link" sharing links of the file or folder: whoever holds the link can no longer open it.',
  entityKinds: ['link'],
  permission: { resource: 'graph', permission: 'Files.ReadWrite.All', alsoAccepted: ['Sites.ReadWrite.All', 'Sites.Manage.All', 'Sites.FullControl.All'] },
  restrictsAccess: false,
  async snapshot(ctx, target) {
    const item = await findSharedItem(ctx, target.key);
    return { driveId: item.driveId, itemId: item.itemId, name: item.name, anonymousLinks: asJson(item.permissions.filter((p) => p.scope === 'anonymous')) };
  },
  async run(ctx, target) {
    const item = await findSharedItem(ctx, target.key);
    const anonymous = item.permissions.filter((p) => p.scope === 'anonymous');
    const own = anonymous.filter((p) => !p.inherited);
    if (own.length === 0 && anonymous.length > 0) {
      throw new RemediationError(`The anonymous link on ${item.name ?? target.key} is inherited from a parent folder: remove it from that folder.`, 'refused');
    }
    if (own.length === 0) return done({ driveId: item.driveId, itemId: item.itemId, removed: [] }, true);
    const removed: string[] = [];
    for (const permission of own) {
      const answer = await ctx.graph.delete(
        `/drives/${encodeURIComponent(item.driveId)}/items/${encodeURIComponent(item.itemId)}/permissions/${encodeURIComponent(permission.id)}`,
      );
      if (!answer.ok && answer.failure.status !== 404) must(answer);
      removed.push(permission.id);
    }
    return done({ driveId: item.driveId, itemId: item.itemId, name: item.name, removed });
  },
};
