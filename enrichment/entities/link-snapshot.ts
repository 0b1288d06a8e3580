/**
 * What enrichment records about an anonymously shared item. The links' own URLs are never
 * recorded: anyone holding one can open the item.
 */
import { z } from 'zod';

export const anonymousLinkSchema = z
  .object({
    permissionId: z.string(),
    access: z.enum(['view', 'edit']).meta({ description: 'An `embed` link only views' }),
    linkType: z.string(),
    expirationDateTime: z.string().nullable(),
    hasPassword: z.boolean(),
    preventsDownload: z.boolean(),
  })
  .meta({ id: 'AnonymousLink' });

export const linkSnapshotSchema = z
  .object({
    schemaVersion: z.number(),
    driveId: z.string(),
    itemId: z.string(),
    name: z.string().nullable(),
    itemType: z.enum(['file', 'folder']),
    status: z.enum(['active', 'removed']).meta({ description: '`active` while an anonymous link exists, `removed` when none is left' }),
    access: z.enum(['view', 'edit']).nullable().meta({ description: 'The strongest access an anonymous link gives; null when removed' }),
    expiration: z.string().nullable().meta({ description: 'The earliest expiry among active anonymous links; null when one never expires (or none is left)' }),
    anonymousLinks: z.array(anonymousLinkSchema),
    otherLinks: z.number().meta({ description: 'Sharing links for the organisation or named people (not anonymous), counted' }),
    site: z.string().nullable(),
    path: z.string().nullable().meta({ description: 'Path of the item in its site, as the audit record gives it' }),
    webUrl: z.string().nullable(),
    createdBy: z.string().nullable(),
  })
  .meta({ id: 'LinkSnapshot', description: 'An anonymously shared file or folder as recorded' });

export type LinkSnapshot = z.infer<typeof linkSnapshotSchema>;
export type AnonymousLink = z.infer<typeof anonymousLinkSchema>;
