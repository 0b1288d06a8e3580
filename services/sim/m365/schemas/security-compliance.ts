/**
 * Security & Compliance Center records: cmdlets (SecurityComplianceCenterEOPCmdlet, RecordType
 * 18) and eDiscovery activities (Discovery, RecordType 24), both with Workload
 * `SecurityComplianceCenter`. Unlike Exchange admin records, a compliance cmdlet's
 * `Parameters` is one string (`-Name "q2" -ExchangeLocation "All"`).
 */
import { z } from 'zod';
import { commonShape, nameValuePairs } from './common.ts';

const securityComplianceShape = {
  ...commonShape,
  Workload: z.literal('SecurityComplianceCenter'),
  /** 0 for every Security & Compliance Center event. */
  SecurityComplianceCenterEventType: z.number().int().min(0).optional(),
};

export const securityComplianceCmdletRecord = z
  .object({
    ...securityComplianceShape,
    ResultStatus: z.enum(['True', 'False']).optional(),
    StartTime: z.string().optional(),
    ClientRequestId: z.string().optional(),
    CmdletVersion: z.string().optional(),
    EffectiveOrganization: z.string().optional(),
    UserServicePlan: z.string().optional(),
    ClientApplication: z.string().optional(),
    Parameters: z.string({
      error: (issue) => `compliance cmdlet Parameters is one string ("-Name \\"q2\\" …"), not ${Array.isArray(issue.input) ? 'a list' : typeof issue.input}`,
    }),
    NonPiiParameters: z.string().optional(),
    NonPIIParameters: z.string().optional(),
  })
  .loose();

export const discoveryRecord = z
  .object({
    ...securityComplianceShape,
    /** The eDiscovery case's identity (GUID). */
    Case: z.string().optional(),
    CaseId: z.string().optional(),
    ObjectType: z.string().optional(),
    Query: z.string().optional(),
    QueryText: z.string().optional(),
    CaseAdditionalInfo: nameValuePairs.optional(),
    ExtendedProperties: nameValuePairs.optional(),
  })
  .loose();
