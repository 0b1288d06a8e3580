/**
 * Exchange records: admin cmdlets (ExchangeAdmin, RecordType 1) and mailbox audit records
 * (ExchangeItem 2, ExchangeItemGroup 3, ExchangeItemAggregated 50 for MailItemsAccessed).
 */
import { z } from 'zod';
import { commonShape, guid, nameValuePair, nameValuePairs } from './common.ts';

export const exchangeShape = {
  ...commonShape,
  Workload: z.literal('Exchange'),
  ExternalAccess: z.boolean(),
  OrganizationName: z.string().optional(),
  OriginatingServer: z.string().optional(),
};

/** ExchangeAdmin: cmdlet parameters are `{Name, Value}` pairs with string values; ResultStatus is the string "True" or "False". */
export const exchangeAdminRecord = z
  .object({
    ...exchangeShape,
    ResultStatus: z.enum(['True', 'False']),
    Parameters: z.array(nameValuePair),
    ModifiedProperties: z.array(z.unknown()).optional(),
    ModifiedObjectResolvedName: z.string().optional(),
    AppId: z.string().optional(),
    ClientAppId: z.string().optional(),
    AppPoolName: z.string().optional(),
    SessionId: z.string().optional(),
    RequestId: z.string().optional(),
  })
  .loose();

/** Windows security identifier, `S-1-5-21-…`. */
const sid = z.string().regex(/^S-1-\d+(-\d+)+$/, 'expected a Windows SID (S-1-5-21-…)');

/** LogonType / InternalLogonType: 0 Owner, 1 Admin, 2 Delegated, 3 Transport, 4 SystemService, 5 BestAccess, 6 DelegatedAdmin. */
const logonType = z.number().int().min(0).max(6);

const folder = z.object({ Id: z.string().optional(), Path: z.string().optional() }).loose();
const item = z
  .object({
    Id: z.string().optional(),
    InternetMessageId: z.string().optional(),
    Subject: z.string().optional(),
    SizeInBytes: z.number().int().nonnegative().optional(),
    ParentFolder: folder.optional(),
  })
  .loose();

/** The mailbox audit schema shared by ExchangeItem, ExchangeItemGroup and ExchangeItemAggregated. */
export const exchangeMailboxShape = {
  ...exchangeShape,
  ResultStatus: z.enum(['Succeeded', 'PartiallySucceeded', 'Failed']).optional(),
  LogonType: logonType,
  InternalLogonType: logonType,
  MailboxGuid: guid,
  MailboxOwnerUPN: z.string().min(1),
  MailboxOwnerSid: sid,
  MailboxOwnerMasterAccountSid: sid.optional(),
  LogonUserSid: sid,
  LogonUserDisplayName: z.string().optional(),
  ClientInfoString: z.string().optional(),
  /** The client's address without a port (the common ClientIP may carry one). */
  ClientIPAddress: z.string().optional(),
  ClientMachineName: z.string().optional(),
  ClientProcessName: z.string().optional(),
  ClientVersion: z.string().optional(),
  CrossMailboxOperation: z.boolean().optional(),
  Item: item.optional(),
  Folder: folder.optional(),
  DestFolder: folder.optional(),
  Folders: z.array(folder.extend({ FolderItems: z.array(item).optional() })).optional(),
  AffectedItems: z.array(item).optional(),
  OperationProperties: nameValuePairs.optional(),
  SendAsUserSmtp: z.string().optional(),
  SendOnBehalfOfUserSmtp: z.string().optional(),
};

export const exchangeMailboxRecord = z.object(exchangeMailboxShape).loose();

/** MailItemsAccessed (ExchangeItemAggregated): how it was read (Bind or Sync) and how many items. */
export const mailItemsAccessedRecord = z
  .object({ ...exchangeMailboxShape, OperationCount: z.number().int().positive().optional(), OperationProperties: nameValuePairs })
  .loose()
  .superRefine((r, ctx) => {
    if (r.Operation !== 'MailItemsAccessed') return;
    const access = r.OperationProperties.find((p) => p.Name === 'MailAccessType')?.Value;
    if (access !== 'Bind' && access !== 'Sync')
      ctx.addIssue({ code: 'custom', path: ['OperationProperties'], message: `MailAccessType must be Bind or Sync, not ${JSON.stringify(access)}` });
  });
