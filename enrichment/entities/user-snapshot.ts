/**
 * What enrichment records about a user (and a mailbox, which is its owner's user object).
 * The filter language reads some keys (`User.*` in services/language/fields.ts); the rest is
 * for the event page. Parts that need their own permission are null when refused and listed
 * in `missing`.
 */
import { z } from 'zod';
import { enabledStatusSchema, missingPartSchema } from './snapshot-parts.ts';

export const userSnapshotSchema = z
  .object({
    schemaVersion: z.number(),
    id: z.string(),
    userPrincipalName: z.string(),
    displayName: z.string().nullable(),
    mail: z.string().nullable(),
    status: enabledStatusSchema.meta({ description: 'A deleted user is `unavailable: entity-deleted`' }),
    userType: z.string().nullable(),
    department: z.string().nullable(),
    jobTitle: z.string().nullable(),
    country: z.string().nullable().meta({ description: 'Usage location (ISO country code)' }),
    createdDateTime: z.string().nullable(),
    lastPasswordChangeDateTime: z.string().nullable(),
    alternateEmails: z.array(z.string()).meta({ description: 'otherMails: addresses used for self-service password reset and notifications' }),
    mobilePhone: z.string().nullable(),
    licenses: z.array(z.object({ skuId: z.string(), skuPartNumber: z.string().nullable(), productName: z.string().nullable() })),
    roles: z.array(z.string()).nullable(),
    isAdmin: z.boolean().nullable(),
    mfaRegistered: z.boolean().nullable(),
    mfa: z
      .object({
        registered: z.boolean(),
        capable: z.boolean(),
        methods: z.array(z.string()),
        defaultMethod: z.string().nullable(),
        systemPreferredMethods: z.array(z.string()),
        ssprRegistered: z.boolean(),
        lastUpdatedDateTime: z.string().nullable(),
      })
      .nullable(),
    riskLevel: z.string().nullable(),
    riskState: z.string().nullable(),
    isBreakGlass: z.boolean(),
    lastSignIn: z.object({ interactive: z.string().nullable(), nonInteractive: z.string().nullable(), successful: z.string().nullable() }).nullable(),
    missing: z.array(missingPartSchema),
  })
  .meta({ id: 'UserSnapshot', description: 'A user (or a mailbox owner) as recorded' });

export type UserSnapshot = z.infer<typeof userSnapshotSchema>;
