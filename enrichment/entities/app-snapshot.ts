/**
 * What enrichment records about an application (its service principal in the tenant): who
 * publishes it, whether Microsoft verified the publisher, and what it was granted, each
 * permission described and rated. The filter language reads `App.*` keys.
 */
import { z } from 'zod';
import { RISK_LEVELS } from '../../services/microsoft/permissions.ts';
import { enabledStatusSchema, missingPartSchema } from './snapshot-parts.ts';

const permissionFields = {
  name: z.string(),
  resource: z.string().meta({ description: 'The API the permission is for, e.g. Microsoft Graph' }),
  description: z.string(),
  risk: z.enum(RISK_LEVELS),
};

const consentTypeSchema = z.enum(['AllPrincipals', 'Principal']);

export const delegatedPermissionSchema = z
  .object({
    ...permissionFields,
    consentType: consentTypeSchema,
    users: z.number().meta({ description: 'Users who consented for themselves' }),
  })
  .meta({ id: 'AppDelegatedPermission' });

export const applicationPermissionSchema = z.object({ ...permissionFields, grantedDateTime: z.string().nullable() }).meta({ id: 'AppApplicationPermission' });

export const appSnapshotSchema = z
  .object({
    schemaVersion: z.number(),
    servicePrincipalId: z.string(),
    appId: z.string(),
    displayName: z.string().nullable(),
    description: z.string().nullable(),
    type: z.enum(['enterprise-app', 'microsoft-first-party', 'managed-identity']),
    status: enabledStatusSchema,
    publisher: z.string().nullable(),
    verifiedPublisher: z.boolean(),
    verifiedPublisherName: z.string().nullable(),
    verification: z.enum(['verified', 'unverified', 'microsoft']).meta({ description: '`microsoft` for first-party apps' }),
    isMicrosoft: z.boolean(),
    registeredIn: z.enum(['this-tenant', 'other-organization', 'microsoft', 'unknown']).meta({ description: 'Where the app is registered' }),
    appOwnerOrganizationId: z.string().nullable(),
    signInAudience: z.string().nullable(),
    homepage: z.string().nullable(),
    replyUrls: z.array(z.string()),
    tags: z.array(z.string()),
    createdDateTime: z.string().nullable().meta({ description: 'Graph v1.0 does not document it on service principals; null unless Graph sends it' }),
    firstGrantedDateTime: z.string().nullable().meta({ description: 'Earliest application permission grant, when any' }),
    roles: z.array(z.string()).nullable(),
    permissions: z.array(z.string()),
    consentType: consentTypeSchema.nullable(),
    delegatedPermissions: z.array(delegatedPermissionSchema),
    applicationPermissions: z.array(applicationPermissionSchema),
    highestRisk: z.enum(RISK_LEVELS).nullable(),
    missing: z.array(missingPartSchema),
  })
  .meta({ id: 'AppSnapshot', description: 'An application as recorded' });

export type AppSnapshot = z.infer<typeof appSnapshotSchema>;
export type DelegatedPermission = z.infer<typeof delegatedPermissionSchema>;
export type ApplicationPermission = z.infer<typeof applicationPermissionSchema>;
