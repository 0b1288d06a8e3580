/**
 * Azure Active Directory records: the Azure AD base schema (directory changes, RecordType 8),
 * the STS logon schema (`UserLoggedIn` / `UserLoginFailed`, RecordType 15) and the deprecated
 * account logon schema (RecordType 9). Where Microsoft's documentation and its live records
 * differ, the live form is required and the documented one accepted: failures carry
 * `ErrorNumber` (the schema page says `ErrorCode`).
 */
import { z } from 'zod';
import { bareIp, clientIp, commonShape, guid, modifiedProperty, nameValuePairs } from './common.ts';

/** IdentityType of Actor/Target entries: 0 Claim, 1 Name, 2 Other, 3 PUID, 4 SPN, 5 UPN. */
export const identity = z.object({ ID: z.string(), Type: z.number().int().min(0).max(5) }).loose();

export const azureActiveDirectoryShape = {
  ...commonShape,
  Workload: z.literal('AzureActiveDirectory'),
  /** Directory events write Success/Failure, STS logons Success/Failed; the schema page lists Succeeded/PartiallySucceeded/Failed. */
  ResultStatus: z.enum(['Success', 'Succeeded', 'PartiallySucceeded', 'Failed', 'Failure']).optional(),
  /** 0 AccountLogon, 1 AzureApplicationAuditEvent. */
  AzureActiveDirectoryEventType: z.number().int().min(0).max(1).optional(),
  ExtendedProperties: nameValuePairs.optional(),
  ModifiedProperties: z.array(modifiedProperty).optional(),
  Actor: z.array(identity).optional(),
  ActorContextId: guid.optional(),
  ActorIpAddress: clientIp.optional(),
  InterSystemsId: guid.optional(),
  IntraSystemId: guid.optional(),
  SupportTicketId: z.string().optional(),
  Target: z.array(identity).optional(),
  TargetContextId: guid.optional(),
};

/** A directory change (RecordType 8): the operation keeps its trailing period (`Add member to role.`). */
export const azureActiveDirectoryRecord = z
  .object({
    ...azureActiveDirectoryShape,
    Operation: z.string().regex(/\S\.$/, 'Azure AD directory operations end with a period, e.g. "Add member to role."'),
    Actor: z.array(identity).min(1),
    Target: z.array(identity).min(1),
  })
  .loose();

/** Deprecated account logon (RecordType 9): `ExtendedProperties` carries LoginStatus and LoginError. */
export const accountLogonRecord = z.object({ ...azureActiveDirectoryShape, Actor: z.array(identity).optional() }).loose();

/** STS logon (RecordType 15). */
export const stsLogonRecord = z
  .object({
    ...azureActiveDirectoryShape,
    Operation: z.enum(['UserLoggedIn', 'UserLoginFailed']),
    ResultStatus: z.enum(['Success', 'Succeeded', 'Failed']),
    /** STS logons carry a bare IPv4 or IPv6 address. */
    ClientIP: bareIp,
    ActorIpAddress: bareIp,
    ApplicationId: guid,
    Actor: z.array(identity).min(1),
    Target: z.array(identity).min(1),
    ExtendedProperties: nameValuePairs,
    DeviceProperties: nameValuePairs.optional(),
    /** What live records carry: the AADSTS error number as a string, `"0"` on success. */
    ErrorNumber: z.string().regex(/^\d+$/, 'expected the AADSTS error number as a string of digits').optional(),
    /** The field the schema page names instead of ErrorNumber. */
    ErrorCode: z.string().optional(),
    LogonError: z.string().min(1).optional(),
  })
  .loose()
  .superRefine((r, ctx) => {
    if (r.ActorIpAddress !== r.ClientIP)
      ctx.addIssue({ code: 'custom', path: ['ActorIpAddress'], message: `ActorIpAddress ${r.ActorIpAddress} differs from ClientIP ${r.ClientIP}` });
    const error = r.ErrorNumber ?? r.ErrorCode;
    if (r.Operation === 'UserLoginFailed') {
      if (error === undefined || error === '0')
        ctx.addIssue({ code: 'custom', path: ['ErrorNumber'], message: 'a failed logon carries its AADSTS error number' });
      if (r.LogonError === undefined) ctx.addIssue({ code: 'custom', path: ['LogonError'], message: 'a failed logon carries LogonError' });
    } else {
      if (error !== undefined && error !== '0')
        ctx.addIssue({ code: 'custom', path: ['ErrorNumber'], message: `a successful logon has ErrorNumber "0", not ${JSON.stringify(error)}` });
      if (r.LogonError !== undefined) ctx.addIssue({ code: 'custom', path: ['LogonError'], message: 'a successful logon has no LogonError' });
    }
    const detail = r.ExtendedProperties.find((p) => p.Name === 'ResultStatusDetail')?.Value;
    if (detail !== undefined && !['Success', 'UserError', 'Redirect'].includes(detail))
      ctx.addIssue({ code: 'custom', path: ['ExtendedProperties'], message: `unknown ResultStatusDetail ${detail}` });
  });
