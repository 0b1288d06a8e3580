/**
 * SharePoint and OneDrive records: the SharePoint base schema (RecordType 4 and 7), file
 * operations (6) and sharing operations (14). Either workload writes them; `ItemType` and
 * `TargetUserOrGroupType` are strings in the live API.
 */
import { z } from 'zod';
import { commonShape, guid } from './common.ts';

export const ITEM_TYPES = ['File', 'Folder', 'Web', 'Site', 'Tenant', 'DocumentLibrary', 'List', 'ListItem', 'Page'] as const;

const url = z.string().regex(/^https:\/\/[^\s/]+/, 'expected an https URL');

export const sharePointShape = {
  ...commonShape,
  Workload: z.enum(['SharePoint', 'OneDrive']),
  Site: guid.optional(),
  ItemType: z.enum(ITEM_TYPES).optional(),
  EventSource: z.enum(['SharePoint', 'ObjectModel']).optional(),
  SourceName: z.string().optional(),
  UserAgent: z.string().optional(),
  MachineDomainInfo: z.string().optional(),
  MachineId: z.string().optional(),
  CorrelationId: guid.optional(),
  CustomEvent: z.string().optional(),
  EventData: z.string().optional(),
  ListId: guid.optional(),
  ListItemUniqueId: guid.optional(),
  WebId: guid.optional(),
};

export const sharePointRecord = z.object(sharePointShape).loose();

const fileShape = {
  ...sharePointShape,
  ObjectId: url,
  ItemType: z.enum(ITEM_TYPES),
  SiteUrl: url,
  SourceRelativeUrl: z.string(),
  SourceFileName: z.string(),
  SourceFileExtension: z.string().optional(),
  DestinationRelativeUrl: z.string().optional(),
  DestinationFileName: z.string().optional(),
  DestinationFileExtension: z.string().optional(),
  UserSharedWith: z.string().optional(),
  SharingType: z.string().optional(),
};

/** SharePointFileOperation (6). */
export const sharePointFileOperationRecord = z.object(fileShape).loose();

/** SharePointSharingOperation (14): who the item was shared with, and the sharing details as an XML fragment string. */
export const sharePointSharingOperationRecord = z
  .object({
    ...fileShape,
    TargetUserOrGroupType: z.enum(['Member', 'Guest', 'SharePointGroup', 'SecurityGroup', 'Partner', 'Group']).optional(),
    TargetUserOrGroupName: z.string().optional(),
    UniqueSharingId: guid.optional(),
  })
  .loose();
